package qemu

import (
	"context"
	"os"
	"syscall"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// stopGuest ends dom's QEMU through its unit and returns once the process is gone:
// SIGTERM, then SIGKILL after stopTimeout; with graceful, SIGTERM only, and an error if
// QEMU outlives it. The caller holds dom's job.
func (d *Driver) stopGuest(ctx context.Context, dom *domain, reason libvirt.DomainShutoffReason, detail libvirt.DomainEventStoppedDetailType, graceful bool) error {
	dom.mu.Lock()
	r := dom.run
	dom.mu.Unlock()
	if r == nil {
		return errNotRunning()
	}
	r.set(func(r *running) { r.stopping = true })
	// A stop under way is finished even when the caller's context ends: at the host's
	// shutdown the daemon is told to stop the moment the guest's scope is gone, while
	// this stop still waits for systemd's job.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout+5*time.Second)
	defer cancel()
	if graceful {
		if err := d.units.Kill(ctx, r.unit, syscall.SIGTERM); err != nil && !isNotFound(err) {
			r.set(func(r *running) { r.stopping = false })
			return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to terminate process %d with SIGTERM: %v", r.pid, err)
		}
		select {
		case <-r.exited:
		case <-time.After(stopTimeout):
			r.set(func(r *running) { r.stopping = false })
			return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "failed to kill qemu process with SIGTERM")
		}
	} else {
		// Signal first: systemd answers a stop of a scope the daemon controls with
		// RequestStop to the daemon, and would wait out the stop timeout before
		// killing anything itself.
		if err := d.units.Kill(ctx, r.unit, syscall.SIGTERM); err != nil && !isNotFound(err) {
			d.log.Warn("cannot signal QEMU", "domain", dom.name, "err", err)
		}
		if _, err := d.units.Stop(ctx, r.unit); err != nil && !isNotFound(err) {
			r.set(func(r *running) { r.stopping = false })
			return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to kill process %d: %v", r.pid, err)
		}
	}
	d.finishStop(dom, r, reason, detail, graceful)
	return nil
}

// finishStop forgets a guest whose QEMU is gone: watcher, monitor, unit record, status
// file and private directory; the guest is inactive (or forgotten, if transient) and
// the STOPPED event goes out. forgetUnit makes the realizer forget a unit that ended
// by itself. The caller holds dom's job.
func (d *Driver) finishStop(dom *domain, r *running, reason libvirt.DomainShutoffReason, detail libvirt.DomainEventStoppedDetailType, forgetUnit bool) {
	r.markExited()
	if r.cancel != nil {
		r.cancel()
	}
	if r.mon != nil {
		r.mon.Disconnect()
	}
	if r.watch != nil {
		r.watch.Close()
	}
	if forgetUnit {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := d.units.Stop(ctx, r.unit); err != nil && !isNotFound(err) {
			d.log.Warn("cannot release the unit of an ended guest", "unit", r.unit, "err", err)
		}
		cancel()
	}
	dom.mu.Lock()
	live := dom.live
	dom.mu.Unlock()
	if live != nil {
		d.callHook(context.Background(), hookStopped, live)
	}
	if err := d.removeStatus(dom.name); err != nil {
		d.log.Warn("cannot remove status file", "domain", dom.name, "err", err)
	}
	os.RemoveAll(r.dir)
	if live != nil {
		// A volume disk's file is found through its pool again, as at start.
		rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
		lent, err := d.withVolumePaths(rctx, live)
		rcancel()
		if err != nil {
			d.log.Warn("cannot find the files of the guest's volumes to give them back", "domain", dom.name, "err", err)
			lent = live
		}
		d.releaseFiles(lent)
	}
	uctx, ucancel := context.WithTimeout(context.Background(), 10*time.Second)
	d.unplugAll(uctx, dom.name, live)
	ucancel()
	if live != nil {
		d.callHook(context.Background(), hookRelease, live)
	}
	dom.mu.Lock()
	ref := dom.refLocked()
	ref.ID = -1
	dom.live, dom.run, dom.id = nil, nil, -1
	dom.state, dom.reason = libvirt.DomainShutoff, int32(reason)
	persistent := dom.persistent
	dom.mu.Unlock()
	if !persistent {
		d.doms.remove(dom)
	}
	d.env.Inhibit(false)
	d.log.Info("guest stopped", "domain", dom.name, "reason", reason)
	d.emit(ref, libvirt.DomainEventStopped, int32(detail))
}
