package storage

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/uuid"
)

// getPool finds the pool a call names, by UUID as virStoragePoolObjFromStoragePool
// does. Called with d.mu held.
func (d *Driver) getPool(ref libvirt.StoragePool) (*pool, error) {
	for _, p := range d.pools {
		if p.def.UUID == ref.UUID {
			return p, nil
		}
	}
	return nil, virerror.New(libvirt.ErrNoStoragePool, virerror.FromStorage, "no storage pool with matching uuid '%s' (%s)", uuid.Format(ref.UUID), ref.Name)
}

// poolByName finds a pool by name. Called with d.mu held.
func (d *Driver) poolByName(name string) (*pool, error) {
	if p := d.pools[name]; p != nil {
		return p, nil
	}
	return nil, virerror.New(libvirt.ErrNoStoragePool, virerror.FromStorage, "no storage pool with matching name '%s'", name)
}

func errNotActive(name string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "storage pool '%s' is not active", name)
}

func errAlreadyActive(name string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "storage pool '%s' is already active", name)
}

func errStillActive(name string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "storage pool '%s' is still active", name)
}

func errStarting(name string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "storage pool '%s' is starting up", name)
}

func errAsyncJobs(name string) error {
	return virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "pool '%s' has asynchronous jobs running.", name)
}

// idle fails unless the pool is free for a stop, refresh, delete or undefine: not
// starting and no volume job running. Called with d.mu held.
func (p *pool) idle() error {
	if p.starting {
		return errStarting(p.def.Name)
	}
	if p.asyncJobs > 0 {
		return errAsyncJobs(p.def.Name)
	}
	return nil
}

// conflict is virStoragePoolObjListAdd's checks: no other pool may use the same
// storage, a UUID belongs to one name and a name to one UUID, and with live a pool may
// not be started twice. Called with d.mu held.
func (d *Driver) conflict(def *poolDef, live bool) error {
	for name, p := range d.pools {
		if name != def.Name && sameSource(p.def, def) {
			return virerror.New(libvirt.ErrOperationFailed, virerror.FromStorage, "Storage source conflict with pool: '%s'", name)
		}
	}
	for _, p := range d.pools {
		if p.def.UUID != def.UUID {
			continue
		}
		if p.def.Name != def.Name {
			return virerror.New(libvirt.ErrOperationFailed, virerror.FromStorage, "pool '%s' is already defined with uuid %s", p.def.Name, uuid.Format(p.def.UUID))
		}
		if live && p.active {
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "pool is already active as '%s'", p.def.Name)
		}
		if live && p.starting {
			return errStarting(p.def.Name)
		}
		return nil
	}
	if p := d.pools[def.Name]; p != nil {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromStorage, "pool '%s' already exists with uuid %s", def.Name, uuid.Format(p.def.UUID))
	}
	return nil
}

// sameSource reports whether two pools would use the same storage
// (virStoragePoolObjSourceFindDuplicateCb): dir pools by target directory, pools on
// devices by device.
func sameSource(a, b *poolDef) bool {
	onDevice := func(t int) bool {
		return t == poolISCSI || t == poolFS || t == poolLogical || t == poolDisk || t == poolZFS
	}
	switch {
	case a.Type == poolDir:
		return b.Type == poolDir && a.Target.Path == b.Target.Path
	case a.Type == poolNetFS || a.Type == poolGluster:
		return b.Type == a.Type && a.Source.Dir == b.Source.Dir && sameHost(a.Source, b.Source)
	case onDevice(a.Type) && onDevice(b.Type):
		if (a.Type == poolISCSI) != (b.Type == poolISCSI) {
			return false
		}
		for _, x := range a.Source.Devices {
			for _, y := range b.Source.Devices {
				if x.Path == y.Path {
					return true
				}
			}
		}
	case a.Type == poolMpath:
		return b.Type == poolMpath
	}
	return false
}

func sameHost(a, b poolSource) bool {
	if len(a.Hosts) != 1 || len(b.Hosts) != 1 {
		return false
	}
	if b.Hosts[0].Port != 0 && a.Hosts[0].Port != b.Hosts[0].Port {
		return false
	}
	return a.Hosts[0].Name == b.Hosts[0].Name
}

// assign puts def into the list as virStoragePoolObjListAdd and AssignDef do, after
// conflict passed, and returns the pool. A definition for an active (or starting)
// pool waits as its next persistent one; with live (a start of this definition) an
// inactive pool's persistent definition is kept aside for when it stops. Called with
// d.mu held.
func (d *Driver) assign(def *poolDef, live bool) (p *pool, added bool) {
	p = d.pools[def.Name]
	if p == nil {
		p = &pool{def: def, vols: newVolSet()}
		d.pools[def.Name] = p
		return p, true
	}
	if p.active || p.starting {
		p.newDef = def
		return p, false
	}
	if live && p.newDef == nil {
		p.newDef = p.def
	}
	p.def = def
	return p, false
}
