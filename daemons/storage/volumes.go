package storage

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// vol finds the volume a call names, as virStorageVolDefFromVol does: its pool by
// name, which must be active, then the volume by name. Called with d.mu held.
func (d *Driver) vol(ref libvirt.StorageVol) (*pool, *volume, error) {
	p, err := d.poolByName(ref.Pool)
	if err != nil {
		return nil, nil, err
	}
	if !p.active {
		return nil, nil, errNotActive(p.def.Name)
	}
	v := p.vols.byName[ref.Name]
	if v == nil {
		return nil, nil, errNoVol(ref.Name)
	}
	return p, v, nil
}

func errNoVol(name string) error {
	return virerror.New(libvirt.ErrNoStorageVol, virerror.FromStorage, "no storage vol with matching name '%s'", name)
}

func errInUse(name string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "volume '%s' is still in use.", name)
}

func errBuilding(name string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "volume '%s' is still being allocated.", name)
}

func (d *Driver) StorageVolLookupByName(ctx context.Context, a libvirt.StorageVolLookupByNameArgs) (libvirt.StorageVolLookupByNameRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(a.Pool)
	if err != nil {
		return libvirt.StorageVolLookupByNameRet{}, err
	}
	if !p.active {
		return libvirt.StorageVolLookupByNameRet{}, errNotActive(p.def.Name)
	}
	v := p.vols.byName[a.Name]
	if v == nil {
		return libvirt.StorageVolLookupByNameRet{}, errNoVol(a.Name)
	}
	return libvirt.StorageVolLookupByNameRet{Vol: volRef(p.def.Name, v.def)}, nil
}

func (d *Driver) StorageVolLookupByKey(ctx context.Context, a libvirt.StorageVolLookupByKeyArgs) (libvirt.StorageVolLookupByKeyRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.sortedPools() {
		if v := p.vols.byKey[a.Key]; p.active && v != nil {
			return libvirt.StorageVolLookupByKeyRet{Vol: volRef(p.def.Name, v.def)}, nil
		}
	}
	return libvirt.StorageVolLookupByKeyRet{}, virerror.New(libvirt.ErrNoStorageVol, virerror.FromStorage, "no storage vol with matching key %s", a.Key)
}

func (d *Driver) StorageVolLookupByPath(ctx context.Context, a libvirt.StorageVolLookupByPathArgs) (libvirt.StorageVolLookupByPathRet, error) {
	clean := sanitizePath(a.Path)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.sortedPools() {
		if v := p.vols.byPath[clean]; p.active && v != nil {
			return libvirt.StorageVolLookupByPathRet{Vol: volRef(p.def.Name, v.def)}, nil
		}
	}
	if clean == a.Path {
		return libvirt.StorageVolLookupByPathRet{}, virerror.New(libvirt.ErrNoStorageVol, virerror.FromStorage, "no storage vol with matching path '%s'", a.Path)
	}
	return libvirt.StorageVolLookupByPathRet{}, virerror.New(libvirt.ErrNoStorageVol, virerror.FromStorage, "no storage vol with matching path '%s' (%s)", a.Path, clean)
}

func (d *Driver) StorageVolGetInfo(ctx context.Context, a libvirt.StorageVolGetInfoArgs) (libvirt.StorageVolGetInfoRet, error) {
	r, err := d.StorageVolGetInfoFlags(ctx, libvirt.StorageVolGetInfoFlagsArgs{Vol: a.Vol})
	return libvirt.StorageVolGetInfoRet(r), err
}

func (d *Driver) StorageVolGetInfoFlags(ctx context.Context, a libvirt.StorageVolGetInfoFlagsArgs) (libvirt.StorageVolGetInfoFlagsRet, error) {
	if err := remote.CheckFlags(a.Flags, uint32(libvirt.StorageVolGetPhysical), remote.StorageVolGetInfoFlags); err != nil {
		return libvirt.StorageVolGetInfoFlagsRet{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, v, err := d.vol(a.Vol)
	if err != nil {
		return libvirt.StorageVolGetInfoFlagsRet{}, err
	}
	if err := refreshVol(v.def); err != nil {
		return libvirt.StorageVolGetInfoFlagsRet{}, err
	}
	t := &v.def.Target
	ret := libvirt.StorageVolGetInfoFlagsRet{Type: int8(v.def.Type), Capacity: t.Capacity, Allocation: t.Allocation}
	if a.Flags&uint32(libvirt.StorageVolGetPhysical) != 0 {
		ret.Allocation = t.Physical
	}
	return ret, nil
}

func (d *Driver) StorageVolGetXMLDesc(ctx context.Context, a libvirt.StorageVolGetXMLDescArgs) (libvirt.StorageVolGetXMLDescRet, error) {
	if err := remote.CheckFlags(a.Flags, 0, remote.StorageVolGetXMLDesc); err != nil {
		return libvirt.StorageVolGetXMLDescRet{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, v, err := d.vol(a.Vol)
	if err != nil {
		return libvirt.StorageVolGetXMLDescRet{}, err
	}
	if err := refreshVol(v.def); err != nil {
		return libvirt.StorageVolGetXMLDescRet{}, err
	}
	return libvirt.StorageVolGetXMLDescRet{XML: formatVol(p.def.Type, v.def)}, nil
}

func (d *Driver) StorageVolGetPath(ctx context.Context, a libvirt.StorageVolGetPathArgs) (libvirt.StorageVolGetPathRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, v, err := d.vol(a.Vol)
	if err != nil {
		return libvirt.StorageVolGetPathRet{}, err
	}
	return libvirt.StorageVolGetPathRet{Name: v.def.Target.Path}, nil
}
