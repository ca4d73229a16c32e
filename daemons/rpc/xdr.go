package rpc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"

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
	if s, ok := soleString(v); ok {
		return appendString(b, s), nil
	}
	w := appendWriter{b}
	if _, err := xdr.Marshal(&w, v); err != nil {
		return b, fmt.Errorf("encode %T: %w", v, err)
	}
	return w.b, nil
}

// Encode encodes v as XDR.
func Encode(v any) ([]byte, error) { return appendXDR(nil, v) }

// soleString returns the string of a struct (or pointer to one) whose only field is a
// string: the reply of every call that returns an XML document. The encoder would copy
// such a string into a fresh slice and grow the packet around it; documents run to tens
// of KiB, and on virtualized hosts the page faults of those fresh buffers cost more than
// the rest of the call.
func soleString(v any) (string, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "", false
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct || rv.NumField() != 1 {
		return "", false
	}
	f := rv.Field(0)
	if f.Kind() != reflect.String || !rv.Type().Field(0).IsExported() {
		return "", false
	}
	return f.String(), true
}

// appendString appends s as an XDR string: length, bytes, zero padding to four bytes.
func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	b = append(b, s...)
	var pad [3]byte
	return append(b, pad[:(4-len(s)%4)%4]...)
}

// encodedSizeHint guesses a payload's size so its packet is allocated once: exact for
// a sole string, small otherwise.
func encodedSizeHint(v any) int {
	if s, ok := soleString(v); ok {
		return 4 + len(s) + 3
	}
	return 64
}
