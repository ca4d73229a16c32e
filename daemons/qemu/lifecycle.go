package qemu

import (
	"context"
	"errors"
	"os"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/qemu/qmp"
	"github.com/virtunit/virtunit/daemons/virerror"
)

func (d *Driver) DomainCreate(ctx context.Context, a libvirt.DomainCreateArgs) (struct{}, error) {
	_, err := d.startDefined(ctx, a.Dom, 0)
	return struct{}{}, err
}

// createFlags are the VIR_DOMAIN_START_* flags that mean something here.
const createFlags = libvirt.DomainStartPaused | libvirt.DomainStartBypassCache | libvirt.DomainStartForceBoot |
	libvirt.DomainStartValidate | libvirt.DomainStartResetNvram

func (d *Driver) DomainCreateWithFlags(ctx context.Context, a libvirt.DomainCreateWithFlagsArgs) (libvirt.DomainCreateWithFlagsRet, error) {
	if err := checkFlags(a.Flags, uint32(createFlags), "qemuDomainCreateWithFlags"); err != nil {
		return libvirt.DomainCreateWithFlagsRet{}, err
	}
	ref, err := d.startDefined(ctx, a.Dom, libvirt.DomainCreateFlags(a.Flags))
	return libvirt.DomainCreateWithFlagsRet{Dom: ref}, err
}

// startDefined starts a defined guest (virsh start).
func (d *Driver) startDefined(ctx context.Context, ref libvirt.Domain, flags libvirt.DomainCreateFlags) (libvirt.Domain, error) {
	dom, err := d.lock(ref)
	if err != nil {
		return libvirt.Domain{}, err
	}
	defer dom.job.Unlock()
	dom.mu.Lock()
	def, active := dom.def, dom.activeLocked()
	dom.mu.Unlock()
	if active {
		return libvirt.Domain{}, errAlreadyRunning()
	}
	paused := flags&libvirt.DomainStartPaused != 0
	if d.hasManagedSave(dom) {
		if flags&libvirt.DomainStartForceBoot == 0 {
			if err := d.startManaged(ctx, dom, paused); err != nil {
				return libvirt.Domain{}, err
			}
			return dom.ref(), nil
		}
		os.Remove(d.managedSavePath(dom.name)) // a fresh boot makes the image stale
	}
	if err := d.launch(ctx, dom, def, paused); err != nil {
		return libvirt.Domain{}, err
	}
	return dom.ref(), nil
}

// launch starts dom and tells the clients.
func (d *Driver) launch(ctx context.Context, dom *domain, def *libvirtxml.Domain, paused bool) error {
	if d.units == nil {
		return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "this daemon has no unit realizer to run guests with")
	}
	if err := d.startGuest(ctx, dom, def, paused); err != nil {
		return err
	}
	ref := dom.ref()
	d.emit(ref, libvirt.DomainEventStarted, int32(libvirt.DomainEventStartedBooted))
	if paused {
		d.emit(ref, libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedPaused))
	}
	return nil
}

// DomainCreateXML starts a guest from a definition without keeping it (virsh create): a
// transient guest, forgotten when it stops. A defined guest of the same name and UUID
// that is not running is started with this definition instead of its own.
func (d *Driver) DomainCreateXML(ctx context.Context, a libvirt.DomainCreateXMLArgs) (libvirt.DomainCreateXMLRet, error) {
	if err := checkFlags(uint32(a.Flags), uint32(libvirt.DomainCreateFlags(createFlags)), "qemuDomainCreateXML"); err != nil {
		return libvirt.DomainCreateXMLRet{}, err
	}
	def, uuid, err := d.parseDefinition(ctx, a.XMLDesc)
	if err != nil {
		return libvirt.DomainCreateXMLRet{}, err
	}
	dom, created, err := d.claim(uuid, def, false)
	if err != nil {
		return libvirt.DomainCreateXMLRet{}, err
	}
	defer dom.job.Unlock()
	if !created && dom.active() {
		return libvirt.DomainCreateXMLRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromDomain, "domain '%s' is already active", dom.name)
	}
	if err := d.launch(ctx, dom, def, a.Flags&libvirt.DomainStartPaused != 0); err != nil {
		if created {
			d.doms.remove(dom)
		}
		return libvirt.DomainCreateXMLRet{}, err
	}
	return libvirt.DomainCreateXMLRet{Dom: dom.ref()}, nil
}

func (d *Driver) DomainDestroy(ctx context.Context, a libvirt.DomainDestroyArgs) (struct{}, error) {
	return struct{}{}, d.destroyDomain(ctx, a.Dom, 0)
}

func (d *Driver) DomainDestroyFlags(ctx context.Context, a libvirt.DomainDestroyFlagsArgs) (struct{}, error) {
	if err := checkFlags(uint32(a.Flags), uint32(libvirt.DomainDestroyGraceful), "qemuDomainDestroyFlags"); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.destroyDomain(ctx, a.Dom, a.Flags)
}

// destroyDomain ends a guest at once (virsh destroy). It returns as soon as QEMU is gone.
func (d *Driver) destroyDomain(ctx context.Context, ref libvirt.Domain, flags libvirt.DomainDestroyFlagsValues) error {
	dom, err := d.lock(ref)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	if !dom.active() {
		return errNotRunning()
	}
	return d.stopGuest(ctx, dom, libvirt.DomainShutoffDestroyed, libvirt.DomainEventStoppedDestroyed, flags&libvirt.DomainDestroyGraceful != 0)
}

// lockRunning finds a call's domain, holds its job and checks that it runs; errDomain
// is the error domain libvirt reports "not running" from for this call.
func (d *Driver) lockRunning(ref libvirt.Domain, errDomain virerror.Domain) (*domain, *running, error) {
	dom, err := d.lock(ref)
	if err != nil {
		return nil, nil, err
	}
	dom.mu.Lock()
	r := dom.run
	dom.mu.Unlock()
	if r == nil {
		dom.job.Unlock()
		return nil, nil, virerror.New(libvirt.ErrOperationInvalid, errDomain, "domain is not running")
	}
	return dom, r, nil
}

func (d *Driver) DomainShutdown(ctx context.Context, a libvirt.DomainShutdownArgs) (struct{}, error) {
	return struct{}{}, d.powerdown(ctx, a.Dom, 0, false)
}

func (d *Driver) DomainShutdownFlags(ctx context.Context, a libvirt.DomainShutdownFlagsArgs) (struct{}, error) {
	return struct{}{}, d.powerdown(ctx, a.Dom, uint32(a.Flags), false)
}

func (d *Driver) DomainReboot(ctx context.Context, a libvirt.DomainRebootArgs) (struct{}, error) {
	return struct{}{}, d.powerdown(ctx, a.Dom, uint32(a.Flags), true)
}

// powerdown presses the guest's ACPI power button and returns; the guest shuts down in
// its own time (virsh shutdown). For a reboot the driver then resets the guest instead
// of stopping it, as libvirt's "fake reboot" does.
//
// With --mode agent the guest agent is asked instead; with agent,acpi the agent first
// and, if the guest has none, the power button. The shutdown and reboot flags share
// these two bits.
func (d *Driver) powerdown(ctx context.Context, ref libvirt.Domain, flags uint32, reboot bool) error {
	fn, errDom := "qemuDomainShutdownFlags", virerror.FromQEMU
	if reboot {
		fn, errDom = "qemuDomainReboot", virerror.FromDomain
	}
	acpi, agent := uint32(libvirt.DomainShutdownAcpiPowerBtn), uint32(libvirt.DomainShutdownGuestAgent)
	if err := checkFlags(flags, acpi|agent, fn); err != nil {
		return err
	}
	dom, r, err := d.lockRunning(ref, errDom)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	if flags&agent != 0 {
		v := dom.view()
		if agentSocket(v.def) != "" || flags == agent {
			return d.agentShutdown(ctx, v, reboot)
		}
	}
	r.set(func(r *running) { r.fakeReboot = reboot })
	if err := r.mon.Execute(ctx, "system_powerdown", nil, nil); err != nil {
		return monitorError(err)
	}
	return nil
}

func (d *Driver) DomainReset(ctx context.Context, a libvirt.DomainResetArgs) (struct{}, error) {
	if err := checkFlags(uint32(a.Flags), 0, "qemuDomainReset"); err != nil {
		return struct{}{}, err
	}
	dom, r, err := d.lockRunning(a.Dom, virerror.FromDomain)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	if err := r.mon.Execute(ctx, "system_reset", nil, nil); err != nil {
		return struct{}{}, monitorError(err)
	}
	return struct{}{}, nil
}

func (d *Driver) DomainSuspend(ctx context.Context, a libvirt.DomainSuspendArgs) (struct{}, error) {
	if dom, err := d.get(a.Dom); err == nil {
		if j := dom.jobs.running(); j != nil && j.op == libvirt.DomainJobOperationStrMigrationOut {
			return struct{}{}, d.suspendMigrating(ctx, dom, j)
		}
	}
	dom, r, err := d.lockRunning(a.Dom, virerror.FromDomain)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	if st, _ := dom.getState(); st == libvirt.DomainPaused {
		return struct{}{}, nil
	}
	if err := r.mon.Execute(ctx, "stop", nil, nil); err != nil {
		return struct{}{}, monitorError(err)
	}
	dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedUser))
	d.saveStatusLogged(dom)
	d.emit(dom.ref(), libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedPaused))
	return struct{}{}, nil
}

func (d *Driver) DomainResume(ctx context.Context, a libvirt.DomainResumeArgs) (struct{}, error) {
	dom, r, err := d.lockRunning(a.Dom, virerror.FromDomain)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	if st, _ := dom.getState(); st == libvirt.DomainRunning {
		return struct{}{}, errAlreadyRunning()
	}
	if err := r.mon.Execute(ctx, "cont", nil, nil); err != nil {
		return struct{}{}, monitorError(err)
	}
	dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningUnpaused))
	d.saveStatusLogged(dom)
	d.emit(dom.ref(), libvirt.DomainEventResumed, int32(libvirt.DomainEventResumedUnpaused))
	return struct{}{}, nil
}

// saveStatusLogged writes the status file; a failure only loses the state a restarted
// daemon would show, so it is logged rather than failing the call.
func (d *Driver) saveStatusLogged(dom *domain) {
	if err := d.saveStatus(dom); err != nil {
		d.log.Warn("cannot update status file", "domain", dom.name, "err", err)
	}
}

// monitorError is a failed QMP command as libvirt reports it.
func monitorError(err error) error {
	var qe *qmp.Error
	if errors.As(err, &qe) && qe.Command != "" {
		// QEMU refused the command: libvirt's wording (qemuMonitorJSONCheckError).
		desc := qe.Desc
		if desc == "" {
			desc = qe.Class
		}
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "unable to execute QEMU command '%s': %s", qe.Command, desc)
	}
	return virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromQEMU, "%v", err)
}
