package conf

import (
	"fmt"
	"math"
)

// Keys returns the keys set in the file, in order of appearance.
func (f *File) Keys() []string {
	ks := make([]string, 0, len(f.entries))
	for _, e := range f.entries {
		ks = append(ks, e.key)
	}
	return ks
}

// Line returns the line a key is set on, or 0.
func (f *File) Line(key string) int {
	if e := f.lookup(key); e != nil {
		return e.line
	}
	return 0
}

// lookup returns the first setting of key, as libvirt's virConfGetValue does.
func (f *File) lookup(key string) *entry {
	if f == nil {
		return nil
	}
	for i := range f.entries {
		if f.entries[i].key == key {
			return &f.entries[i]
		}
	}
	return nil
}

func (f *File) typeError(e *entry, format string, args ...any) error {
	return &Error{File: f.Name, Line: e.line, Key: e.key, Msg: fmt.Sprintf(format, args...)}
}

// String sets *dst to key's string value if the key is set.
func (f *File) String(key string, dst *string) error {
	e := f.lookup(key)
	if e == nil {
		return nil
	}
	if e.val.Kind != String {
		return f.typeError(e, "expected a string for '%s' parameter", key)
	}
	*dst = e.val.Str
	return nil
}

// Int sets *dst to key's integer value if the key is set.
func (f *File) Int(key string, dst *int) error {
	e := f.lookup(key)
	if e == nil {
		return nil
	}
	var n int64
	switch e.val.Kind {
	case Int:
		n = e.val.Num
	case UInt:
		if e.val.NumU > math.MaxInt32 {
			return f.typeError(e, "value for '%s' parameter must be in range %d:%d", key, math.MinInt32, math.MaxInt32)
		}
		n = int64(e.val.NumU)
	default:
		return f.typeError(e, "expected a signed integer for '%s' parameter", key)
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return f.typeError(e, "value for '%s' parameter must be in range %d:%d", key, math.MinInt32, math.MaxInt32)
	}
	*dst = int(n)
	return nil
}

// UInt sets *dst to key's unsigned integer value if the key is set.
func (f *File) UInt(key string, dst *uint) error {
	e := f.lookup(key)
	if e == nil {
		return nil
	}
	if e.val.Kind != UInt {
		return f.typeError(e, "expected an unsigned integer for '%s' parameter", key)
	}
	if e.val.NumU > math.MaxUint32 {
		return f.typeError(e, "value for '%s' parameter must be in range 0:%d", key, uint64(math.MaxUint32))
	}
	*dst = uint(e.val.NumU)
	return nil
}

// Bool sets *dst to key's value, which must be 0 or 1, if the key is set.
func (f *File) Bool(key string, dst *bool) error {
	e := f.lookup(key)
	if e == nil {
		return nil
	}
	if e.val.Kind != UInt {
		return f.typeError(e, "expected a bool for '%s' parameter", key)
	}
	if e.val.NumU > 1 {
		return f.typeError(e, "value for '%s' parameter must be 0 or 1", key)
	}
	*dst = e.val.NumU == 1
	return nil
}

// StringList sets *dst to key's list of strings if the key is set. With compatString a
// single string counts as a one-element list, as for libvirt keys that once took one.
func (f *File) StringList(key string, compatString bool, dst *[]string) error {
	e := f.lookup(key)
	if e == nil {
		return nil
	}
	switch e.val.Kind {
	case List:
		out := make([]string, 0, len(e.val.List))
		for _, v := range e.val.List {
			if v.Kind != String {
				return f.typeError(e, "expected a string list for '%s' parameter", key)
			}
			out = append(out, v.Str)
		}
		*dst = out
		return nil
	case String:
		if compatString {
			*dst = []string{e.val.Str}
			return nil
		}
	}
	if compatString {
		return f.typeError(e, "expected a string or string list for '%s' parameter", key)
	}
	return f.typeError(e, "expected a string list for '%s' parameter", key)
}
