package dbusapi

// args are a call's arguments, already checked against the method's signature: the
// accessors cannot fail.
type args []any

func (a args) str(i int) string { return a[i].(string) }
func (a args) u32(i int) uint32 { return a[i].(uint32) }
func (a args) i32(i int) int32  { return a[i].(int32) }
func (a args) u64(i int) uint64 { return a[i].(uint64) }

func (a args) u32s(i int) []uint32 { return a[i].([]uint32) }

// optString is libvirt-dbus's convention for an optional string argument: "" passes
// NULL.
func optString(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// fromOpt is the other direction: a NULL string is returned as "".
func fromOpt(o []string) string {
	if len(o) == 0 {
		return ""
	}
	return o[0]
}

// cString is a fixed C string the wire carries as signed bytes, up to its NUL.
func cString(b []int8) string {
	s := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

func boolOf(v int32) bool { return v != 0 }

func intOf(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
