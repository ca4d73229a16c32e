package units

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEscapeMatchesSystemd compares Escape with systemd's own systemd-escape.
func TestEscapeMatchesSystemd(t *testing.T) {
	tool, err := exec.LookPath("systemd-escape")
	if err != nil {
		t.Fatalf("systemd-escape (package systemd) is needed to check Escape: %v", err)
	}
	for _, in := range []string{"qemu-1-vm1", "default", "a b", ".hidden", "x/y", "ünï", "a\\b", "1:2_3.4"} {
		out, err := exec.Command(tool, "--", in).Output()
		if err != nil {
			t.Fatalf("systemd-escape %q: %v", in, err)
		}
		want := strings.TrimSuffix(string(out), "\n")
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, systemd-escape says %q", in, got, want)
		}
		if strings.ContainsRune(in, 'ü') {
			continue // go-systemd's Unescape mishandles bytes >= 0x80
		}
		if got := Unescape(want); got != in && !strings.Contains(in, "/") {
			t.Errorf("Unescape(%q) = %q, want %q", want, got, in)
		}
	}
	if got, want := MachineScope("qemu-1-vm1"), `machine-qemu\x2d1\x2dvm1.scope`; got != want {
		t.Errorf("MachineScope = %q, want %q", got, want)
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{`machine-qemu\x2d1\x2dvm1.scope`, `machine-qemu\x2d1\x2dvm1.scope`, true},
		{`machine-qemu\x2d1\x2dvm1.scope`, `machine-qemux2d1x2dvm1.scope`, false},
		{"virtnetwork-*", "virtnetwork-default.service", true},
		{"virtnetwork-*.service", "virtnetwork-default-dnsmasq.service", true},
		{"virtnetwork-*-dnsmasq.service", "virtnetwork-default.service", false},
		{"*", "", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*a*b*", "xxaxxbxx", true},
		{"*a*b", "xxaxxbxx", false},
		{"", "x", false},
	}
	for _, c := range cases {
		if got := Match(c.pattern, c.name); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}
