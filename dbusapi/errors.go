package dbusapi

import (
	"errors"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The error names clients match.
const (
	errLibvirt       = "org.libvirt.Error"
	errUnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod"
	errInvalidArgs   = "org.freedesktop.DBus.Error.InvalidArgs"
)

// libvirtError is the bus's one place where a driver error becomes a D-Bus error:
// org.libvirt.Error with libvirt's message alone, as libvirt-dbus sends
// virErrorPtr->message (the code and domain do not cross).
func libvirtError(err error) *dbus.Error {
	var ve *virerror.Error
	if errors.As(err, &ve) {
		return dbus.NewError(errLibvirt, []any{ve.Error()})
	}
	var de *dbus.Error
	if errors.As(err, &de) {
		return de
	}
	return dbus.NewError(errLibvirt, []any{err.Error()})
}

// notSupported is what a call of a libvirt function the drivers lack answers, as
// libvirt's public API answers it over a driver without the entry point.
func notSupported(fn string) error {
	return virerror.New(libvirt.ErrNoSupport, virerror.FromNone, "%s", fn)
}

// The errors GDBus itself sends, with its wording (GLib 2.74), for calls that never
// reach a handler.

func noObject(path dbus.ObjectPath) *dbus.Error {
	return dbus.NewError(errUnknownMethod, []any{fmt.Sprintf("Object does not exist at path “%s”", path)})
}

func noInterface(iface string, path dbus.ObjectPath) *dbus.Error {
	return dbus.NewError(errUnknownMethod, []any{fmt.Sprintf("No such interface “%s” on object at path %s", iface, path)})
}

func noMethod(name string) *dbus.Error {
	return dbus.NewError(errUnknownMethod, []any{fmt.Sprintf("No such method “%s”", name)})
}

// noMethodSignature answers a call of a standard interface's method with the wrong
// arguments, and any call that names no interface.
func noMethodSignature(name, iface, sig string) *dbus.Error {
	if iface == "" {
		iface = "(null)"
	}
	return dbus.NewError(errUnknownMethod, []any{fmt.Sprintf("Method “%s” on interface “%s” with signature “%s” does not exist", name, iface, sig)})
}

func wrongSignature(got, want string) *dbus.Error {
	return dbus.NewError(errInvalidArgs, []any{fmt.Sprintf("Type of message, “(%s)”, does not match expected type “(%s)”", got, want)})
}

func noPropertyInterface(iface string) *dbus.Error {
	return dbus.NewError(errInvalidArgs, []any{fmt.Sprintf("No such interface “%s”", iface)})
}

func noProperty(name string) *dbus.Error {
	return dbus.NewError(errInvalidArgs, []any{fmt.Sprintf("No such property “%s”", name)})
}

func notWritable(name string) *dbus.Error {
	return dbus.NewError(errInvalidArgs, []any{fmt.Sprintf("Property “%s” is not writable", name)})
}

func wrongPropertyType(name, want, got string) *dbus.Error {
	return dbus.NewError(errInvalidArgs, []any{fmt.Sprintf("Error setting property “%s”: Expected type “%s” but got “%s”", name, want, got)})
}
