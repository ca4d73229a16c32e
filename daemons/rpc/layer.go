package rpc

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync/atomic"
)

// SecurityLayer is the protection a SASL exchange set up (DIGEST-MD5's auth-conf, say):
// after the exchange every byte either way travels in records, each a 4-byte length and
// what Encode made of at most MaxEncode bytes of the stream (RFC 4422 section 3.7).
type SecurityLayer interface {
	Encode(p []byte) ([]byte, error)
	MaxEncode() int
	Decode(record []byte) ([]byte, error)
}

// maxRecord bounds a record from the client: libvirt's clients never send more than
// their negotiated buffer, 64 KiB.
const maxRecord = 1 << 20

// layerConn carries a SASL client's stream: plain until the layer is switched on,
// reading once the reader has the reply that completed the exchange, writing once that
// reply is written.
type layerConn struct {
	net.Conn
	rd, wr   atomic.Pointer[SecurityLayer]
	rbuf     []byte
	wpending []byte // the rest of a record a write left unfinished
}

func (l *layerConn) Read(p []byte) (int, error) {
	layer := l.rd.Load()
	if layer == nil {
		return l.Conn.Read(p)
	}
	for len(l.rbuf) == 0 {
		var lb [4]byte
		if _, err := io.ReadFull(l.Conn, lb[:]); err != nil {
			return 0, err
		}
		n := binary.BigEndian.Uint32(lb[:])
		if n > maxRecord {
			return 0, fmt.Errorf("%w: SASL record of %d bytes", ErrTooLarge, n)
		}
		rec := make([]byte, n)
		if _, err := io.ReadFull(l.Conn, rec); err != nil {
			return 0, err
		}
		out, err := (*layer).Decode(rec)
		if err != nil {
			return 0, fmt.Errorf("SASL decode: %w", err)
		}
		l.rbuf = out
	}
	n := copy(p, l.rbuf)
	l.rbuf = l.rbuf[n:]
	return n, nil
}

// Write encodes p into records of at most MaxEncode bytes each. A record the socket
// took only part of (a write deadline) is finished by the next Write before anything
// else: its bytes are counted as written, since encoding them again would break the
// peer's sequence numbers.
func (l *layerConn) Write(p []byte) (int, error) {
	layer := l.wr.Load()
	if layer == nil {
		return l.Conn.Write(p)
	}
	if len(l.wpending) > 0 {
		n, err := l.Conn.Write(l.wpending)
		l.wpending = l.wpending[n:]
		if err != nil {
			return 0, err
		}
	}
	max := (*layer).MaxEncode()
	done := 0
	for done < len(p) {
		chunk := p[done:min(len(p), done+max)]
		rec, err := (*layer).Encode(chunk)
		if err != nil {
			return done, fmt.Errorf("SASL encode: %w", err)
		}
		buf := make([]byte, 4+len(rec))
		binary.BigEndian.PutUint32(buf, uint32(len(rec)))
		copy(buf[4:], rec)
		done += len(chunk)
		if n, err := l.Conn.Write(buf); err != nil {
			l.wpending = buf[n:]
			return done, err
		}
	}
	return done, nil
}

// SetSecurityLayer switches the client's stream to l after the current call: the
// reader decodes from the client's next byte, and everything sent after the current
// call's reply is encoded. It is for the last step of a SASL exchange, which runs on
// the reader itself (Inline), so no byte is read in between.
func (c *Client) SetSecurityLayer(l SecurityLayer) {
	lc, ok := c.conn.(*layerConn)
	if !ok {
		c.srv.log.Error("a security layer was negotiated on a transport that cannot carry one", "client", c.id)
		c.Close()
		return
	}
	lc.rd.Store(&l)
	c.pendingLayer.Store(&l)
}

// takeLayer returns a layer whose write side waits for the current reply.
func (c *Client) takeLayer() func() {
	l := c.pendingLayer.Swap(nil)
	if l == nil {
		return nil
	}
	return func() { c.conn.(*layerConn).wr.Store(l) }
}
