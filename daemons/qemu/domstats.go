package qemu

import (
	"context"
	"fmt"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// The per-guest statistics calls: virsh dommemstat, domblkstat, domifstat,
// domblkinfo, vcpuinfo, vcpucount, cpu-stats, domjobinfo.

// runningView is the view of a guest that must run.
func (d *Driver) runningView(ref libvirt.Domain) (guestView, error) {
	dom, err := d.get(ref)
	if err != nil {
		return guestView{}, err
	}
	v := dom.view()
	if !v.active() {
		return v, errNotRunning()
	}
	return v, nil
}

func (d *Driver) DomainMemoryStats(ctx context.Context, a libvirt.DomainMemoryStatsArgs) (libvirt.DomainMemoryStatsRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainMemoryStats"); err != nil {
		return libvirt.DomainMemoryStatsRet{}, err
	}
	if a.MaxStats > 1024 { // REMOTE_DOMAIN_MEMORY_STATS_MAX
		return libvirt.DomainMemoryStatsRet{}, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX")
	}
	v, err := d.runningView(a.Dom)
	if err != nil {
		return libvirt.DomainMemoryStatsRet{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, statsTimeout)
	defer cancel()
	ps, _ := readProcStat(fmt.Sprintf("/proc/%d/stat", v.run.pid))
	stats := d.memoryStats(ctx, v, ps)
	if len(stats) > int(a.MaxStats) {
		stats = stats[:a.MaxStats]
	}
	return libvirt.DomainMemoryStatsRet{Stats: stats}, nil
}

// blockTotals are a disk's counters, or the sum of all disks' for the empty path.
func (d *Driver) blockTotals(ctx context.Context, ref libvirt.Domain, path string) (blockCounters, error) {
	v, err := d.runningView(ref)
	if err != nil {
		return blockCounters{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, statsTimeout)
	defer cancel()
	var aliases []string
	if path == "" {
		for i := range v.def.Devices.Disks {
			aliases = append(aliases, aliasOfDisk(v.def, &v.def.Devices.Disks[i]))
		}
	} else {
		_, disk := diskByName(v.def, path)
		if disk == nil {
			return blockCounters{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "invalid path: %s", path)
		}
		aliases = []string{aliasOfDisk(v.def, disk)}
	}
	all, err := queryBlockStats(ctx, v.run.mon)
	if err != nil {
		return blockCounters{}, monitorError(err)
	}
	var sum blockCounters
	for _, alias := range aliases {
		e, ok := all[alias]
		if !ok {
			if path != "" {
				return blockCounters{}, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "cannot find statistics for device '%s'", alias)
			}
			continue
		}
		s := e.Stats
		sum.RdBytes += s.RdBytes
		sum.WrBytes += s.WrBytes
		sum.RdOperations += s.RdOperations
		sum.WrOperations += s.WrOperations
		sum.FlushOperations += s.FlushOperations
		sum.RdTotalTimeNs += s.RdTotalTimeNs
		sum.WrTotalTimeNs += s.WrTotalTimeNs
		sum.FlushTotalTimeNs += s.FlushTotalTimeNs
	}
	return sum, nil
}

func (d *Driver) DomainBlockStats(ctx context.Context, a libvirt.DomainBlockStatsArgs) (libvirt.DomainBlockStatsRet, error) {
	s, err := d.blockTotals(ctx, a.Dom, a.Path)
	if err != nil {
		return libvirt.DomainBlockStatsRet{}, err
	}
	// QEMU counts no errors: libvirt reports -1 for "not known".
	return libvirt.DomainBlockStatsRet{RdReq: s.RdOperations, RdBytes: s.RdBytes, WrReq: s.WrOperations, WrBytes: s.WrBytes, Errs: -1}, nil
}

// DomainBlockStatsFlags answers with the fields libvirt's QEMU driver fills, in its
// order; with nparams 0, how many there are.
func (d *Driver) DomainBlockStatsFlags(ctx context.Context, a libvirt.DomainBlockStatsFlagsArgs) (libvirt.DomainBlockStatsFlagsRet, error) {
	if err := checkFlags(a.Flags, uint32(libvirt.TypedParamStringOkay), "qemuDomainBlockStatsFlags"); err != nil {
		return libvirt.DomainBlockStatsFlagsRet{}, err
	}
	s, err := d.blockTotals(ctx, a.Dom, a.Path)
	if err != nil {
		return libvirt.DomainBlockStatsFlagsRet{}, err
	}
	ps := []libvirt.TypedParam{
		rpc.Param("wr_bytes", s.WrBytes),
		rpc.Param("wr_operations", s.WrOperations),
		rpc.Param("rd_bytes", s.RdBytes),
		rpc.Param("rd_operations", s.RdOperations),
		rpc.Param("flush_operations", s.FlushOperations),
		rpc.Param("wr_total_times", s.WrTotalTimeNs),
		rpc.Param("rd_total_times", s.RdTotalTimeNs),
		rpc.Param("flush_total_times", s.FlushTotalTimeNs),
	}
	if a.Nparams <= 0 {
		return libvirt.DomainBlockStatsFlagsRet{Nparams: int32(len(ps))}, nil
	}
	if int(a.Nparams) < len(ps) {
		ps = ps[:a.Nparams]
	}
	return libvirt.DomainBlockStatsFlagsRet{Params: ps, Nparams: int32(len(ps))}, nil
}

func (d *Driver) DomainInterfaceStats(ctx context.Context, a libvirt.DomainInterfaceStatsArgs) (libvirt.DomainInterfaceStatsRet, error) {
	v, err := d.runningView(a.Dom)
	if err != nil {
		return libvirt.DomainInterfaceStatsRet{}, err
	}
	for _, nic := range v.def.Devices.Interfaces {
		dev := ""
		if nic.Target != nil {
			dev = nic.Target.Dev
		}
		if (dev == "" || dev != a.Device) && (nic.MAC == nil || !strings.EqualFold(nic.MAC.Address, a.Device)) {
			continue
		}
		if dev == "" {
			// A user-mode NIC has no host side to count (libvirt's words).
			return libvirt.DomainInterfaceStatsRet{}, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU,
				"Interface name not provided")
		}
		c, ok := tapCounters(dev)
		if !ok {
			return libvirt.DomainInterfaceStatsRet{}, virerror.New(libvirt.ErrInternalError, virerror.FromNone, "/sys/class/net/%s/statistics: Interface not found", dev)
		}
		return libvirt.DomainInterfaceStatsRet{
			RxBytes: int64(c.rxBytes), RxPackets: int64(c.rxPackets), RxErrs: int64(c.rxErrs), RxDrop: int64(c.rxDrop),
			TxBytes: int64(c.txBytes), TxPackets: int64(c.txPackets), TxErrs: int64(c.txErrs), TxDrop: int64(c.txDrop),
		}, nil
	}
	return libvirt.DomainInterfaceStatsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomain, "'%s' is not a known interface", a.Device)
}

func (d *Driver) DomainGetBlockInfo(ctx context.Context, a libvirt.DomainGetBlockInfoArgs) (libvirt.DomainGetBlockInfoRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainGetBlockInfo"); err != nil {
		return libvirt.DomainGetBlockInfoRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetBlockInfoRet{}, err
	}
	v := dom.view()
	_, disk := diskByName(v.def, a.Path)
	if disk == nil {
		return libvirt.DomainGetBlockInfoRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "invalid path %s not assigned to domain", a.Path)
	}
	path := diskSourcePath(disk)
	if path == "" {
		return libvirt.DomainGetBlockInfoRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "disk '%s' does not currently have a source assigned", a.Path)
	}
	sz, err := sizesOf(path, disk.Driver.Type)
	if err != nil {
		return libvirt.DomainGetBlockInfoRet{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot stat file '%s': %s", path, virerror.Strerror(err))
	}
	return libvirt.DomainGetBlockInfoRet{Allocation: sz.allocation, Capacity: sz.capacity, Physical: sz.physical}, nil
}

func (d *Driver) DomainGetVcpus(ctx context.Context, a libvirt.DomainGetVcpusArgs) (libvirt.DomainGetVcpusRet, error) {
	if a.Maxinfo < 0 || a.Maxinfo > 16384 { // REMOTE_VCPUINFO_MAX
		return libvirt.DomainGetVcpusRet{}, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "maxinfo > REMOTE_VCPUINFO_MAX")
	}
	if a.Maplen < 0 || int64(a.Maxinfo)*int64(a.Maplen) > 8388608 { // REMOTE_CPUMAPS_MAX
		return libvirt.DomainGetVcpusRet{}, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "maxinfo * maplen > REMOTE_CPUMAPS_MAX")
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetVcpusRet{}, err
	}
	v := dom.view()
	if !v.active() {
		return libvirt.DomainGetVcpusRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot list vcpus for an inactive domain")
	}
	ctx, cancel := context.WithTimeout(ctx, statsTimeout)
	defer cancel()
	ret := libvirt.DomainGetVcpusRet{Info: []libvirt.VcpuInfo{}, Cpumaps: []byte{}}
	for _, t := range d.vcpuThreads(ctx, v.run) {
		if len(ret.Info) >= int(a.Maxinfo) {
			break
		}
		st, _ := threadStat(v.run.pid, t.tid)
		ret.Info = append(ret.Info, libvirt.VcpuInfo{Number: uint32(t.index), State: int32(libvirt.VCPURunning), CPUTime: st.user + st.system, CPU: int32(st.cpu)})
		cpumap := make([]byte, a.Maplen)
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(t.tid, &set); err == nil {
			for c := 0; c < int(a.Maplen)*8; c++ {
				if set.IsSet(c) {
					cpumap[c/8] |= 1 << (c % 8)
				}
			}
		}
		ret.Cpumaps = append(ret.Cpumaps, cpumap...)
	}
	return ret, nil
}

// vcpuFlags are the VIR_DOMAIN_VCPU_* flags of the get and set calls.
const (
	vcpuMaximum      = uint32(libvirt.DomainVCPUMaximum)
	vcpuGuest        = uint32(libvirt.DomainVCPUGuest)
	vcpuHotpluggable = uint32(libvirt.DomainVCPUHotpluggable)
)

func (d *Driver) DomainGetVcpusFlags(ctx context.Context, a libvirt.DomainGetVcpusFlagsArgs) (libvirt.DomainGetVcpusFlagsRet, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig|vcpuMaximum|vcpuGuest, "qemuDomainGetVcpusFlags"); err != nil {
		return libvirt.DomainGetVcpusFlagsRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetVcpusFlagsRet{}, err
	}
	live, _, err := dom.impact(a.Flags)
	if err != nil {
		return libvirt.DomainGetVcpusFlagsRet{}, err
	}
	if a.Flags&vcpuGuest != 0 {
		if !live {
			return libvirt.DomainGetVcpusFlagsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "vCPU count provided by the guest agent can only be requested for live domains")
		}
		return d.guestVCPUCount(ctx, dom, a.Flags&vcpuMaximum != 0)
	}
	dom.mu.Lock()
	def := dom.def
	if live {
		def = dom.live
	}
	cur, maxv := vcpuCounts(def)
	dom.mu.Unlock()
	if a.Flags&vcpuMaximum != 0 {
		return libvirt.DomainGetVcpusFlagsRet{Num: int32(maxv)}, nil
	}
	return libvirt.DomainGetVcpusFlagsRet{Num: int32(cur)}, nil
}

// DomainGetCPUStats is virsh cpu-stats: the guest's total CPU time. libvirt takes
// per-host-CPU figures from the guest's cpuacct cgroup, which guests here do not have.
func (d *Driver) DomainGetCPUStats(ctx context.Context, a libvirt.DomainGetCPUStatsArgs) (libvirt.DomainGetCPUStatsRet, error) {
	if err := checkFlags(uint32(a.Flags), uint32(libvirt.TypedParamStringOkay), "qemuDomainGetCPUStats"); err != nil {
		return libvirt.DomainGetCPUStatsRet{}, err
	}
	v, err := d.runningView(a.Dom)
	if err != nil {
		return libvirt.DomainGetCPUStatsRet{}, err
	}
	if a.StartCPU != -1 {
		return libvirt.DomainGetCPUStatsRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cgroup CPUACCT controller is not mounted")
	}
	if a.Ncpus != 1 {
		return libvirt.DomainGetCPUStatsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "ncpus must be 1 when start_cpu is -1")
	}
	ps, _ := readProcStat(fmt.Sprintf("/proc/%d/stat", v.run.pid))
	params := []libvirt.TypedParam{
		rpc.Param("cpu_time", ps.user+ps.system),
		rpc.Param("user_time", ps.user),
		rpc.Param("system_time", ps.system),
	}
	if a.Nparams == 0 {
		return libvirt.DomainGetCPUStatsRet{Nparams: int32(len(params))}, nil
	}
	if int(a.Nparams) < len(params) {
		params = params[:a.Nparams]
	}
	return libvirt.DomainGetCPUStatsRet{Params: params, Nparams: int32(len(params))}, nil
}
