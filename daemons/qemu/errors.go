package qemu

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// unsupportedFlags is virCheckFlags' error, naming the driver function as libvirt's
// message does ("unsupported flags (0x100000) in function qemuDomainUndefineFlags").
func unsupportedFlags(flags uint32, fn string) error {
	return virerror.CheckFlags(flags, 0, virerror.FromQEMU, fn)
}

// errNotRunning is the answer to an operation that needs a running guest.
func errNotRunning() error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromDomain, "domain is not running")
}

// errAlreadyRunning is the answer to starting or resuming a running guest.
func errAlreadyRunning() error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain is already running")
}
