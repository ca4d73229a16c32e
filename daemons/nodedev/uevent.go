package nodedev

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	udev "github.com/pilebones/go-udev/netlink"
)

// uevent is one device event, from the kernel or from udevd, reduced to what the
// registry acts on.
type uevent struct {
	Action    string // add, remove, change, move, bind, unbind, online, offline
	DevPath   string // "/devices/...", as in DEVPATH
	Subsystem string
	Env       map[string]string
}

// Path is the device's sysfs path.
func (e uevent) Path() string { return "/sys" + e.DevPath }

// maxUEvent bounds a message: the kernel's own limit is 2 KiB of environment
// (UEVENT_BUFFER_SIZE); udevd's messages are larger but well under this.
const maxUEvent = 64 << 10

// parseUEvent decodes a uevent message with go-udev's parser, and copes with what that
// parser rejects: go-udev (v0.9.2) splits the kernel's "action@devpath" header on every
// '@', so a devpath with an '@' in it (device-tree nodes such as
// /devices/platform/soc@0/...) fails; it drops a whole message for one field without a
// '=' and for an action it does not know. The kernel repeats the action and devpath in
// the ACTION and DEVPATH fields, so such messages are read again from their fields
// alone. Values containing '=' (as in MODALIAS or udev's ID_ properties) are kept whole,
// since both parsers split a field at its first '='. What is returned always has an
// action and an absolute devpath without "..", so it names a path under /sys.
func parseUEvent(msg []byte) (uevent, error) {
	if len(msg) > maxUEvent {
		return uevent{}, fmt.Errorf("uevent of %d bytes is larger than %d", len(msg), maxUEvent)
	}
	var e uevent
	if u, err := udev.ParseUEvent(msg); err == nil {
		e = uevent{Action: string(u.Action), DevPath: u.Env["DEVPATH"], Env: u.Env}
		if e.DevPath == "" {
			e.DevPath = u.KObj
		}
	} else if bytes.HasPrefix(msg, []byte("libudev\x00")) {
		return uevent{}, fmt.Errorf("parse udev event: %w", err)
	} else {
		e = parseKernelFields(msg)
	}
	e.Subsystem = e.Env["SUBSYSTEM"]
	if e.Action == "" {
		return uevent{}, errors.New("parse uevent: no action")
	}
	if !validDevPath(e.DevPath) {
		return uevent{}, fmt.Errorf("parse uevent: invalid devpath %q", e.DevPath)
	}
	return e, nil
}

// parseKernelFields reads a kernel message ("action@devpath\0KEY=VALUE\0...") from its
// fields, taking the action and devpath from ACTION and DEVPATH, or from the header
// split at its first '@' when those are missing.
func parseKernelFields(msg []byte) uevent {
	fields := strings.Split(strings.TrimRight(string(msg), "\x00"), "\x00")
	env := map[string]string{}
	for _, f := range fields[1:] {
		if k, v, ok := strings.Cut(f, "="); ok && k != "" {
			env[k] = v
		}
	}
	action, devpath, _ := strings.Cut(fields[0], "@")
	if a := env["ACTION"]; a != "" {
		action = a
	}
	if p := env["DEVPATH"]; p != "" {
		devpath = p
	}
	return uevent{Action: strings.ToLower(action), DevPath: devpath, Env: env}
}

func validDevPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.ContainsRune(p, 0) {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." || c == "." {
			return false
		}
	}
	return true
}
