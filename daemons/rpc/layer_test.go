package rpc

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// xorLayer is a stand-in security layer: records carry at most max bytes, each
// flipped and followed by a sequence byte, so a record encoded twice or out of order
// shows.
type xorLayer struct {
	max       int
	seq, rseq byte
}

func (x *xorLayer) MaxEncode() int { return x.max }

func (x *xorLayer) Encode(p []byte) ([]byte, error) {
	out := make([]byte, len(p)+1)
	for i, b := range p {
		out[i] = b ^ 0x55
	}
	out[len(p)] = x.seq
	x.seq++
	return out, nil
}

func (x *xorLayer) Decode(rec []byte) ([]byte, error) {
	if len(rec) == 0 || rec[len(rec)-1] != x.rseq {
		return nil, errors.New("out of sequence")
	}
	x.rseq++
	out := make([]byte, len(rec)-1)
	for i, b := range rec[:len(rec)-1] {
		out[i] = b ^ 0x55
	}
	return out, nil
}

// The layer's stream splits writes into records of at most MaxEncode bytes and
// reads them back; a record the socket took only part of before a write deadline is
// finished by the next write rather than encoded again.
func TestLayerConn(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	var sl SecurityLayer = &xorLayer{max: 10}
	w := &layerConn{Conn: a}
	w.wr.Store(&sl)
	var rl SecurityLayer = &xorLayer{max: 10}
	r := &layerConn{Conn: b}
	r.rd.Store(&rl)

	msg := []byte("twenty-five bytes of text")
	got := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 2*len(msg))
		_, err := io.ReadFull(r, buf)
		if err != nil {
			t.Error(err)
		}
		got <- buf
	}()
	if n, err := w.Write(msg); n != len(msg) || err != nil {
		t.Fatalf("write: %d %v", n, err)
	}

	// A write whose deadline has passed: its first record is encoded but not sent,
	// and goes out, once, ahead of the next write's.
	w.SetWriteDeadline(time.Now().Add(-time.Second))
	var n int
	var err error
	if n, err = w.Write(msg); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write past the deadline: %d %v", n, err)
	}
	w.SetWriteDeadline(time.Time{})
	if _, err := w.Write(msg[n:]); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, append(append([]byte(nil), msg...), msg...)) {
		t.Errorf("read %q", b)
	}
}
