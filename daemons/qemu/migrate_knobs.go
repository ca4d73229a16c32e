package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The calls that steer a job without holding the guest's job lock, which the job
// itself holds: domjobabort, migrate-setspeed, migrate-setmaxdowntime, and a suspend
// while the guest migrates (virsh migrate --timeout's default action).

func (d *Driver) DomainAbortJob(ctx context.Context, a libvirt.DomainAbortJobArgs) (struct{}, error) {
	return struct{}{}, d.abortJob(ctx, a.Dom)
}

func (d *Driver) DomainAbortJobFlags(ctx context.Context, a libvirt.DomainAbortJobFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainAbortJobFlags"); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.abortJob(ctx, a.Dom)
}

// abortJob cancels the guest's migration stream (a migration out, a save): QEMU ends
// it and the job's own call reports it aborted.
func (d *Driver) abortJob(ctx context.Context, ref libvirt.Domain) error {
	dom, err := d.get(ref)
	if err != nil {
		return err
	}
	dom.mu.Lock()
	active, in := dom.activeLocked(), dom.migIn
	dom.mu.Unlock()
	if !active {
		return errNotRunning()
	}
	if in != nil {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot abort incoming migration; use virDomainDestroy instead")
	}
	j := dom.jobs.running()
	if j == nil {
		return errNoJob()
	}
	if j.mon == nil || j.op == libvirt.DomainJobOperationStrMigrationIn {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot abort this job")
	}
	j.cancel()
	if err := j.mon.Execute(ctx, "migrate_cancel", nil, nil); err != nil {
		return monitorError(err)
	}
	return nil
}

func (d *Driver) DomainMigrateSetMaxSpeed(ctx context.Context, a libvirt.DomainMigrateSetMaxSpeedArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainMigrateSetMaxSpeed"); err != nil {
		return struct{}{}, err
	}
	if a.Bandwidth > unlimitedSpeed {
		return struct{}{}, virerror.New(libvirt.ErrOverflow, virerror.FromQEMU, "bandwidth must be less than %d", unlimitedSpeed+1)
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	dom.mu.Lock()
	r := dom.run
	dom.mu.Unlock()
	if r != nil && r.mon != nil {
		// Applied at once, to a migration under way too.
		if err := r.mon.Execute(ctx, "migrate-set-parameters", map[string]any{"max-bandwidth": a.Bandwidth << 20}, nil); err != nil {
			return struct{}{}, monitorError(err)
		}
	}
	dom.mu.Lock()
	dom.maxSpeed = a.Bandwidth
	dom.mu.Unlock()
	return struct{}{}, nil
}

func (d *Driver) DomainMigrateGetMaxSpeed(ctx context.Context, a libvirt.DomainMigrateGetMaxSpeedArgs) (libvirt.DomainMigrateGetMaxSpeedRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainMigrateGetMaxSpeed"); err != nil {
		return libvirt.DomainMigrateGetMaxSpeedRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainMigrateGetMaxSpeedRet{}, err
	}
	dom.mu.Lock()
	speed := dom.maxSpeed
	dom.mu.Unlock()
	if speed == 0 {
		speed = unlimitedSpeed
	}
	return libvirt.DomainMigrateGetMaxSpeedRet{Bandwidth: speed}, nil
}

func (d *Driver) DomainMigrateSetMaxDowntime(ctx context.Context, a libvirt.DomainMigrateSetMaxDowntimeArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainMigrateSetMaxDowntime"); err != nil {
		return struct{}{}, err
	}
	r, err := d.runningOf(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	if err := r.mon.Execute(ctx, "migrate-set-parameters", map[string]any{"downtime-limit": a.Downtime}, nil); err != nil {
		return struct{}{}, monitorError(err)
	}
	return struct{}{}, nil
}

func (d *Driver) DomainMigrateGetMaxDowntime(ctx context.Context, a libvirt.DomainMigrateGetMaxDowntimeArgs) (libvirt.DomainMigrateGetMaxDowntimeRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainMigrateGetMaxDowntime"); err != nil {
		return libvirt.DomainMigrateGetMaxDowntimeRet{}, err
	}
	r, err := d.runningOf(a.Dom)
	if err != nil {
		return libvirt.DomainMigrateGetMaxDowntimeRet{}, err
	}
	var params struct {
		DowntimeLimit *uint64 `json:"downtime-limit"`
	}
	if err := r.mon.Execute(ctx, "query-migrate-parameters", nil, &params); err != nil {
		return libvirt.DomainMigrateGetMaxDowntimeRet{}, monitorError(err)
	}
	if params.DowntimeLimit == nil {
		return libvirt.DomainMigrateGetMaxDowntimeRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "Querying migration downtime is not supported by QEMU binary")
	}
	return libvirt.DomainMigrateGetMaxDowntimeRet{Downtime: *params.DowntimeLimit}, nil
}

// runningOf is a running guest's QEMU, without its job lock.
func (d *Driver) runningOf(ref libvirt.Domain) (*running, error) {
	dom, err := d.get(ref)
	if err != nil {
		return nil, err
	}
	dom.mu.Lock()
	r := dom.run
	dom.mu.Unlock()
	if r == nil || r.mon == nil {
		return nil, errNotRunning()
	}
	return r, nil
}

// suspendMigrating pauses a guest whose migration out holds its job, as libvirt lets
// a suspend through that job: paused for migration, so the migration ends sooner.
func (d *Driver) suspendMigrating(ctx context.Context, dom *domain, j *jobProgress) error {
	if st, _ := dom.getState(); st == libvirt.DomainPaused {
		return nil
	}
	if err := j.mon.Execute(ctx, "stop", nil, nil); err != nil {
		return monitorError(err)
	}
	dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedMigration))
	d.emit(dom.ref(), libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedMigrated))
	return nil
}
