package qemu

import (
	"context"
	"sync"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/qemu/qmp"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Long operations (save, snapshots) are libvirt's asynchronous jobs: virsh domjobinfo
// shows one while it runs and, once it ended, what it did. The guest's job lock is
// held meanwhile, so the progress is kept apart from it.

// jobProgress is the asynchronous job of a guest.
type jobProgress struct {
	op      libvirt.DomainJobOperation
	started time.Time
	// mon answers query-migrate for jobs that stream the guest's memory (save).
	mon *qmp.Monitor

	mu        sync.Mutex
	ended     time.Time
	memTotal  uint64
	memDone   uint64
	dataTotal uint64
	// last is QEMU's latest query-migrate answer; stats, for a migration's
	// destination, the statistics the source sent in its cookie.
	last  *migrateStatus
	stats *cookieStats
	// diskTotal and diskDone are a storage copy's figures; cancelled tells the
	// job's own call that domjobabort asked it to stop.
	diskTotal, diskDone uint64
	cancelled           bool
}

// recordDisks keeps a storage copy's progress.
func (j *jobProgress) recordDisks(total, done uint64) {
	j.mu.Lock()
	j.diskTotal, j.diskDone = total, done
	j.mu.Unlock()
}

// cancel marks the job aborted by the client.
func (j *jobProgress) cancel() {
	j.mu.Lock()
	j.cancelled = true
	j.mu.Unlock()
}

func (j *jobProgress) isCancelled() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cancelled
}

// jobTracker holds a guest's running job and the last completed one.
type jobTracker struct {
	mu        sync.Mutex
	current   *jobProgress
	completed *jobProgress
}

// begin records a job that starts now.
func (t *jobTracker) begin(op libvirt.DomainJobOperation, mon *qmp.Monitor) *jobProgress {
	j := &jobProgress{op: op, started: time.Now(), mon: mon}
	t.mu.Lock()
	t.current = j
	t.mu.Unlock()
	return j
}

// end records that j finished; only a job that succeeded becomes the completed one.
func (t *jobTracker) end(j *jobProgress, ok bool) {
	j.mu.Lock()
	j.ended = time.Now()
	j.mu.Unlock()
	t.mu.Lock()
	if t.current == j {
		t.current = nil
	}
	if ok {
		t.completed = j
	}
	t.mu.Unlock()
}

// refresh updates a memory-streaming job's figures from QEMU.
func (j *jobProgress) refresh(ctx context.Context) {
	if j.mon == nil {
		return
	}
	var m migrateStatus
	if err := j.mon.Execute(ctx, "query-migrate", nil, &m); err != nil || m.RAM == nil {
		return
	}
	j.record(&m)
}

// record keeps QEMU's latest figures for the job.
func (j *jobProgress) record(m *migrateStatus) {
	if m.RAM == nil {
		return
	}
	j.mu.Lock()
	j.last = m
	j.memTotal, j.memDone, j.dataTotal = m.RAM.Total, m.RAM.Total-m.RAM.Remaining, m.RAM.Total
	j.mu.Unlock()
}

func (j *jobProgress) elapsed() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	end := j.ended
	if end.IsZero() {
		end = time.Now()
	}
	return uint64(end.Sub(j.started).Milliseconds())
}

func (d *Driver) DomainGetJobInfo(ctx context.Context, a libvirt.DomainGetJobInfoArgs) (libvirt.DomainGetJobInfoRet, error) {
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetJobInfoRet{}, err
	}
	if !dom.active() {
		return libvirt.DomainGetJobInfoRet{}, errNotRunning()
	}
	j := dom.jobs.running()
	if j == nil {
		return libvirt.DomainGetJobInfoRet{Type: int32(libvirt.DomainJobNone)}, nil
	}
	j.refresh(ctx)
	j.mu.Lock()
	defer j.mu.Unlock()
	return libvirt.DomainGetJobInfoRet{
		Type: int32(libvirt.DomainJobUnbounded), TimeElapsed: uint64(time.Since(j.started).Milliseconds()),
		DataTotal: j.dataTotal, DataProcessed: j.memDone, DataRemaining: j.dataTotal - j.memDone,
		MemTotal: j.memTotal, MemProcessed: j.memDone, MemRemaining: j.memTotal - j.memDone,
	}, nil
}

func (d *Driver) DomainGetJobStats(ctx context.Context, a libvirt.DomainGetJobStatsArgs) (libvirt.DomainGetJobStatsRet, error) {
	if err := checkFlags(uint32(a.Flags), uint32(libvirt.DomainJobStatsCompleted|libvirt.DomainJobStatsKeepCompleted), "qemuDomainGetJobStats"); err != nil {
		return libvirt.DomainGetJobStatsRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetJobStatsRet{}, err
	}
	completed := a.Flags&libvirt.DomainJobStatsCompleted != 0
	if !completed && !dom.active() {
		return libvirt.DomainGetJobStatsRet{}, errNotRunning()
	}
	if !completed && a.Flags&libvirt.DomainJobStatsKeepCompleted != 0 {
		return libvirt.DomainGetJobStatsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "flag VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED requires VIR_DOMAIN_JOB_STATS_COMPLETED")
	}
	dom.jobs.mu.Lock()
	j, typ := dom.jobs.current, libvirt.DomainJobUnbounded
	if completed {
		j, typ = dom.jobs.completed, libvirt.DomainJobCompleted
		if a.Flags&libvirt.DomainJobStatsKeepCompleted == 0 {
			dom.jobs.completed = nil
		}
	}
	dom.jobs.mu.Unlock()
	if j == nil {
		return libvirt.DomainGetJobStatsRet{Type: int32(libvirt.DomainJobNone), Params: []libvirt.TypedParam{}}, nil
	}
	if !completed {
		j.refresh(ctx)
	}
	elapsed := j.elapsed()
	j.mu.Lock()
	if j.stats != nil {
		elapsed = j.stats.TimeElapsed // a migration's destination reports the source's
	}
	ps := []libvirt.TypedParam{rpc.Param("operation", int32(j.op)), rpc.Param("time_elapsed", elapsed)}
	if st := j.stats; st != nil {
		ps = append(ps, cookieParams(st)...)
	} else if m := j.last; m != nil && m.RAM != nil {
		ps = append(ps, migrateParamsOf(m, completed)...)
	} else if j.memTotal > 0 {
		ps = append(ps, rpc.Param("data_total", j.dataTotal), rpc.Param("data_processed", j.memDone),
			rpc.Param("data_remaining", j.dataTotal-j.memDone), rpc.Param("memory_total", j.memTotal),
			rpc.Param("memory_processed", j.memDone), rpc.Param("memory_remaining", j.memTotal-j.memDone))
	}
	if j.diskTotal > 0 {
		ps = append(ps, rpc.Param("disk_total", j.diskTotal), rpc.Param("disk_processed", j.diskDone),
			rpc.Param("disk_remaining", j.diskTotal-j.diskDone))
	}
	j.mu.Unlock()
	return libvirt.DomainGetJobStatsRet{Type: int32(typ), Params: ps}, nil
}

// migrateParamsOf are the job statistics of a migration stream, in libvirt's names
// (qemuDomainJobDataToParams).
func migrateParamsOf(m *migrateStatus, completed bool) []libvirt.TypedParam {
	r := m.RAM
	ps := []libvirt.TypedParam{
		rpc.Param("data_total", r.Total), rpc.Param("data_processed", r.Transferred), rpc.Param("data_remaining", r.Remaining),
		rpc.Param("memory_total", r.Total), rpc.Param("memory_processed", r.Transferred), rpc.Param("memory_remaining", r.Remaining),
		rpc.Param("memory_constant", r.Duplicate), rpc.Param("memory_normal", r.Normal), rpc.Param("memory_normal_bytes", r.NormalBytes),
		rpc.Param("memory_bps", uint64(r.Mbps*1e6/8)), rpc.Param("memory_dirty_rate", r.DirtyPagesRate),
		rpc.Param("memory_iteration", r.DirtySyncCount), rpc.Param("memory_page_size", r.PageSize),
		rpc.Param("setup_time", m.SetupTime),
	}
	if completed {
		ps = append(ps, rpc.Param("downtime", m.Downtime))
	} else if m.ExpectedDowntime > 0 {
		ps = append(ps, rpc.Param("downtime", m.ExpectedDowntime))
	}
	return ps
}

// cookieParams are the statistics a source sent, as the destination reports them.
func cookieParams(s *cookieStats) []libvirt.TypedParam {
	return []libvirt.TypedParam{
		rpc.Param("downtime", s.Downtime), rpc.Param("setup_time", s.SetupTime),
		rpc.Param("data_total", s.MemoryTotal), rpc.Param("data_processed", s.MemoryProcessed), rpc.Param("data_remaining", s.MemoryRemaining),
		rpc.Param("memory_total", s.MemoryTotal), rpc.Param("memory_processed", s.MemoryProcessed), rpc.Param("memory_remaining", s.MemoryRemaining),
		rpc.Param("memory_constant", s.MemoryConstant), rpc.Param("memory_normal", s.MemoryNormal), rpc.Param("memory_normal_bytes", s.MemoryNormalBytes),
		rpc.Param("memory_bps", s.MemoryBPS), rpc.Param("memory_dirty_rate", s.MemoryDirtyRate),
		rpc.Param("memory_iteration", s.MemoryIteration), rpc.Param("memory_page_size", s.MemoryPageSize),
	}
}

// current is the job running now, if any.
func (t *jobTracker) running() *jobProgress {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current
}

// The states of virsh domcontrol (virDomainControlState).
const (
	controlOK  = 0
	controlJob = 1
)

// DomainGetControlInfo is virsh domcontrol: whether the guest's controls are free,
// or held by a job and since when, as qemuDomainGetControlInfo reports them.
func (d *Driver) DomainGetControlInfo(ctx context.Context, a libvirt.DomainGetControlInfoArgs) (libvirt.DomainGetControlInfoRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainGetControlInfo"); err != nil {
		return libvirt.DomainGetControlInfoRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetControlInfoRet{}, err
	}
	if !dom.active() {
		return libvirt.DomainGetControlInfoRet{}, errNotRunning()
	}
	j := dom.jobs.running()
	if j != nil {
		return libvirt.DomainGetControlInfoRet{State: controlJob, StateTime: j.elapsed()}, nil
	}
	if !dom.job.TryLock() {
		// A short job (a hotplug, a lifecycle change) holds the guest; it keeps
		// no start time.
		return libvirt.DomainGetControlInfoRet{State: controlJob}, nil
	}
	dom.job.Unlock()
	return libvirt.DomainGetControlInfoRet{State: controlOK}, nil
}
