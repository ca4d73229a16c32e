package sasl

import (
	"crypto/md5"
	"reflect"
	"strings"
	"testing"
)

// FuzzDigestMD5Response: whatever a client sends as its digest-response, the server
// answers with an error or, for the right password, rspauth — never a panic; and
// the directives it parses read back the same once quoted again.
func FuzzDigestMD5Response(f *testing.F) {
	f.Add(rfcResponse)
	f.Add(strings.Replace(rfcResponse, "qop=auth", "qop=auth-conf,cipher=rc4,maxbuf=1024", 1))
	f.Add(`username="a\"b",, realm = x ,nonce="`)
	f.Fuzz(func(t *testing.T, in string) {
		d := rfcServer(0, digestLimitSSF)
		if _, _, err := d.Step(nil); err != nil {
			t.Fatal(err)
		}
		out, done, err := d.Step([]byte(in))
		if err == nil && (!done || !strings.HasPrefix(string(out), "rspauth=") || d.User() != "chris") {
			t.Fatalf("accepted %q: %q %v user %q", in, out, done, d.User())
		}
		dirs, err := parseDirectives(in)
		if err != nil {
			return
		}
		parts := make([]string, len(dirs))
		for i, dir := range dirs {
			parts[i] = dir.name + "=" + quote(dir.value)
		}
		again, err := parseDirectives(strings.Join(parts, ","))
		if err != nil || !reflect.DeepEqual(again, dirs) {
			t.Fatalf("%q parsed as %q, requoted as %q: %q %v", in, dirs, parts, again, err)
		}
	})
}

// FuzzDigestLayerDecode: a record from the peer, whatever its bytes, is decoded or
// refused by every layer, never a panic.
func FuzzDigestLayerDecode(f *testing.F) {
	var ha1 [md5.Size]byte
	cli := newDigestLayer(ha1, &digestCiphers[4], digestMaxBuf, false)
	rec, _ := cli.Encode([]byte("hello"))
	f.Add(rec)
	f.Add(make([]byte, 16))
	f.Fuzz(func(t *testing.T, rec []byte) {
		layers := []*digestLayer{newDigestLayer(ha1, nil, digestMaxBuf, true)}
		for i := range digestCiphers {
			layers = append(layers, newDigestLayer(ha1, &digestCiphers[i], digestMaxBuf, true))
		}
		for _, l := range layers {
			l.Decode(rec)
		}
	})
}
