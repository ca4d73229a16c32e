package nodedev

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDeviceName(t *testing.T) {
	for _, tc := range []struct{ sub, sys, extra, want string }{
		{"pci", "0000:00:1f.2", "", "pci_0000_00_1f_2"},
		{"net", "eth0", "52:54:00:12:34:56", "net_eth0_52_54_00_12_34_56"},
		{"block", "sda", "WDC_WD10-1", "block_sda_WDC_WD10_1"},
		{"net", "wlän", "", "net_wl__n"}, // per byte, as libvirt's C loop
	} {
		if got := deviceName(tc.sub, tc.sys, tc.extra); got != tc.want {
			t.Errorf("deviceName(%q, %q, %q) = %q, want %q", tc.sub, tc.sys, tc.extra, got, tc.want)
		}
	}
}

func TestParsePCIAddr(t *testing.T) {
	a, ok := parsePCIAddr("0000:3b:00.1")
	if !ok || a != (pciAddr{0, 0x3b, 0, 1}) || a.String() != "0000:3b:00.1" {
		t.Fatalf("got %v %v", a, ok)
	}
	for _, bad := range []string{"", "0000:00:00", "0000:00:20.0", "0000:00:00.8", "x:00:00.0", "0000:100:00.0"} {
		if _, ok := parsePCIAddr(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseConfigSpace(t *testing.T) {
	hdr, ex := parseConfigSpace(pcieConfig(0, 0, 4, 16, 3, 8))
	if hdr != headerEndpoint || ex == nil || len(ex.Links) != 2 || ex.Links[0].Speed != 16 || *ex.Links[0].Width != 16 || ex.Links[1].Speed != 8 || *ex.Links[1].Width != 8 || *ex.Links[0].Port != 5 || ex.Links[1].Port != nil {
		t.Fatalf("endpoint: %d %+v", hdr, ex)
	}
	// A root complex integrated endpoint has no link: an empty pci-express element.
	if _, ex := parseConfigSpace(pcieConfig(0, expTypeRootIntEP, 4, 16, 3, 8)); ex == nil || len(ex.Links) != 0 {
		t.Fatalf("integrated endpoint: %+v", ex)
	}
	// Only the 64 bytes an unprivileged reader sees: no capabilities.
	if _, ex := parseConfigSpace(pcieConfig(0, 0, 4, 16, 3, 8)[:64]); ex != nil {
		t.Fatalf("truncated: %+v", ex)
	}
	// A capability list pointing at itself ends.
	c := pcieConfig(0, 0, 1, 1, 1, 1)
	c[0x41] = 0x40
	c[0x40] = 0x01
	if _, ex := parseConfigSpace(c); ex != nil {
		t.Fatalf("loop: %+v", ex)
	}
}

func TestPCIIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pci.ids")
	db := "# comment\n8086  Intel Corporation\n\t15bb  Ethernet Connection (7) I219-LM\n\t\t8086 0000  subsystem\n" +
		"1af4  Red Hat, Inc.\n\t1042  Virtio 1.0 block device\n\t1043  Virtio 1.0 console\n" +
		"C 00  Unclassified device\n\t00  Non-VGA unclassified device\nffff  Last vendor"
	if err := os.WriteFile(path, []byte(db), 0o644); err != nil {
		t.Fatal(err)
	}
	ids := findPCIIDs([]string{filepath.Join(t.TempDir(), "none"), path})
	if ids == nil {
		t.Fatal("pci.ids not found")
	}
	for _, c := range []struct {
		vendor, device uint16
		v, d           string
	}{
		{0x8086, 0x15bb, "Intel Corporation", "Ethernet Connection (7) I219-LM"},
		{0x1af4, 0x1042, "Red Hat, Inc.", "Virtio 1.0 block device"},
		{0x1af4, 0x1043, "Red Hat, Inc.", "Virtio 1.0 console"},
		{0x1af4, 0x0000, "Red Hat, Inc.", ""}, // the class section's "00" is no device of it
		{0x8086, 0x0000, "Intel Corporation", ""},
		{0xffff, 0x0001, "Last vendor", ""},
		{0x1234, 0x0001, "", ""},
		{0x1af4, 0x1042, "Red Hat, Inc.", "Virtio 1.0 block device"}, // again, from what was found
	} {
		if v, d := ids.names(c.vendor, c.device); v != c.v || d != c.d {
			t.Errorf("%04x:%04x: %q, %q; want %q, %q", c.vendor, c.device, v, d, c.v, c.d)
		}
	}
}
