package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/atomicfile"
)

// Driver is the storage driver: the pools it knows and their volumes.
type Driver struct {
	env   *driver.Env
	log   *slog.Logger
	paths paths
	// lock is driver.pid, held locked for the driver's life.
	lock *os.File

	mu    sync.Mutex
	pools map[string]*pool // by name; guarded by mu
}

var _ driver.Storage = (*Driver)(nil)

// New loads the pools as libvirt's storageStateInitialize does: the live state of the
// pools that were active, the persistent definitions, then a check of each pool's
// storage — a pool whose storage is there is active (and refreshed), one whose target
// vanished is inactive, never an error — and, once per host boot, the start of the
// pools marked for autostart.
func New(ctx context.Context, env *driver.Env) (driver.Driver, error) {
	d := &Driver{env: env, log: env.Logger("storage"), paths: pathsFor(env.Paths), pools: map[string]*pool{}}
	if err := os.MkdirAll(d.paths.state, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create directory %s: %w", d.paths.state, err)
	}
	if err := d.acquire(); err != nil {
		return nil, err
	}
	for _, dir := range []string{d.paths.config, d.paths.autostart, d.paths.state} {
		if err := atomicfile.Sweep(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			d.log.Warn("cannot remove what interrupted writes left", "dir", dir, "err", err)
		}
	}
	d.loadStates()
	d.loadConfigs()
	d.updateAll(ctx)
	d.autostart(ctx)
	return d, nil
}

// acquire takes driver.pid: another daemon managing the same pools is refused.
func (d *Driver) acquire() error {
	path := d.paths.pidFile()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("Failed to open pid file '%s': %w", path, err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		f.Close()
		return fmt.Errorf("Failed to acquire pid file '%s': %s", path, virerror.Strerror(err))
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())), 0)
	}
	d.lock = f
	return nil
}

// Close releases driver.pid. Pools stay as they are: mounted, their files in place.
func (d *Driver) Close() error {
	if d.lock != nil {
		return d.lock.Close()
	}
	return nil
}

// loadStates reads the live state of the pools that were active.
func (d *Driver) loadStates() {
	names, err := xmlFiles(d.paths.state)
	if err != nil {
		d.log.Warn("cannot read pool states", "dir", d.paths.state, "err", err)
	}
	for _, name := range names {
		def, err := readState(d.paths.stateFile(name))
		if err == nil && def.Name != name {
			err = fmt.Errorf("Storage pool state file '%s' does not match pool name '%s'", d.paths.stateFile(name), def.Name)
		}
		if err == nil {
			err = d.conflict(def, true)
		}
		if err != nil {
			d.log.Warn("skipping pool state", "file", d.paths.stateFile(name), "err", err)
			continue
		}
		d.pools[name] = &pool{def: def, active: true, vols: newVolSet()}
	}
}

// loadConfigs reads the persistent definitions and their autostart links.
func (d *Driver) loadConfigs() {
	names, err := xmlFiles(d.paths.config)
	if err != nil {
		d.log.Warn("cannot read pool definitions", "dir", d.paths.config, "err", err)
	}
	for _, name := range names {
		path := d.paths.configFile(name)
		b, err := os.ReadFile(path)
		var def *poolDef
		if err == nil {
			def, err = parsePool(string(b))
		}
		if err == nil && def.Name != name {
			err = fmt.Errorf("Storage pool config filename '%s' does not match pool name '%s'", path, def.Name)
		}
		if err == nil {
			err = d.conflict(def, false)
		}
		if err != nil {
			d.log.Warn("skipping pool definition", "file", path, "err", err)
			continue
		}
		p := d.pools[name]
		if p == nil {
			p = &pool{def: def, vols: newVolSet()}
			d.pools[name] = p
		} else {
			p.newDef = def // the running pool keeps its live definition
		}
		p.persistent = true
		p.autostart = linkPointsTo(d.paths.autostartLink(name), path)
	}
}

// updateAll checks every pool's storage, as storagePoolUpdateAllState does. libvirt
// counts a dir pool whose directory exists as active, whatever it was before the
// daemon stopped, and an fs pool whose device is mounted on the target; virtunit
// does the same.
func (d *Driver) updateAll(ctx context.Context) {
	for name, p := range d.pools {
		b, err := backendFor(p.def.Type)
		active := false
		if err == nil {
			active, err = b.check(p.def)
		}
		if err != nil {
			d.log.Error("Failed to initialize storage pool", "pool", name, "err", err)
			d.removeState(name)
			active = false
		}
		if active {
			vols, err := b.refresh(ctx, p.def, nil)
			if err != nil {
				d.log.Error("Failed to restart storage pool", "pool", name, "err", err)
				active = false
			} else {
				p.vols = vols
			}
		}
		p.active = active
		if !active {
			d.removeState(name)
			d.becameInactive(p)
		}
	}
}

// becameInactive drops a transient pool that stopped and makes a pending persistent
// definition current, as virStoragePoolUpdateInactive does. Called with d.mu held
// (or before the driver serves).
func (d *Driver) becameInactive(p *pool) {
	p.vols = newVolSet()
	switch {
	case !p.persistent:
		if d.pools[p.def.Name] == p {
			delete(d.pools, p.def.Name)
		}
	case p.newDef != nil:
		p.def, p.newDef = p.newDef, nil
	}
}

// autostart starts, once per host boot, the inactive pools marked for autostart.
func (d *Driver) autostart(ctx context.Context) {
	marker := d.paths.autostarted()
	if _, err := os.Stat(marker); err == nil {
		return
	}
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		d.log.Warn("cannot mark autostart done", "file", marker, "err", err)
	}
	for name, p := range d.pools {
		if !p.autostart || p.active {
			continue
		}
		if err := d.startPool(ctx, p, 0); err != nil {
			d.log.Error("Failed to autostart storage pool", "pool", name, "err", err)
		}
	}
}

// publish sends a pool lifecycle event to the registered callbacks.
func (d *Driver) publish(ref libvirt.StoragePool, event libvirt.StoragePoolEventLifecycleType) {
	d.env.Events.Publish(rpc.Event{
		Family:  remote.StoragePoolEvents,
		ID:      int32(libvirt.StoragePoolEventIDLifecycle),
		Key:     remote.UUIDKey(ref.UUID),
		Program: remote.Program,
		Proc:    int32(remote.StoragePoolEventLifecycle),
		Body: func(cb int32) any {
			return libvirt.StoragePoolEventLifecycleMsg{CallbackID: cb, Pool: ref, Event: int32(event)}
		},
	})
}

// publishRefresh sends a pool refresh event.
func (d *Driver) publishRefresh(ref libvirt.StoragePool) {
	d.env.Events.Publish(rpc.Event{
		Family:  remote.StoragePoolEvents,
		ID:      int32(libvirt.StoragePoolEventIDRefresh),
		Key:     remote.UUIDKey(ref.UUID),
		Program: remote.Program,
		Proc:    int32(remote.StoragePoolEventRefresh),
		Body: func(cb int32) any {
			return libvirt.StoragePoolEventRefreshMsg{CallbackID: cb, Pool: ref}
		},
	})
}
