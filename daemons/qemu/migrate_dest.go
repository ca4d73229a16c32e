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

// The destination's side of a migration: Prepare and Finish.

// incomingTimeout bounds Finish's wait for a stream the source said it sent.
const incomingTimeout = 5 * time.Minute

func (d *Driver) DomainMigratePrepare3Params(ctx context.Context, a libvirt.DomainMigratePrepare3ParamsArgs) (libvirt.DomainMigratePrepare3ParamsRet, error) {
	flags := libvirt.DomainMigrateFlags(a.Flags)
	if err := checkMigrateFlags(flags, "qemuDomainMigratePrepare3Params"); err != nil {
		return libvirt.DomainMigratePrepare3ParamsRet{}, err
	}
	p, err := parseMigrateParams(a.Params)
	if err != nil {
		return libvirt.DomainMigratePrepare3ParamsRet{}, err
	}
	if p.destXML == "" {
		return libvirt.DomainMigratePrepare3ParamsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "no domain XML passed")
	}
	cookie, err := d.parseCookie(a.CookieIn)
	if err != nil {
		return libvirt.DomainMigratePrepare3ParamsRet{}, err
	}
	if d.units == nil {
		return libvirt.DomainMigratePrepare3ParamsRet{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "this daemon has no unit realizer to run guests with")
	}
	dom, in, uri, err := d.prepare(ctx, p, flags, cookie.NBD)
	if err != nil {
		d.log.Warn("incoming migration refused", "err", err)
		return libvirt.DomainMigratePrepare3ParamsRet{}, err
	}
	// The source (or the client driving both) going away before Finish leaves
	// nothing behind here.
	if c := rpc.ClientFrom(ctx); c != nil {
		c.OnClose(func() { go d.abandonIncoming(dom, in) })
	}
	var nbd *cookieNBD
	if in.nbd {
		nbd = &cookieNBD{Port: in.nbdPort}
	}
	ret := libvirt.DomainMigratePrepare3ParamsRet{CookieOut: d.cookieWith(dom, nil, nbd)}
	if uri != "" {
		ret.UriOut = libvirt.OptString{uri}
	}
	return ret, nil
}

// prepare makes ready for an incoming guest: a QEMU waiting for the stream on a port
// of the migration range (the URI the source is to use is returned), or, offline, the
// definition alone.
func (d *Driver) prepare(ctx context.Context, p migrateParams, flags libvirt.DomainMigrateFlags, nbd *cookieNBD) (*domain, *incoming, string, error) {
	def, uuid, err := d.parseDefinition(ctx, p.destXML)
	if err != nil {
		return nil, nil, "", err
	}
	if p.destName != "" {
		def.Name = p.destName
	}
	dom, created, err := d.claim(uuid, def, false)
	if err != nil {
		return nil, nil, "", err
	}
	defer dom.job.Unlock()
	dom.mu.Lock()
	active, busy := dom.activeLocked(), dom.migIn != nil || dom.migOut != nil
	dom.mu.Unlock()
	if active {
		return nil, nil, "", virerror.New(libvirt.ErrOperationInvalid, virerror.FromDomain, "domain '%s' is already active", dom.name)
	}
	if busy {
		return nil, nil, "", errMigrating(dom.name)
	}
	in := &incoming{flags: flags, created: created, started: time.Now(), offline: flags&libvirt.MigrateOffline != 0}
	host, port, err := "", 0, error(nil)
	if p.uri != "" {
		if host, port, err = migrationHostPort(p.uri); err != nil {
			if created {
				d.doms.remove(dom)
			}
			return nil, nil, "", err
		}
	}
	if host == "" {
		host = d.cfg.MigrationHost
	}
	if host == "" {
		if host, err = d.env.Host.Hostname(); err != nil {
			if created {
				d.doms.remove(dom)
			}
			return nil, nil, "", virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "cannot get the host name: %v", err)
		}
	}
	if in.offline {
		// Offline, the guest only becomes defined here. The URI is answered all the
		// same, as libvirt does: clients insist on one.
		if port == 0 {
			if port, err = d.ports.take(d.cfg.MigrationPortMin, d.cfg.MigrationPortMax); err != nil {
				if created {
					d.doms.remove(dom)
				}
				return nil, nil, "", err
			}
			d.ports.release(port)
		}
		if err := d.persist(dom, def, created); err != nil {
			if created {
				d.doms.remove(dom)
			}
			return nil, nil, "", err
		}
		dom.mu.Lock()
		dom.migIn = in
		dom.mu.Unlock()
		return dom, in, "tcp://" + net.JoinHostPort(host, strconv.Itoa(port)), nil
	}
	if flags&storageFlags != 0 {
		err := error(nil)
		if _, err = copiedDisks(def, p.migrateDisks); err == nil {
			err = d.precreateStorage(ctx, def, nbd, p.migrateDisks, flags&libvirt.MigrateNonSharedInc != 0)
		}
		if err != nil {
			if created {
				d.doms.remove(dom)
			}
			return nil, nil, "", err
		}
	}
	if err := d.startGuestWith(ctx, dom, def, true, true); err != nil {
		if created {
			d.doms.remove(dom)
		}
		return nil, nil, "", err
	}
	dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedMigration))
	fail := func(err error) (*domain, *incoming, string, error) {
		if in.port != 0 {
			d.ports.release(in.port)
		}
		d.stopNBDServer(context.WithoutCancel(ctx), nil, in)
		d.stopGuest(context.WithoutCancel(ctx), dom, libvirt.DomainShutoffFailed, libvirt.DomainEventStoppedFailed, false)
		return nil, nil, "", err
	}
	if port == 0 {
		if port, err = d.ports.take(d.cfg.MigrationPortMin, d.cfg.MigrationPortMax); err != nil {
			return fail(err)
		}
		in.port = port
	}
	listen := p.listen
	if listen == "" {
		listen = d.cfg.MigrationAddress
	}
	if listen == "" {
		listen = wildcardAddress()
	}
	dom.mu.Lock()
	r := dom.run
	dom.mu.Unlock()
	if flags&storageFlags != 0 && nbd != nil {
		dom.mu.Lock()
		live := dom.live
		dom.mu.Unlock()
		if _, err := d.startNBDServer(ctx, r, live, p, listen, in); err != nil {
			return fail(err)
		}
	}
	if err := r.mon.Execute(ctx, "migrate-incoming", map[string]string{"uri": "tcp:" + net.JoinHostPort(listen, strconv.Itoa(port))}, nil); err != nil {
		return fail(monitorError(err))
	}
	dom.mu.Lock()
	dom.migIn = in
	dom.mu.Unlock()
	d.saveStatusLogged(dom)
	d.emit(dom.ref(), libvirt.DomainEventStarted, int32(libvirt.DomainEventStartedMigrated))
	d.log.Info("incoming migration prepared", "domain", dom.name, "port", port)
	return dom, in, "tcp://" + net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// wildcardAddress is where QEMU listens by default: every IPv6 and IPv4 address when
// the host has IPv6, else every IPv4 address.
func wildcardAddress() string {
	if ln, err := net.Listen("tcp6", "[::]:0"); err == nil {
		ln.Close()
		return "::"
	}
	return "0.0.0.0"
}

// persist makes def dom's persistent definition, as a define does.
func (d *Driver) persist(dom *domain, def *libvirtxml.Domain, created bool) error {
	dom.mu.Lock()
	wasPersistent := dom.persistent
	dom.mu.Unlock()
	cp, err := copyDefinition(def)
	if err != nil {
		return err
	}
	stripLive(cp)
	if err := d.saveConfig(cp); err != nil {
		return virerror.Wrap(err, libvirt.ErrMigratePersistFailed, virerror.FromQEMU, "%v", err)
	}
	dom.mu.Lock()
	dom.def, dom.stored, dom.persistent = cp, nil, true
	dom.mu.Unlock()
	detail := libvirt.DomainEventDefinedUpdated
	if created || !wasPersistent {
		detail = libvirt.DomainEventDefinedAdded
	}
	d.emit(dom.ref(), libvirt.DomainEventDefined, int32(detail))
	return nil
}

// abandonIncoming removes what Prepare made when no Finish is coming: the guest's
// QEMU (with its unit, status and directory), and a definition made for it.
func (d *Driver) abandonIncoming(dom *domain, in *incoming) {
	dom.job.Lock()
	defer dom.job.Unlock()
	dom.mu.Lock()
	if dom.migIn != in {
		dom.mu.Unlock()
		return
	}
	dom.migIn = nil
	dom.mu.Unlock()
	d.log.Warn("incoming migration abandoned by its client", "domain", dom.name)
	d.dropIncoming(context.Background(), dom, in)
}

// dropIncoming undoes a Prepare. The caller holds the job and cleared migIn.
func (d *Driver) dropIncoming(ctx context.Context, dom *domain, in *incoming) {
	if in.port != 0 {
		d.ports.release(in.port)
	}
	d.stopNBDServer(ctx, nil, in)
	if in.offline {
		if in.created {
			if err := d.removeConfig(dom.name); err != nil {
				d.log.Warn("cannot remove the definition of a cancelled migration", "domain", dom.name, "err", err)
			}
			d.doms.remove(dom)
			d.emit(dom.ref(), libvirt.DomainEventUndefined, int32(libvirt.DomainEventUndefinedRemoved))
		}
		return
	}
	if dom.active() {
		d.stopGuest(ctx, dom, libvirt.DomainShutoffFailed, libvirt.DomainEventStoppedFailed, false)
	}
}

func (d *Driver) DomainMigrateFinish3Params(ctx context.Context, a libvirt.DomainMigrateFinish3ParamsArgs) (libvirt.DomainMigrateFinish3ParamsRet, error) {
	flags := libvirt.DomainMigrateFlags(a.Flags)
	if err := checkMigrateFlags(flags, "qemuDomainMigrateFinish3Params"); err != nil {
		return libvirt.DomainMigrateFinish3ParamsRet{}, err
	}
	p, err := parseMigrateParams(a.Params)
	if err != nil {
		return libvirt.DomainMigrateFinish3ParamsRet{}, err
	}
	if p.destName == "" {
		return libvirt.DomainMigrateFinish3ParamsRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "missing destination name")
	}
	dom := d.doms.byNameOf(p.destName)
	if dom == nil {
		return libvirt.DomainMigrateFinish3ParamsRet{}, virerror.New(libvirt.ErrNoDomain, virerror.FromQEMU, "no domain with matching name '%s'", p.destName)
	}
	var stats *cookieStats
	if c, err := d.parseCookie(a.CookieIn); err == nil {
		stats = c.Stats
	}
	if err := d.finish(ctx, dom, p, flags, a.Cancelled != 0, stats); err != nil {
		return libvirt.DomainMigrateFinish3ParamsRet{}, err
	}
	return libvirt.DomainMigrateFinish3ParamsRet{Dom: dom.ref(), CookieOut: d.cookieFor(dom, stats)}, nil
}

// finish takes the guest over once its stream arrived: it runs (unless PAUSED) and,
// with PERSIST_DEST, becomes defined here. Cancelled, or on any failure, what Prepare
// made goes.
func (d *Driver) finish(ctx context.Context, dom *domain, p migrateParams, flags libvirt.DomainMigrateFlags, cancelled bool, stats *cookieStats) error {
	dom.job.Lock()
	defer dom.job.Unlock()
	dom.mu.Lock()
	in, r := dom.migIn, dom.run
	dom.migIn = nil
	dom.mu.Unlock()
	if in == nil {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain '%s' is not processing incoming migration", dom.name)
	}
	if cancelled {
		d.dropIncoming(context.WithoutCancel(ctx), dom, in)
		d.log.Info("incoming migration cancelled", "domain", dom.name)
		return virerror.New(libvirt.ErrOperationAborted, virerror.FromQEMU, "%s: canceled by client", migrationJobName(false))
	}
	if in.offline {
		return nil
	}
	if in.port != 0 {
		d.ports.release(in.port)
	}
	if r == nil {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "%s: %s", migrationJobName(false), "domain is not running")
	}
	fail := func(err error) error {
		d.stopGuest(context.WithoutCancel(ctx), dom, libvirt.DomainShutoffFailed, libvirt.DomainEventStoppedFailed, false)
		return err
	}
	job := dom.jobs.begin(libvirt.DomainJobOperationStrMigrationIn, r.mon)
	wctx, cancel := context.WithTimeout(ctx, incomingTimeout)
	_, err := d.followMigration(wctx, r, job, false, migrationHooks{})
	cancel()
	if err != nil {
		dom.jobs.end(job, false)
		d.stopNBDServer(ctx, nil, in)
		return fail(err)
	}
	d.stopNBDServer(ctx, r, in)
	job.mu.Lock()
	job.stats = stats
	job.mu.Unlock()
	dom.jobs.end(job, true)
	ref := dom.ref()
	if flags&libvirt.MigratePaused == 0 {
		if err := r.mon.Execute(ctx, "cont", nil, nil); err != nil {
			return fail(monitorError(err))
		}
		dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningMigrated))
		d.emit(ref, libvirt.DomainEventResumed, int32(libvirt.DomainEventResumedMigrated))
	} else {
		dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedUser))
		d.emit(ref, libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedPaused))
	}
	if flags&libvirt.MigratePersistDest != 0 {
		dom.mu.Lock()
		def := dom.live
		dom.mu.Unlock()
		if p.persistXML != "" {
			var err error
			if def, _, err = d.parseDefinition(ctx, p.persistXML); err != nil {
				d.saveStatusLogged(dom)
				return err
			}
		}
		if err := d.persist(dom, def, in.created); err != nil {
			// The guest runs here now: keep it, transient, and say why it is.
			d.saveStatusLogged(dom)
			return err
		}
	}
	d.saveStatusLogged(dom)
	d.log.Info("guest migrated here", "domain", dom.name)
	return nil
}
