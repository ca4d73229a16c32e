package qemu

import (
	"strconv"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

// FuzzBlkioDevices: any string a client sends as a per-device blkiotune parameter is
// parsed or refused, never a panic; what is merged in is what the string said, each
// path once, no device without a value, and the string the query writes back parses
// to the same devices.
func FuzzBlkioDevices(f *testing.F) {
	for _, s := range []string{"", "/dev/vda,500", "/dev/vda,0", "/dev/vda,1,/dev/vdb,2,/dev/vda,3", "/dev/vda", ",1", "/dev/vda,x",
		"/dev/vda,18446744073709551615", "/dev/vda,-1"} {
		f.Add("device_weight", s)
		f.Add("device_read_bytes_sec", s)
	}
	f.Fuzz(func(t *testing.T, param, s string) {
		var field *blkioField
		for i := range blkioFields {
			if blkioFields[i].param == param {
				field = &blkioFields[i]
			}
		}
		if field == nil {
			return
		}
		vs, err := parseBlkioDevices(param, s)
		if err != nil {
			return
		}
		want := map[string]uint{}
		for _, v := range vs {
			want[v.path] = v.value
		}
		var b libvirtxml.DomainBlockIOTune
		mergeBlkioDevices(&b, *field, vs)
		var list []string
		seen := map[string]bool{}
		for i := range b.Device {
			dev := &b.Device[i]
			v := *field.get(dev)
			if seen[dev.Path] || v == 0 || want[dev.Path] != v {
				t.Fatalf("%q merged to %+v", s, b.Device)
			}
			seen[dev.Path] = true
			list = append(list, dev.Path, strconv.FormatUint(uint64(v), 10))
		}
		for p, v := range want {
			if v != 0 && !seen[p] {
				t.Fatalf("%q lost %s", s, p)
			}
		}
		if checkBlkio(&b) != nil {
			return
		}
		again, err := parseBlkioDevices(param, strings.Join(list, ","))
		if err != nil || len(again) != len(b.Device) {
			t.Fatalf("%q written back as %q: %v %v", s, strings.Join(list, ","), again, err)
		}
	})
}
