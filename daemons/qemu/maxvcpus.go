package qemu

import (
	"context"
	"os"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// ConnectGetMaxVcpus: 16 for TCG, as libvirt says; for KVM what the kernel says.
func (d *Driver) ConnectGetMaxVcpus(ctx context.Context, a libvirt.ConnectGetMaxVcpusArgs) (libvirt.ConnectGetMaxVcpusRet, error) {
	typ := ""
	if len(a.Type) > 0 {
		typ = a.Type[0]
	}
	switch strings.ToLower(typ) {
	case "", "qemu":
		return libvirt.ConnectGetMaxVcpusRet{MaxVcpus: 16}, nil
	case "kvm":
		n, err := kvmMaxVCPUs("/dev/kvm")
		if err != nil {
			return libvirt.ConnectGetMaxVcpusRet{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "Unable to open /dev/kvm: %s", virerror.Strerror(err))
		}
		return libvirt.ConnectGetMaxVcpusRet{MaxVcpus: int32(n)}, nil
	}
	return libvirt.ConnectGetMaxVcpusRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "unknown type '%s'", typ)
}

// kvmMaxVCPUs asks KVM how many vCPUs a guest may have: KVM_CAP_MAX_VCPUS, else
// KVM_CAP_NR_VCPUS, else the 4 the KVM API promises.
func kvmMaxVCPUs(dev string) (int, error) {
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	const kvmCheckExtension = 0xae03              // _IO(KVMIO, 0x03)
	for _, capability := range []uintptr{66, 9} { // KVM_CAP_MAX_VCPUS, KVM_CAP_NR_VCPUS
		n, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), kvmCheckExtension, capability)
		if errno == 0 && int(n) > 0 {
			return int(n), nil
		}
	}
	return 4, nil
}
