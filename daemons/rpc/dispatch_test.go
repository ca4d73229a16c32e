package rpc

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
)

// TestInlineFirst: an InlineFirst procedure runs on the reader with MustNotBlock set;
// a call that answers ErrWouldBlock there runs again on a worker, without it, and only
// that answer reaches the client.
func TestInlineFirst(t *testing.T) {
	var mu sync.Mutex
	var runs []string
	prog, err := NewProgram(testProgram, 1, []Procedure{
		Handle(testProc(1), func(ctx context.Context, n uint32) (uint32, error) {
			nb := MustNotBlock(ctx)
			mu.Lock()
			runs = append(runs, map[bool]string{true: "reader", false: "worker"}[nb])
			mu.Unlock()
			if n%2 == 1 && nb {
				return 0, ErrWouldBlock
			}
			return n * 10, nil
		}, InlineFirst),
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, r := serve(t, prog)
	for _, c := range []struct {
		n    uint32
		runs []string
	}{{2, []string{"reader"}}, {3, []string{"reader", "worker"}}} {
		mu.Lock()
		runs = nil
		mu.Unlock()
		send(t, conn, Header{Procedure: 1, Type: Call, Serial: c.n}, binary.BigEndian.AppendUint32(nil, c.n))
		p := recv(t, conn, r)
		if p.Serial != c.n || p.Status != StatusOK || len(p.Payload) != 4 || binary.BigEndian.Uint32(p.Payload) != c.n*10 {
			t.Fatalf("call %d: reply serial %d status %d payload %x", c.n, p.Serial, p.Status, p.Payload)
		}
		mu.Lock()
		got := append([]string(nil), runs...)
		mu.Unlock()
		if len(got) != len(c.runs) || got[0] != c.runs[0] || got[len(got)-1] != c.runs[len(c.runs)-1] {
			t.Errorf("call %d ran on %v, want %v", c.n, got, c.runs)
		}
	}
}

// TestDocumentReplies: one-string replies large enough to be written from the string
// (postString) arrive whole, whether the socket takes them at once or, past its
// buffer, only in part.
func TestDocumentReplies(t *testing.T) {
	type doc struct{ XML string }
	prog, err := NewProgram(testProgram, 1, []Procedure{
		Handle(testProc(1), func(_ context.Context, n uint32) (doc, error) {
			b := make([]byte, n)
			for i := range b {
				b[i] = 'a' + byte(i%26)
			}
			return doc{string(b)}, nil
		}, Inline),
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, r := serve(t, prog)
	for i, n := range []uint32{writevMin, writevMin + 3, 100 << 10, 3 << 20, writevMin + 1} {
		send(t, conn, Header{Procedure: 1, Type: Call, Serial: uint32(i)}, binary.BigEndian.AppendUint32(nil, n))
		p := recv(t, conn, r)
		var got doc
		if p.Serial != uint32(i) || p.Status != StatusOK {
			t.Fatalf("%d bytes: reply serial %d status %d", n, p.Serial, p.Status)
		}
		if err := Decode(p.Payload, &got); err != nil || uint32(len(got.XML)) != n || len(p.Payload) != xdrStringLen(got.XML) {
			t.Fatalf("%d bytes: payload of %d decodes to %d (%v)", n, len(p.Payload), len(got.XML), err)
		}
		for j := range got.XML {
			if got.XML[j] != 'a'+byte(j%26) {
				t.Fatalf("%d bytes: byte %d is %q", n, j, got.XML[j])
			}
		}
	}
}
