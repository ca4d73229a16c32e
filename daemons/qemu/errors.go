package qemu

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// checkFlags is virCheckFlags for the QEMU driver: flags outside allowed are refused,
// naming the driver function fn as libvirt's message does.
func checkFlags(flags, allowed uint32, fn string) error {
	return virerror.CheckFlags(flags, allowed, virerror.FromQEMU, fn)
}

// errNotRunning is the answer to an operation that needs a running guest.
func errNotRunning() error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromDomain, "domain is not running")
}

// errAlreadyRunning is the answer to starting or resuming a running guest.
func errAlreadyRunning() error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain is already running")
}
