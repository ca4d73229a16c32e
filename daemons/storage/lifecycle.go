package storage

import (
	"context"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// createBuildFlags are the flags of a start that builds first.
const createBuildFlags = libvirt.StoragePoolCreateWithBuild | libvirt.StoragePoolCreateWithBuildOverwrite |
	libvirt.StoragePoolCreateWithBuildNoOverwrite

func (d *Driver) StoragePoolDefineXML(ctx context.Context, a libvirt.StoragePoolDefineXMLArgs) (libvirt.StoragePoolDefineXMLRet, error) {
	// VALIDATE asks for a check against libvirt's RNG schema; the parser's own checks
	// are all virtunit applies.
	if err := remote.CheckFlags(a.Flags, uint32(libvirt.StoragePoolDefineValidate), remote.StoragePoolDefineXML); err != nil {
		return libvirt.StoragePoolDefineXMLRet{}, err
	}
	def, err := parsePool(a.XML)
	if err != nil {
		return libvirt.StoragePoolDefineXMLRet{}, err
	}
	if i := strings.IndexByte(def.Name, '\n'); i >= 0 {
		return libvirt.StoragePoolDefineXMLRet{}, virerror.New(libvirt.ErrXMLDetail, virerror.FromStorage, "invalid char in name: 0x0a")
	}
	if _, err := backendFor(def.Type); err != nil {
		return libvirt.StoragePoolDefineXMLRet{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.conflict(def, false); err != nil {
		return libvirt.StoragePoolDefineXMLRet{}, err
	}
	old := d.pools[def.Name]
	var saved pool
	if old != nil {
		saved = pool{def: old.def, newDef: old.newDef, persistent: old.persistent}
	}
	p, added := d.assign(def, false)
	if err := d.saveConfig(p.persistentDef()); err != nil {
		if added {
			delete(d.pools, def.Name)
		} else {
			p.def, p.newDef, p.persistent = saved.def, saved.newDef, saved.persistent
		}
		return libvirt.StoragePoolDefineXMLRet{}, err
	}
	p.persistent = true
	d.log.Info("Defining storage pool", "pool", def.Name)
	d.publish(p.ref(), libvirt.StoragePoolEventDefined)
	return libvirt.StoragePoolDefineXMLRet{Pool: p.ref()}, nil
}

func (d *Driver) StoragePoolCreateXML(ctx context.Context, a libvirt.StoragePoolCreateXMLArgs) (libvirt.StoragePoolCreateXMLRet, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(createBuildFlags), remote.StoragePoolCreateXML); err != nil {
		return libvirt.StoragePoolCreateXMLRet{}, err
	}
	def, err := parsePool(a.XML)
	if err != nil {
		return libvirt.StoragePoolCreateXMLRet{}, err
	}
	if _, err := backendFor(def.Type); err != nil {
		return libvirt.StoragePoolCreateXMLRet{}, err
	}
	d.mu.Lock()
	if err := d.conflict(def, true); err != nil {
		d.mu.Unlock()
		return libvirt.StoragePoolCreateXMLRet{}, err
	}
	p, _ := d.assign(def, true)
	p.starting = true // from here conflict refuses another start of it
	d.mu.Unlock()
	p.op.Lock()
	defer p.op.Unlock()
	err = d.bringUp(ctx, p, a.Flags)
	if err != nil {
		return libvirt.StoragePoolCreateXMLRet{}, err
	}
	d.log.Info("Creating storage pool", "pool", def.Name)
	return libvirt.StoragePoolCreateXMLRet{Pool: p.ref()}, nil
}

func (d *Driver) StoragePoolCreate(ctx context.Context, a libvirt.StoragePoolCreateArgs) (struct{}, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(createBuildFlags), remote.StoragePoolCreate); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	p, err := d.getPool(a.Pool)
	d.mu.Unlock()
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.startPool(ctx, p, a.Flags)
}

// startPool starts an inactive pool (pool-start, autostart).
func (d *Driver) startPool(ctx context.Context, p *pool, flags libvirt.StoragePoolCreateFlags) error {
	_, err := d.lockOp(p, func(p *pool) error {
		switch {
		case p.active:
			return errAlreadyActive(p.def.Name)
		case p.starting:
			return errStarting(p.def.Name)
		}
		p.starting = true
		return nil
	})
	if err != nil {
		return err
	}
	defer p.op.Unlock()
	d.log.Info("Starting up storage pool", "pool", p.def.Name)
	return d.bringUp(ctx, p, flags)
}

// bringUp builds (if asked), starts and refreshes a pool marked starting, with its op
// lock held, and writes its state file. On failure the pool is inactive again (a
// transient one is gone).
func (d *Driver) bringUp(ctx context.Context, p *pool, flags libvirt.StoragePoolCreateFlags) error {
	def := p.def
	b, _ := backendFor(def.Type)
	err := func() error {
		if flags != 0 {
			var bf libvirt.StoragePoolBuildFlags
			switch {
			case flags&libvirt.StoragePoolCreateWithBuildOverwrite != 0:
				bf = libvirt.StoragePoolBuildOverwrite
			case flags&libvirt.StoragePoolCreateWithBuildNoOverwrite != 0:
				bf = libvirt.StoragePoolBuildNoOverwrite
			}
			if err := b.build(ctx, def, bf); err != nil {
				return err
			}
		}
		if err := b.start(ctx, def); err != nil {
			return err
		}
		if err := d.saveState(def); err != nil {
			return err
		}
		vols, err := b.refresh(ctx, def, nil)
		if err != nil {
			d.removeState(def.Name)
			b.stop(context.WithoutCancel(ctx), def)
			return err
		}
		d.mu.Lock()
		p.vols = vols
		d.mu.Unlock()
		return nil
	}()
	d.mu.Lock()
	defer d.mu.Unlock()
	p.starting = false
	if err != nil {
		d.becameInactive(p)
		return err
	}
	p.active = true
	d.publish(p.ref(), libvirt.StoragePoolEventStarted)
	return nil
}

func (d *Driver) StoragePoolBuild(ctx context.Context, a libvirt.StoragePoolBuildArgs) (struct{}, error) {
	p, def, err := d.beginOp(a.Pool, func(p *pool) error {
		switch {
		case p.active:
			return errAlreadyActive(p.def.Name)
		case p.starting:
			return errStarting(p.def.Name)
		}
		p.starting = true
		return nil
	})
	if err != nil {
		return struct{}{}, err
	}
	defer p.op.Unlock()
	b, _ := backendFor(def.Type)
	err = b.build(ctx, def, a.Flags)
	d.mu.Lock()
	defer d.mu.Unlock()
	p.starting = false
	if err != nil {
		return struct{}{}, err
	}
	d.publish(p.ref(), libvirt.StoragePoolEventCreated)
	return struct{}{}, nil
}

func (d *Driver) StoragePoolDestroy(ctx context.Context, a libvirt.StoragePoolDestroyArgs) (struct{}, error) {
	p, def, err := d.beginOp(a.Pool, func(p *pool) error {
		if !p.active {
			return errNotActive(p.def.Name)
		}
		return p.idle()
	})
	if err != nil {
		return struct{}{}, err
	}
	defer p.op.Unlock()
	d.log.Info("Destroying storage pool", "pool", def.Name)
	d.removeState(def.Name)
	b, _ := backendFor(def.Type)
	if err := b.stop(ctx, def); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p.active = false
	ref := p.ref()
	d.becameInactive(p)
	d.publish(ref, libvirt.StoragePoolEventStopped)
	return struct{}{}, nil
}

func (d *Driver) StoragePoolDelete(ctx context.Context, a libvirt.StoragePoolDeleteArgs) (struct{}, error) {
	p, def, err := d.beginOp(a.Pool, func(p *pool) error {
		if p.active {
			return errStillActive(p.def.Name)
		}
		return p.idle()
	})
	if err != nil {
		return struct{}{}, err
	}
	defer p.op.Unlock()
	d.log.Info("Deleting storage pool", "pool", def.Name)
	d.removeState(def.Name)
	if err := virerror.CheckFlags(uint32(a.Flags), 0, virerror.FromStorage, "virStorageBackendDeleteLocal"); err != nil {
		return struct{}{}, err
	}
	b, _ := backendFor(def.Type)
	if err := b.delete(ctx, def); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	d.publish(p.ref(), libvirt.StoragePoolEventDeleted)
	d.mu.Unlock()
	return struct{}{}, nil
}

func (d *Driver) StoragePoolUndefine(ctx context.Context, a libvirt.StoragePoolUndefineArgs) (struct{}, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(a.Pool)
	if err != nil {
		return struct{}{}, err
	}
	if p.active {
		return struct{}{}, errStillActive(p.def.Name)
	}
	if err := p.idle(); err != nil {
		return struct{}{}, err
	}
	if !p.persistent {
		return struct{}{}, virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "no config file for %s", p.def.Name)
	}
	if err := d.deleteConfig(p.def.Name); err != nil {
		return struct{}{}, err
	}
	d.log.Info("Undefining storage pool", "pool", p.def.Name)
	delete(d.pools, p.def.Name)
	d.publish(p.ref(), libvirt.StoragePoolEventUndefined)
	return struct{}{}, nil
}

func (d *Driver) StoragePoolRefresh(ctx context.Context, a libvirt.StoragePoolRefreshArgs) (struct{}, error) {
	if err := remote.CheckFlags(a.Flags, 0, remote.StoragePoolRefresh); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	p, err := d.getPool(a.Pool)
	d.mu.Unlock()
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.refreshPool(ctx, p, false)
}

// refreshPool lists a pool's volumes again. A failed refresh stops the pool, as in
// libvirt; quiet (the refresh after an upload) skips a busy pool without an error.
func (d *Driver) refreshPool(ctx context.Context, p *pool, quiet bool) error {
	var known probeCache
	def, err := d.lockOp(p, func(p *pool) error {
		if !p.active {
			return errNotActive(p.def.Name)
		}
		known = p.vols.probes()
		return p.idle()
	})
	if err != nil {
		if quiet {
			return nil
		}
		return err
	}
	defer p.op.Unlock()
	b, _ := backendFor(def.Type)
	vols, err := b.refresh(ctx, def, known)
	if err != nil {
		d.removeState(def.Name)
		b.stop(context.WithoutCancel(ctx), def)
		d.mu.Lock()
		defer d.mu.Unlock()
		p.active = false
		ref := p.ref()
		d.becameInactive(p)
		d.publish(ref, libvirt.StoragePoolEventStopped)
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p.vols = vols
	d.publishRefresh(p.ref())
	return nil
}

func (d *Driver) StoragePoolSetAutostart(ctx context.Context, a libvirt.StoragePoolSetAutostartArgs) (struct{}, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(a.Pool)
	if err != nil {
		return struct{}{}, err
	}
	if !p.persistent {
		return struct{}{}, virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "pool has no config file")
	}
	on := a.Autostart != 0
	if on != p.autostart {
		if err := d.setAutostartLink(p.def.Name, on); err != nil {
			return struct{}{}, err
		}
		p.autostart = on
	}
	return struct{}{}, nil
}

// beginOp finds the pool ref names, takes its op lock and runs check on it with d.mu
// held. On success the op lock stays taken, for the caller to release after its work,
// and the pool's current definition is returned.
func (d *Driver) beginOp(ref libvirt.StoragePool, check func(p *pool) error) (*pool, *poolDef, error) {
	d.mu.Lock()
	p, err := d.getPool(ref)
	d.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	def, err := d.lockOp(p, check)
	return p, def, err
}

// lockOp is beginOp for a pool already found.
func (d *Driver) lockOp(p *pool, check func(p *pool) error) (*poolDef, error) {
	p.op.Lock()
	d.mu.Lock()
	err := check(p)
	def := p.def
	d.mu.Unlock()
	if err != nil {
		p.op.Unlock()
		return nil, err
	}
	return def, nil
}
