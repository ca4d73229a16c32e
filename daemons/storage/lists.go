package storage

import (
	"context"
	"sort"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// maxPoolNames and maxVolNames are REMOTE_STORAGE_POOL_LIST_MAX and
// REMOTE_STORAGE_VOL_LIST_MAX.
const (
	maxPoolNames = 16384
	maxVolNames  = 16384
)

// sortedPools are the pools in name order. Called with d.mu held.
func (d *Driver) sortedPools() []*pool {
	out := make([]*pool, 0, len(d.pools))
	for _, p := range d.pools {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].def.Name < out[j].def.Name })
	return out
}

func (d *Driver) countPools(active bool) int32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := int32(0)
	for _, p := range d.pools {
		if p.active == active {
			n++
		}
	}
	return n
}

func (d *Driver) poolNames(active bool, max int32) ([]string, error) {
	if max < 0 || max > maxPoolNames {
		return nil, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "maxnames > REMOTE_STORAGE_POOL_LIST_MAX")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, p := range d.sortedPools() {
		if p.active == active && len(out) < int(max) {
			out = append(out, p.def.Name)
		}
	}
	return out, nil
}

func (d *Driver) ConnectNumOfStoragePools(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfStoragePoolsRet, error) {
	return libvirt.ConnectNumOfStoragePoolsRet{Num: d.countPools(true)}, nil
}

func (d *Driver) ConnectNumOfDefinedStoragePools(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDefinedStoragePoolsRet, error) {
	return libvirt.ConnectNumOfDefinedStoragePoolsRet{Num: d.countPools(false)}, nil
}

func (d *Driver) ConnectListStoragePools(ctx context.Context, a libvirt.ConnectListStoragePoolsArgs) (libvirt.ConnectListStoragePoolsRet, error) {
	n, err := d.poolNames(true, a.Maxnames)
	return libvirt.ConnectListStoragePoolsRet{Names: n}, err
}

func (d *Driver) ConnectListDefinedStoragePools(ctx context.Context, a libvirt.ConnectListDefinedStoragePoolsArgs) (libvirt.ConnectListDefinedStoragePoolsRet, error) {
	n, err := d.poolNames(false, a.Maxnames)
	return libvirt.ConnectListDefinedStoragePoolsRet{Names: n}, err
}

// The filter groups of virConnectListAllStoragePools.
const (
	listActive     = libvirt.ConnectListStoragePoolsActive | libvirt.ConnectListStoragePoolsInactive
	listPersistent = libvirt.ConnectListStoragePoolsPersistent | libvirt.ConnectListStoragePoolsTransient
	listAutostart  = libvirt.ConnectListStoragePoolsAutostart | libvirt.ConnectListStoragePoolsNoAutostart
)

// listTypeFlags are the type filters, by pool type.
var listTypeFlags = [...]libvirt.ConnectListAllStoragePoolsFlags{
	poolDir: libvirt.ConnectListStoragePoolsDir, poolFS: libvirt.ConnectListStoragePoolsFs,
	poolNetFS: libvirt.ConnectListStoragePoolsNetfs, poolLogical: libvirt.ConnectListStoragePoolsLogical,
	poolDisk: libvirt.ConnectListStoragePoolsDisk, poolISCSI: libvirt.ConnectListStoragePoolsIscsi,
	poolISCSIDirect: libvirt.ConnectListStoragePoolsIscsiDirect, poolSCSI: libvirt.ConnectListStoragePoolsScsi,
	poolMpath: libvirt.ConnectListStoragePoolsMpath, poolRBD: libvirt.ConnectListStoragePoolsRbd,
	poolSheepdog: libvirt.ConnectListStoragePoolsSheepdog, poolGluster: libvirt.ConnectListStoragePoolsGluster,
	poolZFS: libvirt.ConnectListStoragePoolsZfs, poolVstorage: libvirt.ConnectListStoragePoolsVstorage,
}

// matchGroup applies one filter group, as virStoragePoolObjMatch does: with none of
// its flags set it passes every pool.
func matchGroup(flags, group, yes libvirt.ConnectListAllStoragePoolsFlags, v bool) bool {
	if flags&group == 0 {
		return true
	}
	return (flags&yes != 0 && v) || (flags&(group&^yes) != 0 && !v)
}

func (d *Driver) ConnectListAllStoragePools(ctx context.Context, a libvirt.ConnectListAllStoragePoolsArgs) (libvirt.ConnectListAllStoragePoolsRet, error) {
	var types libvirt.ConnectListAllStoragePoolsFlags
	for _, f := range listTypeFlags {
		types |= f
	}
	if err := remote.CheckFlags(uint32(a.Flags), uint32(listActive|listPersistent|listAutostart|types), remote.ConnectListAllStoragePools); err != nil {
		return libvirt.ConnectListAllStoragePoolsRet{}, err
	}
	f := a.Flags
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []libvirt.StoragePool
	for _, p := range d.sortedPools() {
		if matchGroup(f, listActive, libvirt.ConnectListStoragePoolsActive, p.active) &&
			matchGroup(f, listPersistent, libvirt.ConnectListStoragePoolsPersistent, p.persistent) &&
			matchGroup(f, listAutostart, libvirt.ConnectListStoragePoolsAutostart, p.autostart) &&
			(f&types == 0 || f&listTypeFlags[p.def.Type] != 0) {
			out = append(out, p.ref())
		}
	}
	ret := libvirt.ConnectListAllStoragePoolsRet{Ret: uint32(len(out))}
	if a.NeedResults != 0 {
		ret.Pools = out
	}
	return ret, nil
}

// activeVols returns an active pool's volumes in name order.
func (d *Driver) activeVols(ref libvirt.StoragePool) (string, []*volume, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.getPool(ref)
	if err != nil {
		return "", nil, err
	}
	if !p.active {
		return "", nil, errNotActive(p.def.Name)
	}
	return p.def.Name, p.vols.sorted(), nil
}

func (d *Driver) StoragePoolNumOfVolumes(ctx context.Context, a libvirt.StoragePoolNumOfVolumesArgs) (libvirt.StoragePoolNumOfVolumesRet, error) {
	_, vols, err := d.activeVols(a.Pool)
	return libvirt.StoragePoolNumOfVolumesRet{Num: int32(len(vols))}, err
}

func (d *Driver) StoragePoolListVolumes(ctx context.Context, a libvirt.StoragePoolListVolumesArgs) (libvirt.StoragePoolListVolumesRet, error) {
	if a.Maxnames < 0 || a.Maxnames > maxVolNames {
		return libvirt.StoragePoolListVolumesRet{}, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "maxnames > REMOTE_STORAGE_VOL_LIST_MAX")
	}
	_, vols, err := d.activeVols(a.Pool)
	if err != nil {
		return libvirt.StoragePoolListVolumesRet{}, err
	}
	var names []string
	for _, v := range vols {
		if len(names) < int(a.Maxnames) {
			names = append(names, v.def.Name)
		}
	}
	return libvirt.StoragePoolListVolumesRet{Names: names}, nil
}

func (d *Driver) StoragePoolListAllVolumes(ctx context.Context, a libvirt.StoragePoolListAllVolumesArgs) (libvirt.StoragePoolListAllVolumesRet, error) {
	if err := remote.CheckFlags(a.Flags, 0, remote.StoragePoolListAllVolumes); err != nil {
		return libvirt.StoragePoolListAllVolumesRet{}, err
	}
	name, vols, err := d.activeVols(a.Pool)
	if err != nil {
		return libvirt.StoragePoolListAllVolumesRet{}, err
	}
	ret := libvirt.StoragePoolListAllVolumesRet{Ret: uint32(len(vols))}
	if a.NeedResults != 0 {
		ret.Vols = make([]libvirt.StorageVol, len(vols))
		for i, v := range vols {
			ret.Vols[i] = volRef(name, v.def)
		}
	}
	return ret, nil
}

func volRef(pool string, v *volDef) libvirt.StorageVol {
	return libvirt.StorageVol{Pool: pool, Name: v.Name, Key: v.Key}
}
