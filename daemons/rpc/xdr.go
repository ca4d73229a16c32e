package rpc

import (
	"bytes"
	"fmt"

	xdr "github.com/davecgh/go-xdr/xdr2"
)

// Decode decodes the XDR payload of a packet into v. The decoder may not allocate more
// than the payload's own size for any one item, so a lying length field fails instead
// of exhausting memory.
func Decode(payload []byte, v any) error {
	if _, err := xdr.UnmarshalLimited(bytes.NewReader(payload), v, uint(len(payload))); err != nil {
		return fmt.Errorf("decode %T: %w", v, err)
	}
	return nil
}

// appendWriter lets the XDR encoder append to a byte slice without an extra copy.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func appendXDR(b []byte, v any) ([]byte, error) {
	w := appendWriter{b}
	if _, err := xdr.Marshal(&w, v); err != nil {
		return b, fmt.Errorf("encode %T: %w", v, err)
	}
	return w.b, nil
}

// Encode encodes v as XDR.
func Encode(v any) ([]byte, error) { return appendXDR(nil, v) }
