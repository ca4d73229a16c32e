package dbusapi

import (
	"testing"
)

// TestPathEncodings: the encodings libvirt-dbus 1.4.1 produces (seen on its bus).
func TestPathEncodings(t *testing.T) {
	for in, want := range map[string]string{
		"02:db:c0:00:00:01":        "02_3adb_3ac0_3a00_3a00_3a01",
		"scsi_host2":               "scsi_5fhost2",
		"net_lo_00_00_00_00_00_00": "net_5flo_5f00_5f00_5f00_5f00_5f00_5f00",
		"pci_0000_00_05_0":         "pci_5f0000_5f00_5f05_5f0",
		"computer":                 "computer",
		"\xff":                     "_ff",
		"":                         "",
	} {
		if got := nameElement(in); got != want {
			t.Errorf("nameElement(%q) = %q, want %q", in, got, want)
		}
		if back := nameFromElement(want); back != in {
			t.Errorf("nameFromElement(%q) = %q, want %q", want, back, in)
		}
	}
	u, ok := parseUUID("6695eb01-f6a4-8304-79aa-97f2502e193f")
	if !ok || uuidElement(u) != "_6695eb01_f6a4_8304_79aa_97f2502e193f" || uuidFromElement(uuidElement(u)) != formatUUID(u) {
		t.Errorf("UUID element of %v: %s", u, uuidElement(u))
	}
	for s, valid := range map[string]bool{
		"6695eb01f6a4830479aa97f2502e193f":       true,
		" 6695eb01-f6a4-8304-79aa-97f2502e193f ": true,
		"66-95-eb01 f6a4830479aa97f2502e193f":    true,
		"6695eb01-f6a4-8304-79aa-97f2502e193":    false,
		"6695eb01-f6a4-8304-79aa-97f2502e193f0":  false,
		"6-695eb01f6a4830479aa97f2502e193f":      false,
		"xyz":                                    false,
		"":                                       false,
	} {
		if _, ok := parseUUID(s); ok != valid {
			t.Errorf("parseUUID(%q) valid = %v, want %v", s, ok, valid)
		}
	}
}

// FuzzPathElements: any name survives the path encoding, and a path element of any
// content decodes without panicking.
func FuzzPathElements(f *testing.F) {
	f.Add("02:db:c0:00:00:01")
	f.Add("_6695eb01_f6a4_8304_79aa_97f2502e193f")
	f.Add("_z_")
	f.Fuzz(func(t *testing.T, s string) {
		if back := nameFromElement(nameElement(s)); back != s {
			t.Fatalf("round trip of %q gave %q", s, back)
		}
		nameFromElement(s)
		if u, ok := parseUUID(uuidFromElement(s)); ok {
			if v, ok := parseUUID(formatUUID(u)); !ok || v != u {
				t.Fatalf("UUID %v does not survive formatting", u)
			}
		}
	})
}
