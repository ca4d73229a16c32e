package qemu

import (
	"context"
	"os"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The host calls libvirt answers through the hypervisor driver (qemuNodeGet*, which
// call src/util/virhost*): virsh nodecpustats, nodememstats, freecell, nodecpumap,
// maxvcpus.

func (d *Driver) NodeGetCPUStats(ctx context.Context, a libvirt.NodeGetCPUStatsArgs) (libvirt.NodeGetCPUStatsRet, error) {
	if err := checkFlags(a.Flags, 0, "virHostCPUGetStats"); err != nil {
		return libvirt.NodeGetCPUStatsRet{}, err
	}
	const n = 4
	if a.Nparams == 0 {
		return libvirt.NodeGetCPUStatsRet{Nparams: n}, nil
	}
	if a.Nparams != n {
		return libvirt.NodeGetCPUStatsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromNone,
			"nparams in virHostCPUGetStatsLinux must be equal to %d", n)
	}
	stats, ok := d.env.Host.CPUStats(int(a.CPUNum))
	if !ok {
		return libvirt.NodeGetCPUStatsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromNone, "Invalid cpuNum in virHostCPUGetStatsLinux")
	}
	ret := libvirt.NodeGetCPUStatsRet{Nparams: n}
	for _, s := range stats {
		ret.Params = append(ret.Params, libvirt.NodeGetCPUStats{Field: s.Field, Value: s.Value})
	}
	return ret, nil
}

func (d *Driver) NodeGetMemoryStats(ctx context.Context, a libvirt.NodeGetMemoryStatsArgs) (libvirt.NodeGetMemoryStatsRet, error) {
	if err := checkFlags(a.Flags, 0, "virHostMemGetStats"); err != nil {
		return libvirt.NodeGetMemoryStatsRet{}, err
	}
	const n = 4
	if a.Nparams == 0 {
		return libvirt.NodeGetMemoryStatsRet{Nparams: n}, nil
	}
	if a.Nparams != n {
		return libvirt.NodeGetMemoryStatsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromNone,
			"nparams in virHostMemGetStats must be %d", n)
	}
	stats, err := d.env.Host.MemoryStats(int(a.CellNum))
	if err != nil {
		return libvirt.NodeGetMemoryStatsRet{}, virerror.Wrap(err, libvirt.ErrInvalidArg, virerror.FromNone, "%v", err)
	}
	ret := libvirt.NodeGetMemoryStatsRet{Nparams: n}
	for _, s := range stats {
		ret.Params = append(ret.Params, libvirt.NodeGetMemoryStats{Field: s.Field, Value: s.Value})
	}
	return ret, nil
}

func (d *Driver) NodeGetFreeMemory(ctx context.Context, _ struct{}) (libvirt.NodeGetFreeMemoryRet, error) {
	free, err := d.env.Host.FreeMemory()
	if err != nil {
		return libvirt.NodeGetFreeMemoryRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	return libvirt.NodeGetFreeMemoryRet{FreeMem: free}, nil
}

func (d *Driver) NodeGetCellsFreeMemory(ctx context.Context, a libvirt.NodeGetCellsFreeMemoryArgs) (libvirt.NodeGetCellsFreeMemoryRet, error) {
	if a.Maxcells <= 0 || a.Maxcells > 1024 { // REMOTE_NODE_MAX_CELLS
		return libvirt.NodeGetCellsFreeMemoryRet{}, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "maxCells > REMOTE_NODE_MAX_CELLS")
	}
	cells, _, err := d.env.Host.CellsFreeMemory(int(a.StartCell), int(a.Maxcells))
	if err != nil {
		return libvirt.NodeGetCellsFreeMemoryRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	return libvirt.NodeGetCellsFreeMemoryRet{Cells: cells}, nil
}

func (d *Driver) NodeGetCPUMap(ctx context.Context, a libvirt.NodeGetCPUMapArgs) (libvirt.NodeGetCPUMapRet, error) {
	if err := checkFlags(a.Flags, 0, "virHostCPUGetMap"); err != nil {
		return libvirt.NodeGetCPUMapRet{}, err
	}
	cpumap, online, total, err := d.env.Host.CPUMap()
	if err != nil {
		return libvirt.NodeGetCPUMapRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	ret := libvirt.NodeGetCPUMapRet{Ret: int32(total)}
	if a.NeedMap != 0 {
		ret.Cpumap = cpumap
	}
	if a.NeedOnline != 0 {
		ret.Online = uint32(online)
	}
	return ret, nil
}

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
