package qemu

import (
	"context"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	goqmp "github.com/digitalocean/go-qemu/qmp"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/units"
)

// watchGuest follows one running guest until it is gone or the driver closes: QEMU's
// events (a guest powering off, resetting, panicking) and the end of its unit. Leaving
// because the driver closes leaves the guest running.
func (d *Driver) watchGuest(ctx context.Context, dom *domain, r *running, evs <-chan goqmp.Event) {
	defer d.wg.Done()
	unitEvents := r.watch.C
	// When the unit reports QEMU gone first, its last events (a SHUTDOWN saying why)
	// may still be on their way from the monitor: drain them before deciding.
	var drained <-chan time.Time
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				// The monitor closes the moment QEMU exits: the quickest sign of it.
				if ctx.Err() == nil {
					d.guestGone(dom, r)
				}
				return
			}
			d.onEvent(ctx, dom, r, ev)
		case ev, ok := <-unitEvents:
			if !ok {
				unitEvents = nil
				continue
			}
			switch {
			case ev.Kind == units.ProcessExited, ev.Status.State == units.Dead, ev.Status.State == units.Failed:
				unitEvents = nil
				drained = time.After(time.Second)
			case ev.Kind == units.StopRequested:
				// systemctl stop of the scope, or the host shutting down: ask the guest
				// to power down, as libvirt-guests would.
				d.log.Info("unit stop requested: powering the guest down", "domain", dom.name, "unit", r.unit)
				if err := r.mon.Execute(ctx, "system_powerdown", nil, nil); err != nil {
					d.log.Warn("system_powerdown failed", "domain", dom.name, "err", err)
				}
			}
		case <-drained:
			d.guestGone(dom, r) // the monitor never closed: QEMU is gone all the same
			return
		case <-ctx.Done():
			return
		}
	}
}

// onEvent applies one QEMU event to the guest, as libvirt's qemuProcessHandle* do.
func (d *Driver) onEvent(ctx context.Context, dom *domain, r *running, ev goqmp.Event) {
	d.log.Debug("QEMU event", "domain", dom.name, "event", ev.Event, "data", ev.Data)
	ref := dom.ref()
	switch ev.Event {
	case "SHUTDOWN":
		stopping := false
		r.set(func(r *running) { r.gotShutdown, stopping = true, r.stopping })
		if stopping {
			return
		}
		if ev.Data["guest"] != true {
			// A signal or quit from outside the driver: QEMU is about to exit.
			d.emit(ref, libvirt.DomainEventShutdown, int32(libvirt.DomainEventShutdownHost))
			return
		}
		d.emit(ref, libvirt.DomainEventShutdown, int32(libvirt.DomainEventShutdownGuest))
		d.afterShutdown(ctx, dom, r, ev.Data["reason"] == "guest-reset")
	case "RESET":
		d.emitReboot(ref)
	case "BALLOON_CHANGE":
		d.onBalloonChange(dom, r, ev)
	case "DEVICE_DELETED":
		d.onDeviceDeleted(ctx, dom, r, ev)
	case "GUEST_PANICKED":
		// As libvirt: the guest is crashed first, then on_crash decides what follows.
		dom.setState(libvirt.DomainCrashed, int32(libvirt.DomainCrashedPanicked))
		d.emit(ref, libvirt.DomainEventCrashed, int32(libvirt.DomainEventCrashedPanicked))
		d.act(ctx, dom, r, func(live *libvirtxml.Domain) string { return live.OnCrash }, crashed)
	}
	// STOP and RESUME follow the driver's own stop and cont, and QEMU's stop after a
	// guest poweroff; the guest-made pauses that would matter (I/O error policies,
	// watchdogs) are not configured by this driver, so they change nothing here.
}

// afterShutdown applies on_poweroff (or on_reboot, for a guest reboot QEMU was told to
// treat as a shutdown); a reboot the driver asked for is a reset and cont.
func (d *Driver) afterShutdown(ctx context.Context, dom *domain, r *running, reboot bool) {
	fake := r.get(func(r *running) bool { f := r.fakeReboot; r.fakeReboot = false; return f })
	d.act(ctx, dom, r, func(live *libvirtxml.Domain) string {
		switch {
		case fake:
			return "restart"
		case reboot:
			return live.OnReboot
		}
		return live.OnPoweroff
	}, poweredOff)
}

// outcome is what an on_* action leaves: destroy stops the guest with reason and
// detail; preserve keeps QEMU in state.
type outcome struct {
	reason      libvirt.DomainShutoffReason
	detail      libvirt.DomainEventStoppedDetailType
	state       libvirt.DomainState
	stateReason int32
}

var (
	poweredOff = outcome{libvirt.DomainShutoffShutdown, libvirt.DomainEventStoppedShutdown,
		libvirt.DomainPaused, int32(libvirt.DomainPausedShuttingDown)}
	crashed = outcome{libvirt.DomainShutoffCrashed, libvirt.DomainEventStoppedCrashed,
		libvirt.DomainCrashed, int32(libvirt.DomainCrashedPanicked)}
)

// act carries out the on_* action which picks from the running definition, under the
// guest's job: destroy stops QEMU; restart resets the guest and lets it run on in the
// same QEMU; preserve leaves QEMU as it is.
func (d *Driver) act(ctx context.Context, dom *domain, r *running, which func(*libvirtxml.Domain) string, o outcome) {
	dom.job.Lock()
	defer dom.job.Unlock()
	dom.mu.Lock()
	if dom.run != r {
		dom.mu.Unlock()
		return
	}
	action := which(dom.live)
	dom.mu.Unlock()
	switch action {
	case "restart", "rename-restart", "coredump-restart":
		r.set(func(r *running) { r.gotShutdown = false })
		dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningBooted))
		err := r.mon.Execute(ctx, "system_reset", nil, nil)
		if err == nil {
			err = r.mon.Execute(ctx, "cont", nil, nil)
		}
		if err != nil {
			d.log.Error("cannot restart the guest", "domain", dom.name, "err", err)
		}
	case "preserve":
		dom.setState(o.state, o.stateReason)
	default:
		if err := d.stopGuest(ctx, dom, o.reason, o.detail, false); err != nil {
			d.log.Error("cannot stop the guest", "domain", dom.name, "err", err)
		}
		return
	}
	d.saveStatusLogged(dom)
}

// guestGone handles a QEMU that ended without the driver stopping it: after a SHUTDOWN
// it shut down, otherwise it crashed (libvirt's qemuProcessHandleMonitorEOF).
func (d *Driver) guestGone(dom *domain, r *running) {
	r.markExited()
	dom.job.Lock()
	defer dom.job.Unlock()
	dom.mu.Lock()
	current := dom.run == r
	dom.mu.Unlock()
	if !current {
		return
	}
	reason, detail := libvirt.DomainShutoffCrashed, libvirt.DomainEventStoppedFailed
	if r.get(func(r *running) bool { return r.gotShutdown }) {
		reason, detail = libvirt.DomainShutoffShutdown, libvirt.DomainEventStoppedShutdown
	}
	d.log.Info("guest ended", "domain", dom.name, "reason", reason)
	d.finishStop(dom, r, reason, detail, true)
}
