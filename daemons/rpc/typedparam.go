package rpc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The discriminants of remote_typed_param_value (virTypedParameterType).
const (
	ParamInt     = 1
	ParamUInt    = 2
	ParamLLong   = 3
	ParamULLong  = 4
	ParamDouble  = 5
	ParamBoolean = 6
	ParamString  = 7
)

// Param builds one typed parameter for a reply. v must be int32, uint32, int64,
// uint64, float64, bool or string.
func Param(field string, v any) libvirt.TypedParam {
	var d uint32
	switch x := v.(type) {
	case int32:
		d = ParamInt
	case uint32:
		d = ParamUInt
	case int64:
		d = ParamLLong
	case uint64:
		d = ParamULLong
	case float64:
		d = ParamDouble
	case bool:
		d = ParamBoolean
		v = int32(0)
		if x {
			v = int32(1)
		}
	case string:
		d = ParamString
	default:
		panic(fmt.Sprintf("rpc.Param: unsupported type %T", v))
	}
	return libvirt.TypedParam{Field: field, Value: libvirt.TypedParamValue{D: d, I: v}}
}

// XDRReader decodes XDR by hand, for the few argument structs the reflective decoder
// cannot handle: those holding typed parameters, a union go-libvirt models as an
// interface. Every read checks the remaining length first.
type XDRReader struct {
	b   []byte
	err error
}

// NewXDRReader reads from payload.
func NewXDRReader(payload []byte) *XDRReader { return &XDRReader{b: payload} }

var errShort = errors.New("xdr: payload too short")

// Err is the first decoding error, if any.
func (r *XDRReader) Err() error { return r.err }

func (r *XDRReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = errShort
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

// Uint32 reads an unsigned int.
func (r *XDRReader) Uint32() uint32 {
	p := r.take(4)
	if p == nil {
		return 0
	}
	return binary.BigEndian.Uint32(p)
}

// Int32 reads an int.
func (r *XDRReader) Int32() int32 { return int32(r.Uint32()) }

// Uint64 reads an unsigned hyper.
func (r *XDRReader) Uint64() uint64 {
	p := r.take(8)
	if p == nil {
		return 0
	}
	return binary.BigEndian.Uint64(p)
}

// String reads a string of at most max bytes.
func (r *XDRReader) String(max int) string {
	n := r.Uint32()
	if r.err == nil && n > uint32(max) {
		r.err = fmt.Errorf("xdr: string of %d bytes exceeds %d", n, max)
	}
	p := r.take(int((n + 3) &^ 3))
	if p == nil {
		return ""
	}
	return string(p[:n])
}

// OptString reads an optional string: nil when absent. Like libvirt's xdr_bool, any
// non-zero marker means present: go-libvirt's CONNECT_OPEN sends 0x01000000.
func (r *XDRReader) OptString(max int) []string {
	if r.Uint32() == 0 || r.err != nil {
		return nil
	}
	return []string{r.String(max)}
}

// TypedParams reads an array of at most max typed parameters.
func (r *XDRReader) TypedParams(max int) []libvirt.TypedParam {
	n := r.Uint32()
	if r.err != nil {
		return nil
	}
	if n > uint32(max) {
		r.err = fmt.Errorf("xdr: %d typed parameters exceed %d", n, max)
		return nil
	}
	ps := make([]libvirt.TypedParam, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		field := r.String(80) // VIR_TYPED_PARAM_FIELD_LENGTH
		d := r.Uint32()
		var v any
		switch d {
		case ParamInt:
			v = r.Int32()
		case ParamUInt:
			v = r.Uint32()
		case ParamLLong:
			v = int64(r.Uint64())
		case ParamULLong:
			v = r.Uint64()
		case ParamDouble:
			v = math.Float64frombits(r.Uint64())
		case ParamBoolean:
			v = r.Int32() != 0
		case ParamString:
			v = r.String(4 << 20)
		default:
			if r.err == nil {
				r.err = fmt.Errorf("xdr: unknown typed parameter type %d", d)
			}
		}
		ps = append(ps, libvirt.TypedParam{Field: field, Value: libvirt.TypedParamValue{D: d, I: v}})
	}
	return ps
}

// paramTypeNames are virTypedParameterType's names, as libvirt's messages give them.
var paramTypeNames = [...]string{ParamInt: "int", ParamUInt: "uint", ParamLLong: "llong", ParamULLong: "ullong",
	ParamDouble: "double", ParamBoolean: "boolean", ParamString: "string"}

// ValidateParams checks a request's typed parameters as virTypedParamsValidate does:
// each field one of keys, of the type keys gives it, and given once.
func ValidateParams(ps []libvirt.TypedParam, keys map[string]uint32) error {
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		want, ok := keys[p.Field]
		if !ok {
			return virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromNone, "parameter '%s' not supported", p.Field)
		}
		if p.Value.D != want {
			got := "unknown"
			if int(p.Value.D) < len(paramTypeNames) && paramTypeNames[p.Value.D] != "" {
				got = paramTypeNames[p.Value.D]
			}
			return virerror.New(libvirt.ErrInvalidArg, virerror.FromNone, "invalid type '%s' for parameter '%s', expected '%s'",
				got, p.Field, paramTypeNames[want])
		}
		if seen[p.Field] {
			return virerror.New(libvirt.ErrInvalidArg, virerror.FromNone, "parameter '%s' occurs multiple times", p.Field)
		}
		seen[p.Field] = true
	}
	return nil
}
