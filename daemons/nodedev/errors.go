package nodedev

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The errors of the node-device driver, worded as libvirt's node_device_driver.c.

func errNoDevice(name string) error {
	return virerror.New(libvirt.ErrNoNodeDevice, virerror.FromNodeDev, "no node device with matching name '%s'", name)
}

func errNoWWN(wwnn, wwpn string) error {
	return virerror.New(libvirt.ErrNoNodeDevice, virerror.FromNodeDev, "no node device with matching wwnn '%s' and wwpn '%s'", wwnn, wwpn)
}

func errNoParent() error {
	return virerror.New(libvirt.ErrInternalError, virerror.FromNodeDev, "no parent for this device")
}

// errAutostart is the answer to setting autostart: only mediated devices defined with
// mdevctl have it, and this driver manages none.
func errAutostart(dev *device) error {
	if !dev.persistent() {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromNodeDev, "cannot set autostart for transient device")
	}
	return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNodeDev, "Unsupported device type")
}

// checkFlags is libvirt's virCheckFlags: flags outside allowed are refused.
func checkFlags(flags, allowed uint32, fn string) error {
	return virerror.CheckFlags(flags, allowed, virerror.FromNodeDev, fn)
}
