package qemu

import (
	"context"
	"net"
	"strconv"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// The source's side of a migration: Begin, Perform and Confirm.

// unlimitedSpeed is libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX, in MiB/s: what
// migrate-getspeed reports until migrate-setspeed changes it.
const unlimitedSpeed = uint64(1<<63-1) / (1 << 20)

// dialTimeout bounds the source's connection to the destination's QEMU.
const dialTimeout = 10 * time.Second

func (d *Driver) DomainMigrateBegin3Params(ctx context.Context, a libvirt.DomainMigrateBegin3ParamsArgs) (libvirt.DomainMigrateBegin3ParamsRet, error) {
	flags := libvirt.DomainMigrateFlags(a.Flags)
	if err := checkMigrateFlags(flags, "qemuDomainMigrateBegin3Params"); err != nil {
		return libvirt.DomainMigrateBegin3ParamsRet{}, err
	}
	p, err := parseMigrateParams(a.Params)
	if err != nil {
		return libvirt.DomainMigrateBegin3ParamsRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainMigrateBegin3ParamsRet{}, err
	}
	xml, cookie, out, err := d.begin(ctx, dom, p, flags)
	if err != nil {
		return libvirt.DomainMigrateBegin3ParamsRet{}, err
	}
	// A client that goes away before Confirm leaves no migration behind, as
	// libvirt's close callback sees to.
	if c := rpc.ClientFrom(ctx); c != nil {
		c.OnClose(func() { go d.abandonOutgoing(dom, out) })
	}
	return libvirt.DomainMigrateBegin3ParamsRet{CookieOut: cookie, XML: xml}, nil
}

// begin starts an outgoing migration of dom: the definition to send (the running
// one, or the persistent one offline) and the first cookie.
func (d *Driver) begin(ctx context.Context, dom *domain, p migrateParams, flags libvirt.DomainMigrateFlags) (string, []byte, *outgoing, error) {
	dom.job.Lock()
	defer dom.job.Unlock()
	dom.mu.Lock()
	gone, busy := dom.gone, dom.migOut != nil || dom.migIn != nil
	def, live, r := dom.live, dom.live, dom.run
	if flags&libvirt.MigrateOffline != 0 && dom.def != nil {
		def = dom.def
	}
	dom.mu.Unlock()
	switch {
	case gone:
		return "", nil, nil, virerror.New(libvirt.ErrNoDomain, virerror.FromQEMU, "no domain with matching uuid '%s' (%s)", formatUUID(dom.uuid), dom.name)
	case busy:
		return "", nil, nil, errMigrating(dom.name)
	case def == nil:
		return "", nil, nil, errNotRunning()
	}
	if p.destXML != "" {
		var err error
		if def, err = d.replacementXML(ctx, dom, p.destXML); err != nil {
			return "", nil, nil, err
		}
	}
	xml, err := inactiveXML(def)
	if err != nil {
		return "", nil, nil, err
	}
	var nbd *cookieNBD
	if flags&storageFlags != 0 && flags&libvirt.MigrateOffline == 0 {
		if r == nil || live == nil {
			return "", nil, nil, errNotRunning()
		}
		if nbd, err = storageCookie(ctx, r, live, p.migrateDisks); err != nil {
			return "", nil, nil, err
		}
	}
	out := &outgoing{flags: flags, phase: phaseBegun}
	dom.mu.Lock()
	dom.migOut = out
	dom.mu.Unlock()
	d.log.Info("outgoing migration begun", "domain", dom.name, "flags", uint32(flags))
	return xml, d.cookieWith(dom, nil, nbd), out, nil
}

// abandonOutgoing ends a migration whose client left before Confirm. A guest the
// migration already paused stays paused: it may be running on the destination.
func (d *Driver) abandonOutgoing(dom *domain, out *outgoing) {
	dom.job.Lock()
	defer dom.job.Unlock()
	dom.mu.Lock()
	defer dom.mu.Unlock()
	if dom.migOut == out {
		dom.migOut = nil
		d.log.Warn("outgoing migration abandoned by its client", "domain", dom.name, "phase", out.phase)
	}
}

func (d *Driver) DomainMigratePerform3Params(ctx context.Context, a libvirt.DomainMigratePerform3ParamsArgs) (libvirt.DomainMigratePerform3ParamsRet, error) {
	if err := checkMigrateFlags(a.Flags, "qemuDomainMigratePerform3Params"); err != nil {
		return libvirt.DomainMigratePerform3ParamsRet{}, err
	}
	p, err := parseMigrateParams(a.Params)
	if err != nil {
		return libvirt.DomainMigratePerform3ParamsRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainMigratePerform3ParamsRet{}, err
	}
	if a.Flags&libvirt.MigratePeer2peer != 0 {
		if len(a.Dconnuri) == 0 || a.Dconnuri[0] == "" {
			return libvirt.DomainMigratePerform3ParamsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "dconnuri must not be NULL")
		}
		return libvirt.DomainMigratePerform3ParamsRet{}, d.migrateP2P(ctx, dom, a.Dconnuri[0], a.Params, p, a.Flags)
	}
	cookie, err := d.perform(ctx, dom, p, a.Flags, a.CookieIn)
	return libvirt.DomainMigratePerform3ParamsRet{CookieOut: cookie}, err
}

// perform streams a begun migration to the destination's QEMU and returns the
// cookie with the statistics. On failure the migration is over and the guest runs on.
func (d *Driver) perform(ctx context.Context, dom *domain, p migrateParams, flags libvirt.DomainMigrateFlags, cookieIn []byte) ([]byte, error) {
	dom.job.Lock()
	defer dom.job.Unlock()
	dom.mu.Lock()
	out, r := dom.migOut, dom.run
	dom.mu.Unlock()
	if out == nil || out.phase != phaseBegun {
		return nil, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain '%s' is not being migrated", dom.name)
	}
	if out.flags&libvirt.MigrateOffline != 0 {
		out.phase = phasePerformed
		return d.cookieFor(dom, nil), nil
	}
	fail := func(err error) ([]byte, error) {
		dom.mu.Lock()
		if dom.migOut == out {
			dom.migOut = nil
		}
		dom.mu.Unlock()
		return nil, err
	}
	if r == nil {
		return fail(errNotRunning())
	}
	out.phase = phasePerforming
	var nbd *cookieNBD
	if flags&storageFlags != 0 {
		c, err := d.parseCookie(cookieIn)
		if err != nil {
			return fail(err)
		}
		nbd = c.NBD
	}
	stats, err := d.streamOut(ctx, dom, r, p, flags, nbd)
	if err != nil {
		d.log.Warn("outgoing migration failed", "domain", dom.name, "err", err)
		return fail(err)
	}
	out.phase, out.stats = phasePerformed, stats
	if nbd != nil {
		// The <nbd> in the cookie tells a libvirt destination's Finish to stop its
		// NBD server (qemuMigrationDstStopNBDServer): without it the exports stay and
		// block the guest's next migration (bdrv_inactivate_all fails).
		return d.cookieWith(dom, stats, &cookieNBD{}), nil
	}
	return d.cookieFor(dom, stats), nil
}

// streamOut runs QEMU's migration to the destination's QEMU at p.uri: the daemon
// connects and hands QEMU the socket, as libvirt does, and follows the job to its end.
func (d *Driver) streamOut(ctx context.Context, dom *domain, r *running, p migrateParams, flags libvirt.DomainMigrateFlags, nbd *cookieNBD) (*cookieStats, error) {
	host, port, err := migrationHostPort(p.uri)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "missing port in migration URI: %s", p.uri)
	}
	dom.mu.Lock()
	live := dom.live
	dom.mu.Unlock()
	var copied []*libvirtxml.DomainDisk
	nbdHost, nbdPort := "", 0
	if flags&storageFlags != 0 && live != nil {
		if copied, err = copiedDisks(live, p.migrateDisks); err != nil {
			return nil, err
		}
		if len(copied) > 0 {
			if nbdHost, nbdPort, err = storageTarget(p, host, nbd); err != nil {
				return nil, err
			}
		}
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, err := (&net.Dialer{KeepAlive: -1, Control: boundedStream}).DialContext(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromQEMU, "Failed to connect to remote migration destination %s: %s", addr, virerror.Strerror(err))
	}
	f, err := conn.(*net.TCPConn).File()
	conn.Close()
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot pass the migration socket to QEMU: %v", err)
	}
	defer f.Close()
	ref := dom.ref()
	pausedHere := false
	if st, _ := dom.getState(); st == libvirt.DomainRunning && flags&libvirt.MigrateLive == 0 {
		// An offline-style (not live) migration stops the vCPUs first.
		if err := r.mon.Execute(ctx, "stop", nil, nil); err != nil {
			return nil, monitorError(err)
		}
		pausedHere = true
		dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedMigration))
		d.emit(ref, libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedMigrated))
	}
	resume := func() {
		if !pausedHere {
			return
		}
		if err := r.mon.Execute(context.WithoutCancel(ctx), "cont", nil, nil); err == nil {
			dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningMigrationCanceled))
			d.emit(ref, libvirt.DomainEventResumed, int32(libvirt.DomainEventResumedMigrated))
		}
	}
	dom.mu.Lock()
	speed := dom.maxSpeed
	dom.mu.Unlock()
	if p.bandwidth > 0 {
		speed = p.bandwidth
	}
	if speed == 0 || speed > unlimitedSpeed {
		speed = unlimitedSpeed
	}
	if err := r.mon.Execute(ctx, "migrate-set-parameters", map[string]any{"max-bandwidth": speed << 20}, nil); err != nil {
		resume()
		return nil, monitorError(err)
	}
	// With a storage copy, QEMU stops before it sends the devices' state, for the
	// mirrors to end while the vCPUs stand still (libvirt's pause-before-switchover).
	caps := []map[string]any{{"capability": "auto-converge", "state": flags&libvirt.MigrateAutoConverge != 0},
		{"capability": "pause-before-switchover", "state": len(copied) > 0}}
	if err := r.mon.Execute(ctx, "migrate-set-capabilities", map[string]any{"capabilities": caps}, nil); err != nil {
		resume()
		return nil, monitorError(err)
	}
	job := dom.jobs.begin(libvirt.DomainJobOperationStrMigrationOut, r.mon)
	var mirrored *mirrors
	failed := func(err error) (*cookieStats, error) {
		mirrored.abort(ctx)
		dom.jobs.end(job, false)
		resume()
		return nil, err
	}
	var hooks migrationHooks
	if len(copied) > 0 {
		if mirrored, err = startMirrors(ctx, r, live, p.migrateDisks, nbdHost, nbdPort, speed, flags&libvirt.MigrateNonSharedInc != 0); err != nil {
			return failed(err)
		}
		if err := mirrored.waitReady(ctx, job, r.exited); err != nil {
			return failed(err)
		}
		d.log.Info("disk mirrors ready", "domain", dom.name, "disks", len(copied))
		hooks.poll = mirrored.check
		hooks.preSwitchover = mirrored.complete
	}
	if job.isCancelled() {
		return failed(virerror.New(libvirt.ErrOperationAborted, virerror.FromQEMU, "%s: canceled by client", migrationJobName(true)))
	}
	if err := r.mon.SendFile(ctx, "migrate", f); err != nil {
		return failed(monitorError(err))
	}
	if err := r.mon.Execute(ctx, "migrate", map[string]any{"uri": "fd:migrate"}, nil); err != nil {
		return failed(monitorError(err))
	}
	m, err := d.followMigration(ctx, r, job, true, hooks)
	if err != nil {
		return failed(err)
	}
	dom.jobs.end(job, true)
	if st, reason := dom.getState(); st != libvirt.DomainPaused || reason != int32(libvirt.DomainPausedMigration) {
		dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedMigration))
		d.emit(ref, libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedMigrated))
	}
	d.saveStatusLogged(dom)
	job.mu.Lock()
	ended := job.ended
	job.mu.Unlock()
	return m.cookieStats(job.started, ended), nil
}

// migrationHooks are what a storage copy adds to following the migration: a check
// at every poll, and the end of the mirrors at pre-switchover.
type migrationHooks struct {
	poll, preSwitchover func(context.Context) error
}

// followMigration polls QEMU's migration (out, or in on the destination) until it
// completes or fails, keeping the job's figures current. A call whose client went
// away cancels an outgoing migration.
func (d *Driver) followMigration(ctx context.Context, r *running, job *jobProgress, out bool, hooks migrationHooks) (*migrateStatus, error) {
	cancelled, switched := false, false
	var hookErr error
	for {
		var m migrateStatus
		if err := r.mon.Execute(context.WithoutCancel(ctx), "query-migrate", nil, &m); err != nil {
			return nil, monitorError(err)
		}
		job.record(&m)
		switch m.Status {
		case "completed":
			return &m, nil
		case "failed", "cancelled":
			if hookErr != nil {
				return nil, hookErr
			}
			return nil, migrationFailed(out, &m)
		case "pre-switchover":
			if !switched && !cancelled {
				switched = true
				if hooks.preSwitchover != nil {
					hookErr = hooks.preSwitchover(ctx)
				}
				if hookErr != nil {
					r.mon.Execute(context.WithoutCancel(ctx), "migrate_cancel", nil, nil)
					cancelled = true
				} else if err := r.mon.Execute(context.WithoutCancel(ctx), "migrate-continue", map[string]string{"state": "pre-switchover"}, nil); err != nil {
					hookErr = monitorError(err)
					r.mon.Execute(context.WithoutCancel(ctx), "migrate_cancel", nil, nil)
					cancelled = true
				}
			}
		default:
			if hooks.poll != nil && !cancelled {
				if hookErr = hooks.poll(ctx); hookErr != nil {
					r.mon.Execute(context.WithoutCancel(ctx), "migrate_cancel", nil, nil)
					cancelled = true
				}
			}
		}
		if !cancelled && ctx.Err() != nil {
			if !out {
				return nil, virerror.New(libvirt.ErrOperationAborted, virerror.FromQEMU, "%s: canceled by client", migrationJobName(out))
			}
			// Let QEMU end the migration: it resumes the guest itself.
			r.mon.Execute(context.WithoutCancel(ctx), "migrate_cancel", nil, nil)
			cancelled = true
		}
		select {
		case <-r.exited:
			return nil, virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "%s: %s", migrationJobName(out), "domain is not running")
		case <-time.After(migrationPoll):
		}
	}
}

func (d *Driver) DomainMigrateConfirm3Params(ctx context.Context, a libvirt.DomainMigrateConfirm3ParamsArgs) (struct{}, error) {
	flags := libvirt.DomainMigrateFlags(a.Flags)
	if err := checkMigrateFlags(flags, "qemuDomainMigrateConfirm3Params"); err != nil {
		return struct{}{}, err
	}
	if _, err := parseMigrateParams(a.Params); err != nil {
		return struct{}{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.confirm(ctx, dom, flags, a.Cancelled != 0)
}

// confirm ends an outgoing migration: the guest moved, so its QEMU stops here (and
// with UNDEFINE_SOURCE its definition goes); or it was cancelled, and a guest the
// migration paused runs again.
func (d *Driver) confirm(ctx context.Context, dom *domain, flags libvirt.DomainMigrateFlags, cancelled bool) error {
	dom.job.Lock()
	dom.mu.Lock()
	out, r, persistent := dom.migOut, dom.run, dom.persistent
	dom.migOut = nil
	dom.mu.Unlock()
	if out == nil {
		dom.job.Unlock()
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain '%s' is not being migrated", dom.name)
	}
	if cancelled {
		defer dom.job.Unlock()
		if r == nil {
			return nil
		}
		if st, reason := dom.getState(); st == libvirt.DomainPaused && reason == int32(libvirt.DomainPausedMigration) {
			if err := r.mon.Execute(ctx, "cont", nil, nil); err != nil {
				return monitorError(err)
			}
			dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningMigrationCanceled))
			d.emit(dom.ref(), libvirt.DomainEventResumed, int32(libvirt.DomainEventResumedMigrated))
			d.saveStatusLogged(dom)
		}
		d.log.Info("outgoing migration cancelled", "domain", dom.name)
		return nil
	}
	if out.flags&libvirt.MigrateOffline == 0 && r != nil {
		if err := d.stopGuest(ctx, dom, libvirt.DomainShutoffMigrated, libvirt.DomainEventStoppedMigrated, false); err != nil {
			dom.job.Unlock()
			return err
		}
	}
	d.log.Info("guest migrated away", "domain", dom.name)
	dom.job.Unlock()
	if persistent && (flags|out.flags)&libvirt.MigrateUndefineSource != 0 {
		return d.undefineDomain(dom.ref(), 0)
	}
	return nil
}
