package storage

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/uuid"
)

func (d *Driver) StoragePoolLookupByName(ctx context.Context, a libvirt.StoragePoolLookupByNameArgs) (libvirt.StoragePoolLookupByNameRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.poolByName(a.Name)
	if err != nil {
		return libvirt.StoragePoolLookupByNameRet{}, err
	}
	return libvirt.StoragePoolLookupByNameRet{Pool: p.ref()}, nil
}

func (d *Driver) StoragePoolLookupByUUID(ctx context.Context, a libvirt.StoragePoolLookupByUUIDArgs) (libvirt.StoragePoolLookupByUUIDRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.pools {
		if p.def.UUID == a.UUID {
			return libvirt.StoragePoolLookupByUUIDRet{Pool: p.ref()}, nil
		}
	}
	return libvirt.StoragePoolLookupByUUIDRet{}, virerror.New(libvirt.ErrNoStoragePool, virerror.FromStorage, "no storage pool with matching uuid '%s'", uuid.Format(a.UUID))
}

func (d *Driver) StoragePoolLookupByVolume(ctx context.Context, a libvirt.StoragePoolLookupByVolumeArgs) (libvirt.StoragePoolLookupByVolumeRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.poolByName(a.Vol.Pool)
	if err != nil {
		return libvirt.StoragePoolLookupByVolumeRet{}, err
	}
	return libvirt.StoragePoolLookupByVolumeRet{Pool: p.ref()}, nil
}

func (d *Driver) StoragePoolLookupByTargetPath(ctx context.Context, a libvirt.StoragePoolLookupByTargetPathArgs) (libvirt.StoragePoolLookupByTargetPathRet, error) {
	clean := sanitizePath(a.Path)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.sortedPools() {
		if p.active && p.def.Target.Path == clean {
			return libvirt.StoragePoolLookupByTargetPathRet{Pool: p.ref()}, nil
		}
	}
	if clean == a.Path {
		return libvirt.StoragePoolLookupByTargetPathRet{}, virerror.New(libvirt.ErrNoStoragePool, virerror.FromStorage, "no storage pool with matching target path '%s'", a.Path)
	}
	return libvirt.StoragePoolLookupByTargetPathRet{}, virerror.New(libvirt.ErrNoStoragePool, virerror.FromStorage, "no storage pool with matching target path '%s' (%s)", a.Path, clean)
}

func (d *Driver) StoragePoolGetInfo(ctx context.Context, a libvirt.StoragePoolGetInfoArgs) (libvirt.StoragePoolGetInfoRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(a.Pool)
	if err != nil {
		return libvirt.StoragePoolGetInfoRet{}, err
	}
	ret := libvirt.StoragePoolGetInfoRet{State: uint8(libvirt.StoragePoolInactive),
		Capacity: p.def.Capacity, Allocation: p.def.Allocation, Available: p.def.Available}
	if p.active {
		ret.State = uint8(libvirt.StoragePoolRunning)
	}
	return ret, nil
}

func (d *Driver) StoragePoolGetXMLDesc(ctx context.Context, a libvirt.StoragePoolGetXMLDescArgs) (libvirt.StoragePoolGetXMLDescRet, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(libvirt.StorageXMLInactive), remote.StoragePoolGetXMLDesc); err != nil {
		return libvirt.StoragePoolGetXMLDescRet{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(a.Pool)
	if err != nil {
		return libvirt.StoragePoolGetXMLDescRet{}, err
	}
	def := p.def
	if a.Flags&libvirt.StorageXMLInactive != 0 && p.newDef != nil {
		def = p.newDef
	}
	return libvirt.StoragePoolGetXMLDescRet{XML: formatPool(def)}, nil
}

func (d *Driver) StoragePoolGetAutostart(ctx context.Context, a libvirt.StoragePoolGetAutostartArgs) (libvirt.StoragePoolGetAutostartRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(a.Pool)
	if err != nil {
		return libvirt.StoragePoolGetAutostartRet{}, err
	}
	return libvirt.StoragePoolGetAutostartRet{Autostart: boolInt(p.autostart)}, nil
}

func (d *Driver) StoragePoolIsActive(ctx context.Context, a libvirt.StoragePoolIsActiveArgs) (libvirt.StoragePoolIsActiveRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(a.Pool)
	if err != nil {
		return libvirt.StoragePoolIsActiveRet{}, err
	}
	return libvirt.StoragePoolIsActiveRet{Active: boolInt(p.active)}, nil
}

func (d *Driver) StoragePoolIsPersistent(ctx context.Context, a libvirt.StoragePoolIsPersistentArgs) (libvirt.StoragePoolIsPersistentRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(a.Pool)
	if err != nil {
		return libvirt.StoragePoolIsPersistentRet{}, err
	}
	return libvirt.StoragePoolIsPersistentRet{Persistent: boolInt(p.persistent)}, nil
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func (d *Driver) ConnectFindStoragePoolSources(ctx context.Context, a libvirt.ConnectFindStoragePoolSourcesArgs) (libvirt.ConnectFindStoragePoolSourcesRet, error) {
	typ := indexOf(poolTypes, a.Type)
	if typ < 0 {
		return libvirt.ConnectFindStoragePoolSourcesRet{}, virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "unknown storage pool type %s", a.Type)
	}
	if _, err := backendFor(typ); err != nil {
		return libvirt.ConnectFindStoragePoolSourcesRet{}, err
	}
	// Neither dir nor fs pools discover sources, in libvirt either.
	return libvirt.ConnectFindStoragePoolSourcesRet{}, virerror.New(libvirt.ErrNoSupport, virerror.FromStorage, "pool type '%s' does not support source discovery", a.Type)
}
