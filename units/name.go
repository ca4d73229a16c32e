package units

import (
	"strconv"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"
)

// maxNameLen is systemd's UNIT_NAME_MAX minus the terminating NUL.
const maxNameLen = 255

// Escape escapes s for use inside a unit name as systemd-escape does: '-' becomes \x2d,
// '/' becomes '-', and bytes outside [A-Za-z0-9:_.] (and a leading '.') become \xNN.
// It is meant for printable names (guest and network names); control characters are
// rejected by Validate anyway.
func Escape(s string) string { return unit.UnitNameEscape(s) }

// Unescape reverses Escape.
func Unescape(s string) string { return unit.UnitNameUnescape(s) }

// MachineScope is the scope systemd-machined (and libvirt) use for a machine name:
// MachineScope("qemu-1-vm1") is `machine-qemu\x2d1\x2dvm1.scope`.
func MachineScope(machine string) string {
	return "machine-" + Escape(machine) + ".scope"
}

// NetworkService is the unit that holds a virtual network up while it is active
// (bridge and firewall): NetworkService("default") is virtnetwork-default.service. The
// network driver names it so, and front ends find the unit of an active network by it.
func NetworkService(network string) string {
	return "virtnetwork-" + Escape(network) + ".service"
}

// unitTypes are the suffixes systemd knows, for dependencies and slices.
var unitTypes = []string{".service", ".socket", ".target", ".device", ".mount", ".automount",
	".swap", ".timer", ".path", ".slice", ".scope"}

// checkName says why name is not a valid, non-template unit name, or returns "".
func checkName(name string) string {
	if name == "" {
		return "is empty"
	}
	if len(name) > maxNameLen {
		return "is longer than 255 bytes"
	}
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 {
		return "has no unit type suffix such as .service"
	}
	known := false
	for _, t := range unitTypes {
		known = known || name[dot:] == t
	}
	if !known {
		return "has an unknown unit type suffix " + strconv.Quote(name[dot:])
	}
	for i := 0; i < dot; i++ {
		c := name[i]
		switch {
		case c == '/':
			return "contains '/' (escape it with Escape)"
		case c < ' ' || c == 0x7f:
			return "contains a control character"
		case c == '@':
			return "contains '@' (templates cannot be transient units)"
		case !validNameByte(c):
			return "contains " + strconv.Quote(string(c)) + ", which unit names may not (escape it with Escape)"
		}
	}
	return ""
}

func validNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte(":-_.\\", c) >= 0
}
