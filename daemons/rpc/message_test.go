package rpc

import (
	"bytes"
	"errors"
	"io"
	"testing"

	xdr "github.com/davecgh/go-xdr/xdr2"
	libvirt "github.com/digitalocean/go-libvirt"
)

func TestPacketRoundTrip(t *testing.T) {
	h := Header{Program: 0x20008086, Version: 1, Procedure: 23, Type: Call, Serial: 7}
	pkt, err := EncodePacket(h, libvirt.DomainLookupByNameArgs{Name: "vm1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadPacket(bytes.NewReader(pkt), MaxMessage)
	if err != nil {
		t.Fatal(err)
	}
	if p.Header != h {
		t.Errorf("header = %+v, want %+v", p.Header, h)
	}
	if !bytes.Equal(p.Raw, pkt) {
		t.Errorf("raw packet differs")
	}
	var a libvirt.DomainLookupByNameArgs
	if err := Decode(p.Payload, &a); err != nil || a.Name != "vm1" {
		t.Errorf("decoded %+v, %v", a, err)
	}
}

// TestAuthListBytes checks the exact bytes virsh 9.0 was recorded sending and
// expecting (libvirt-protocol.md §1).
func TestAuthListBytes(t *testing.T) {
	call := []byte{0, 0, 0, 0x1c, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	p, err := ReadPacket(bytes.NewReader(call), MaxMessage)
	if err != nil || p.Procedure != 66 || p.Type != Call || len(p.Payload) != 0 {
		t.Fatalf("parse AUTH_LIST call: %+v %v", p, err)
	}
	reply, err := EncodePacket(Header{Program: 0x20008086, Version: 1, Procedure: 66, Type: Reply, Serial: 0},
		libvirt.AuthListRet{Types: []libvirt.AuthType{0}})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 0, 0x24, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 0x42, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}
	if !bytes.Equal(reply, want) {
		t.Errorf("AUTH_LIST reply\n got % x\nwant % x", reply, want)
	}
}

func TestRemoteErrorBytes(t *testing.T) {
	b, err := Encode(remoteError{Code: 42, Domain: 10, Message: []string{"Domain not found"}, Level: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 0, 0x2a, 0, 0, 0, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0x10}
	want = append(want, "Domain not found"...)
	want = append(want, 0, 0, 0, 2)
	want = append(want, make([]byte, 7*4)...)
	if !bytes.Equal(b, want) {
		t.Errorf("remote_error\n got % x\nwant % x", b, want)
	}
}

func TestReadPacketLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"too short", []byte{0, 0, 0, 27}, ErrTooShort},
		{"too large", []byte{0x7f, 0, 0, 0}, ErrTooLarge},
		{"truncated", append([]byte{0, 0, 0, 40}, make([]byte, 10)...), io.ErrUnexpectedEOF},
		{"empty", nil, io.EOF},
	} {
		_, err := ReadPacket(bytes.NewReader(tc.in), MaxMessage)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestDecodeRefusesLyingLengths(t *testing.T) {
	// A string claiming 1 GiB in a 12-byte payload must fail, not allocate.
	payload := []byte{0x40, 0, 0, 0, 'a', 'b', 'c', 'd', 0, 0, 0, 0}
	var a libvirt.DomainLookupByNameArgs
	if err := Decode(payload, &a); err == nil {
		t.Fatal("decoded a string longer than its payload")
	}
}

func TestTypedParamsReader(t *testing.T) {
	b, err := Encode(struct {
		Srv    string
		Params []libvirt.TypedParam
		Flags  uint32
	}{"virtqemud", []libvirt.TypedParam{Param("maxWorkers", uint32(9)), Param("x", "y"), Param("b", true), Param("l", int64(-3))}, 0})
	if err != nil {
		t.Fatal(err)
	}
	r := NewXDRReader(b)
	if s := r.String(100); s != "virtqemud" {
		t.Errorf("server %q", s)
	}
	ps := r.TypedParams(32)
	if r.Uint32() != 0 || r.Err() != nil {
		t.Fatalf("trailer: %v", r.Err())
	}
	if len(ps) != 4 || ps[0].Value.I != uint32(9) || ps[1].Value.I != "y" || ps[2].Value.I != true || ps[3].Value.I != int64(-3) {
		t.Errorf("params = %+v", ps)
	}
	short := NewXDRReader(b[:20])
	short.String(100)
	short.TypedParams(32)
	if short.Err() == nil {
		t.Error("truncated typed parameters decoded without error")
	}
}

// FuzzReadPacket feeds arbitrary bytes to the packet reader and the argument decoder:
// they must fail cleanly, never panic or allocate beyond the packet.
func FuzzReadPacket(f *testing.F) {
	good, _ := EncodePacket(Header{Program: 0x20008086, Version: 1, Procedure: 1, Type: Call}, libvirt.ConnectOpenArgs{Name: libvirt.OptString{"qemu:///system"}})
	f.Add(good)
	f.Add([]byte{0, 0, 0, 0x1c, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0x20, 0x6b, 0x65, 0x65, 0x70, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			p, err := ReadPacket(r, 1<<20)
			if err != nil {
				return
			}
			if len(p.Raw) < lenSize+HeaderSize || len(p.Raw) > lenSize+1<<20 {
				t.Fatalf("packet of %d bytes passed the limits", len(p.Raw))
			}
			var open libvirt.ConnectOpenArgs
			_ = Decode(p.Payload, &open)
			var list libvirt.ConnectListAllDomainsArgs
			_ = Decode(p.Payload, &list)
			var def libvirt.DomainDefineXMLFlagsArgs
			_ = Decode(p.Payload, &def)
			var re remoteError
			_ = Decode(p.Payload, &re)
			xr := NewXDRReader(p.Payload)
			xr.String(1 << 20)
			xr.TypedParams(32)
		}
	})
}

// TestSoleStringEncoding checks the shortcut for one-string replies against the XDR
// library's own encoding, for every padding length, by value and by pointer, and that
// structs with more fields still take the library's path.
func TestSoleStringEncoding(t *testing.T) {
	for n := 0; n < 9; n++ {
		s := string(bytes.Repeat([]byte{'x'}, n))
		for _, v := range []any{libvirt.DomainGetXMLDescRet{XML: s}, &libvirt.ConnectGetCapabilitiesRet{Capabilities: s}} {
			var want bytes.Buffer
			if _, err := xdr.Marshal(&want, v); err != nil {
				t.Fatal(err)
			}
			got, err := Encode(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%T of %d bytes: % x, want % x", v, n, got, want.Bytes())
			}
			if _, ok := soleString(v); !ok {
				t.Errorf("%T not taken as a sole string", v)
			}
		}
	}
	for _, v := range []any{nil, libvirt.DomainGetXMLDescArgs{Flags: 1}, (*libvirt.DomainGetXMLDescRet)(nil), libvirt.OptString{"a"}} {
		if _, ok := soleString(v); ok {
			t.Errorf("%T (%v) taken as a sole string", v, v)
		}
	}
}
