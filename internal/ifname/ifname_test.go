package ifname

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, s := range []string{"eth0", "virbr0", "br-1.100", "veth_a@b", strings.Repeat("x", MaxLen), "ëth0"} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", ".", "..", strings.Repeat("x", MaxLen+1), "a/b", "../etc", "eth0:1",
		"a b", "a\tb", "a\nb", "a\rb", "a\x00b", "a\x7fb"} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true, want false", s)
		}
	}
}

func FuzzValid(f *testing.F) {
	f.Add("eth0")
	f.Add("../x")
	f.Fuzz(func(t *testing.T, s string) {
		if Valid(s) && (len(s) > MaxLen || strings.ContainsAny(s, "/: \t\n\r\x00")) {
			t.Fatalf("Valid(%q) accepted a name the kernel refuses", s)
		}
	})
}
