package iface

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The errors of the interface driver, worded as libvirt's interface_backend_udev.c.

func errNoInterface(name string) error {
	return virerror.New(libvirt.ErrNoInterface, virerror.FromInterface, "couldn't find interface named '%s'", name)
}

func errNoMAC(mac string) error {
	return virerror.New(libvirt.ErrNoInterface, virerror.FromInterface, "couldn't find interface with MAC address '%s'", mac)
}

func errManyMAC(mac string) error {
	return virerror.New(libvirt.ErrMultipleInterfaces, virerror.FromInterface, "the MAC address '%s' matches multiple interfaces", mac)
}

// errState is a start of an active or a stop of an inactive interface.
func errState(name, state string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromInterface, "interface '%s' is %s", name, state)
}

// checkFlags is libvirt's virCheckFlags: flags outside allowed are refused.
func checkFlags(flags, allowed uint32, fn string) error {
	return virerror.CheckFlags(flags, allowed, virerror.FromInterface, fn)
}
