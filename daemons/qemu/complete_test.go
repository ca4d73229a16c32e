package qemu

import (
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// TestToKiB checks the units libvirt's virScaleInteger accepts, its rounding up to
// whole KiB, and its errors.
func TestToKiB(t *testing.T) {
	for _, c := range []struct {
		v    uint
		unit string
		want uint
	}{
		{1, "", 1}, {1, "k", 1}, {2, "KiB", 2}, {1000, "KB", 977}, {1, "b", 1}, {2048, "bytes", 2},
		{1, "M", 1024}, {1, "m", 1024}, {1, "MiB", 1024}, {1, "MB", 977}, {1, "g", 1 << 20},
		{1, "GiB", 1 << 20}, {1, "GB", 976563}, {1, "t", 1 << 30}, {1, "TiB", 1 << 30}, {1, "TB", 976562500},
	} {
		got, err := toKiB(c.v, c.unit)
		if err != nil || got != c.want {
			t.Errorf("toKiB(%d, %q) = %d, %v; want %d", c.v, c.unit, got, err, c.want)
		}
	}
	for _, c := range []struct {
		v    uint
		unit string
		code libvirt.ErrorNumber
	}{{1, "mib", libvirt.ErrInvalidArg}, {1, "PiB", libvirt.ErrInvalidArg}, {1 << 60, "TiB", libvirt.ErrOverflow}} {
		if _, err := toKiB(c.v, c.unit); virerror.CodeOf(err) != c.code {
			t.Errorf("toKiB(%d, %q): %v, want error code %d", c.v, c.unit, err, c.code)
		}
	}
}

// TestCheckActions: the first invalid on_* element is named, as libvirt's schema check
// names it.
func TestCheckActions(t *testing.T) {
	def := &libvirtxml.Domain{OnPoweroff: "destroy", OnReboot: "restart", OnCrash: "coredump-destroy"}
	if err := checkActions(def); err != nil {
		t.Fatal(err)
	}
	def.OnReboot, def.OnCrash = "explode", "melt"
	err := checkActions(def)
	if virerror.CodeOf(err) != libvirt.ErrXMLError || err.Error() != "XML error: Invalid value 'explode' for element or attribute './on_reboot[1]'" {
		t.Errorf("checkActions: %v", err)
	}
	def.OnReboot = "preserve"
	if err := checkActions(def); err == nil || err.Error() != "XML error: Invalid value 'melt' for element or attribute './on_crash[1]'" {
		t.Errorf("checkActions: %v", err)
	}
}
