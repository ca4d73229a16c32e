package qemu

import "testing"

// TestHMPQuote: a snapshot name is one argument of savevm/loadvm/delvm whatever it
// holds, as libvirt quotes it.
func TestHMPQuote(t *testing.T) {
	for name, want := range map[string]string{
		"s1":       `"s1"`,
		"s 1":      `"s 1"`,
		`a"b\c`:    `"a\"b\\c"`,
		"two\nlns": `"two\nlns"`,
	} {
		if got := hmpQuote(name); got != want {
			t.Errorf("hmpQuote(%q) = %s, want %s", name, got, want)
		}
	}
}
