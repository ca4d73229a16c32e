package network

import (
	"fmt"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// Every string of a definition that reaches a file another program parses (dnsmasq's
// config and hosts files, the config XML's banner, unit names) is checked here before it
// is accepted, so that no value can end a line and start a directive of its own.

// checkNetworkName is libvirt's rule for names ('/' would escape the config directory,
// a newline would break out of the dnsmasq config's banner comment), extended to every
// control character.
func checkNetworkName(name string) error {
	if name == "" {
		return virerror.New(libvirt.ErrNoName, virerror.FromNetwork, "network")
	}
	for _, c := range name {
		// '#' and '\\' are dnsmasq config syntax (comment, escape), and the name is part
		// of the file paths in the network's dnsmasq config.
		if c == '/' || c == '#' || c == '\\' || c < 0x20 || c == 0x7f {
			return virerror.New(libvirt.ErrXMLDetail, virerror.FromNetwork, "invalid char in name: %s", printable(c))
		}
	}
	return nil
}

// printable shows a rejected character: itself when visible, quoted when it is a
// control character (libvirt prints a raw newline, which leaves the message unreadable).
func printable(c rune) string {
	if c < 0x20 || c == 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return string(c)
}

// validHostname accepts a DNS host or domain name: labels of letters, digits, '-' and
// '_' separated by dots. dnsmasq's hosts files are whitespace and comma separated, so
// anything else could smuggle in another field.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// confSafe reports whether s can stand as one value on a config line: no line break,
// no other control character.
func confSafe(s string) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}
