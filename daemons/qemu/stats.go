package qemu

import (
	"context"
	"fmt"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// The statistics groups (VIR_DOMAIN_STATS_*) this driver answers: those of libvirt
// 9.0 that QEMU and the host can tell. perf, iothread, memory bandwidth and dirty
// rate need settings the driver refuses at define, so they never apply.
const (
	statsState     = 1 << 0
	statsCPUTotal  = 1 << 1
	statsBalloon   = 1 << 2
	statsVCPU      = 1 << 3
	statsInterface = 1 << 4
	statsBlock     = 1 << 5
	statsSupported = statsState | statsCPUTotal | statsBalloon | statsVCPU | statsInterface | statsBlock
)

// The VIR_CONNECT_GET_ALL_DOMAINS_STATS_* flags: the domain filters share their bits
// with virConnectListAllDomains'.
const (
	statsFilters = 0xff
	statsNoWait  = 1 << 29
	statsBacking = 1 << 30
	statsEnforce = 1 << 31
)

// statsWorkers bounds the guests polled at once by one call.
const statsWorkers = 16

// guestView is what the statistics of a guest are computed from, taken under its
// lock at one moment. Definitions are never changed in place once published, so the
// pointers stay valid.
type guestView struct {
	ref        libvirt.Domain
	state      libvirt.DomainState
	reason     int32
	def        *libvirtxml.Domain // the live definition while running, else the persistent one
	persistent *libvirtxml.Domain
	run        *running
}

func (dom *domain) view() guestView {
	dom.mu.Lock()
	defer dom.mu.Unlock()
	return guestView{ref: dom.refLocked(), state: dom.state, reason: dom.reason, def: dom.currentLocked(), persistent: dom.def, run: dom.run}
}

func (v guestView) active() bool { return v.run != nil }

func (d *Driver) ConnectGetAllDomainStats(ctx context.Context, a libvirt.ConnectGetAllDomainStatsArgs) (libvirt.ConnectGetAllDomainStatsRet, error) {
	if err := checkFlags(a.Flags, statsFilters|statsNoWait|statsBacking|statsEnforce, "qemuConnectGetAllDomainStats"); err != nil {
		return libvirt.ConnectGetAllDomainStatsRet{}, err
	}
	groups := a.Stats
	switch {
	case groups == 0:
		groups = statsSupported
	case a.Flags&statsEnforce != 0 && groups&^statsSupported != 0:
		return libvirt.ConnectGetAllDomainStatsRet{}, virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromQEMU,
			"Stats types bits 0x%x are not supported by this daemon", groups&^statsSupported)
	}
	groups &= statsSupported
	var doms []*domain
	if len(a.Doms) > 0 {
		for _, ref := range a.Doms {
			if dom := d.doms.byUUIDOf(ref.UUID); dom != nil && d.loaded(dom) == nil {
				doms = append(doms, dom)
			}
		}
	} else {
		for _, dom := range d.doms.all() {
			if d.matches(dom, libvirt.ConnectListAllDomainsFlags(a.Flags&statsFilters)) && d.loaded(dom) == nil {
				doms = append(doms, dom)
			}
		}
	}
	recs := make([]libvirt.DomainStatsRecord, len(doms))
	sem := make(chan struct{}, statsWorkers)
	var wg sync.WaitGroup
	for i, dom := range doms {
		v := dom.view()
		if !v.active() || groups&(statsCPUTotal|statsBalloon|statsVCPU|statsInterface|statsBlock) == 0 {
			recs[i] = libvirt.DomainStatsRecord{Dom: v.ref, Params: d.guestStats(ctx, v, groups)}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			recs[i] = libvirt.DomainStatsRecord{Dom: v.ref, Params: d.guestStats(ctx, v, groups)}
			<-sem
		}()
	}
	wg.Wait()
	return libvirt.ConnectGetAllDomainStatsRet{RetStats: recs}, nil
}

// guestStats are the typed parameters of one guest's record, group by group in
// libvirt's order.
func (d *Driver) guestStats(ctx context.Context, v guestView, groups uint32) []libvirt.TypedParam {
	ps := make([]libvirt.TypedParam, 0, 32)
	add := func(field string, val any) { ps = append(ps, rpc.Param(field, val)) }
	ctx, cancel := context.WithTimeout(ctx, statsTimeout)
	defer cancel()
	if groups&statsState != 0 {
		add("state.state", int32(v.state))
		add("state.reason", v.reason)
	}
	var ps0 procStat
	if v.active() {
		ps0, _ = readProcStat(fmt.Sprintf("/proc/%d/stat", v.run.pid))
	}
	if groups&statsCPUTotal != 0 && v.active() {
		add("cpu.time", ps0.user+ps0.system)
		add("cpu.user", ps0.user)
		add("cpu.system", ps0.system)
	}
	if groups&statsBalloon != 0 {
		add("balloon.current", uint64(currentMemory(v.def)))
		add("balloon.maximum", uint64(v.def.Memory.Value))
		if v.active() {
			names := map[libvirt.DomainMemoryStatTags]string{
				libvirt.DomainMemoryStatSwapIn: "swap_in", libvirt.DomainMemoryStatSwapOut: "swap_out",
				libvirt.DomainMemoryStatMajorFault: "major_fault", libvirt.DomainMemoryStatMinorFault: "minor_fault",
				libvirt.DomainMemoryStatUnused: "unused", libvirt.DomainMemoryStatAvailable: "available",
				libvirt.DomainMemoryStatRss: "rss", libvirt.DomainMemoryStatUsable: "usable",
				libvirt.DomainMemoryStatLastUpdate: "last-update", libvirt.DomainMemoryStatDiskCaches: "disk_caches",
				libvirt.DomainMemoryStatHugetlbPgalloc: "hugetlb_pgalloc", libvirt.DomainMemoryStatHugetlbPgfail: "hugetlb_pgfail",
			}
			for _, s := range d.memoryStats(ctx, v, ps0) {
				if n, ok := names[libvirt.DomainMemoryStatTags(s.Tag)]; ok {
					add("balloon."+n, s.Val)
				}
			}
		}
	}
	if groups&statsVCPU != 0 {
		cur, maxv := vcpuCounts(v.def)
		add("vcpu.current", uint32(cur))
		add("vcpu.maximum", uint32(maxv))
		if v.active() {
			for _, t := range d.vcpuThreads(ctx, v.run) {
				st, _ := threadStat(v.run.pid, t.tid)
				pre := fmt.Sprintf("vcpu.%d.", t.index)
				add(pre+"state", int32(libvirt.VCPURunning))
				add(pre+"time", st.user+st.system)
				add(pre+"wait", schedWait(v.run.pid, t.tid))
				add(pre+"delay", schedDelay(v.run.pid, t.tid))
			}
		}
	}
	if groups&statsInterface != 0 && v.active() {
		nics := v.def.Devices.Interfaces
		add("net.count", uint32(len(nics)))
		for i, nic := range nics {
			if nic.Target == nil || nic.Target.Dev == "" {
				continue
			}
			pre := fmt.Sprintf("net.%d.", i)
			add(pre+"name", nic.Target.Dev)
			c, ok := tapCounters(nic.Target.Dev)
			if !ok {
				continue
			}
			add(pre+"rx.bytes", c.rxBytes)
			add(pre+"rx.pkts", c.rxPackets)
			add(pre+"rx.errs", c.rxErrs)
			add(pre+"rx.drop", c.rxDrop)
			add(pre+"tx.bytes", c.txBytes)
			add(pre+"tx.pkts", c.txPackets)
			add(pre+"tx.errs", c.txErrs)
			add(pre+"tx.drop", c.txDrop)
		}
	}
	if groups&statsBlock != 0 {
		var counters map[string]blockStatsEntry
		if v.active() {
			counters, _ = queryBlockStats(ctx, v.run.mon)
		}
		disks := v.def.Devices.Disks
		add("block.count", uint32(len(disks)))
		for i := range disks {
			disk := &disks[i]
			pre := fmt.Sprintf("block.%d.", i)
			add(pre+"name", disk.Target.Dev)
			path := diskSourcePath(disk)
			if path == "" {
				continue
			}
			add(pre+"path", path)
			if e, ok := counters[aliasOfDisk(v.def, disk)]; ok {
				s := e.Stats
				add(pre+"rd.reqs", uint64(s.RdOperations))
				add(pre+"rd.bytes", uint64(s.RdBytes))
				add(pre+"rd.times", uint64(s.RdTotalTimeNs))
				add(pre+"wr.reqs", uint64(s.WrOperations))
				add(pre+"wr.bytes", uint64(s.WrBytes))
				add(pre+"wr.times", uint64(s.WrTotalTimeNs))
				add(pre+"fl.reqs", uint64(s.FlushOperations))
				add(pre+"fl.times", uint64(s.FlushTotalTimeNs))
			}
			if sz, err := sizesOf(path, disk.Driver.Type); err == nil {
				add(pre+"allocation", sz.allocation)
				add(pre+"capacity", sz.capacity)
				add(pre+"physical", sz.physical)
			}
		}
	}
	return ps
}

// currentMemory is the guest's current memory in KiB: the balloon's size, or all of
// it without a balloon.
func currentMemory(def *libvirtxml.Domain) uint {
	if !hasBalloon(def) || def.CurrentMemory == nil {
		return def.Memory.Value
	}
	return def.CurrentMemory.Value
}

// vcpuCount is how many vCPUs the guest has online, what virDomainGetInfo reports.
func vcpuCount(def *libvirtxml.Domain) uint {
	cur, _ := vcpuCounts(def)
	return cur
}

// vcpuCounts are the guest's vCPUs online and at most.
func vcpuCounts(def *libvirtxml.Domain) (current, maximum uint) {
	maximum = def.VCPU.Value
	current = maximum
	if def.VCPU.Current > 0 && def.VCPU.Current < maximum {
		current = def.VCPU.Current
	}
	return current, maximum
}

// vcpuThreads are the vCPU threads of a running guest, asked of QEMU once and kept
// until the vCPUs change.
func (d *Driver) vcpuThreads(ctx context.Context, r *running) []vcpuThread {
	r.mu.Lock()
	cached := r.vcpus
	r.mu.Unlock()
	if cached != nil {
		return cached
	}
	ts, err := queryVCPUs(ctx, r.mon)
	if err != nil {
		return nil
	}
	r.mu.Lock()
	r.vcpus = ts
	r.mu.Unlock()
	return ts
}

// memoryStats is virDomainMemoryStats of a running guest, in libvirt's order: the
// balloon's size, what the guest's balloon driver reports, and QEMU's resident memory.
func (d *Driver) memoryStats(ctx context.Context, v guestView, ps procStat) []libvirt.DomainMemoryStat {
	var out []libvirt.DomainMemoryStat
	add := func(tag libvirt.DomainMemoryStatTags, val uint64) {
		out = append(out, libvirt.DomainMemoryStat{Tag: int32(tag), Val: val})
	}
	if !hasBalloon(v.def) {
		add(libvirt.DomainMemoryStatActualBalloon, uint64(v.def.Memory.Value))
	} else {
		b := queryBalloon(ctx, v.run.mon, v.def)
		if b.actual >= 0 {
			add(libvirt.DomainMemoryStatActualBalloon, uint64(b.actual/1024))
		} else {
			add(libvirt.DomainMemoryStatActualBalloon, uint64(currentMemory(v.def)))
		}
		for _, s := range []struct {
			key   string
			tag   libvirt.DomainMemoryStatTags
			scale int64
		}{
			{"stat-swap-in", libvirt.DomainMemoryStatSwapIn, 1024},
			{"stat-swap-out", libvirt.DomainMemoryStatSwapOut, 1024},
			{"stat-major-faults", libvirt.DomainMemoryStatMajorFault, 1},
			{"stat-minor-faults", libvirt.DomainMemoryStatMinorFault, 1},
			{"stat-free-memory", libvirt.DomainMemoryStatUnused, 1024},
			{"stat-total-memory", libvirt.DomainMemoryStatAvailable, 1024},
			{"stat-available-memory", libvirt.DomainMemoryStatUsable, 1024},
			{"last-update", libvirt.DomainMemoryStatLastUpdate, 1},
			{"stat-disk-caches", libvirt.DomainMemoryStatDiskCaches, 1024},
			{"stat-htlb-pgalloc", libvirt.DomainMemoryStatHugetlbPgalloc, 1},
			{"stat-htlb-pgfail", libvirt.DomainMemoryStatHugetlbPgfail, 1},
		} {
			val, ok := b.stats[s.key]
			if s.key == "last-update" {
				val, ok = b.lastUpdate, b.stats != nil
			}
			if ok && val >= 0 {
				add(s.tag, uint64(val/s.scale))
			}
		}
	}
	add(libvirt.DomainMemoryStatRss, ps.rssPages*pageKiB)
	return out
}
