package storage

import (
	"context"
	"errors"
	"os"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// placeVol gives a new volume of a local pool its type, path and key, as
// virStorageBackendVolCreateLocal does: the file is NAME in the target directory, a
// name may not leave it, and the file must not exist yet.
func placeVol(def *poolDef, v *volDef) error {
	switch v.Target.Format {
	case fmtDir:
		v.Type = volDirType
	case fmtPloop:
		v.Type = 5
	default:
		v.Type = volFile
	}
	if strings.Contains(v.Name, "/") {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "volume name '%s' cannot contain '/'", v.Name)
	}
	v.Target.Path = def.Target.Path + "/" + v.Name
	if _, err := os.Lstat(v.Target.Path); err == nil || !errors.Is(err, os.ErrNotExist) {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "volume target path '%s' already exists", v.Target.Path)
	}
	v.Key = v.Target.Path
	return nil
}

// buildVol makes a new volume's file (storageBackendVolBuildLocal): raw files
// directly, directories with mkdir, every other format with qemu-img, converted from
// input when given.
func buildVol(ctx context.Context, def *poolDef, v, input *volDef, flags libvirt.StorageVolCreateFlags) error {
	if v.Encrypted || (input != nil && input.Encrypted) {
		return unsupportedConfig("storage pool does not support encrypted volumes")
	}
	switch {
	case input != nil && (v.Target.Format != fmtRaw || input.Target.Format != fmtRaw):
		return qemuImgBuild(ctx, def, v, input, flags)
	case input != nil || v.Target.Format == fmtRaw:
		return createRaw(v, input, flags)
	case v.Target.Format == fmtDir:
		return createDir(v, flags)
	case v.Target.Format == fmtPloop:
		return virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "unable to find ploop, please install ploop tools")
	}
	return qemuImgBuild(ctx, def, v, nil, flags)
}

func createDir(v *volDef, flags libvirt.StorageVolCreateFlags) error {
	if err := virerror.CheckFlags(uint32(flags), 0, virerror.FromStorage, "createFileDir"); err != nil {
		return err
	}
	if v.Backing != nil {
		return virerror.New(libvirt.ErrNoSupport, virerror.FromStorage, "backing storage not supported for directories volumes")
	}
	mode := defaultVolMode
	if v.Target.Perms.Mode != -1 {
		mode = v.Target.Perms.Mode
	}
	if err := os.Mkdir(v.Target.Path, os.FileMode(mode)); err != nil {
		return sysErr(err, "failed to create directory '%s'", v.Target.Path)
	}
	if err := setOwnerMode(v.Target.Path, v.Target.Perms.UID, v.Target.Perms.GID, mode); err != nil {
		os.Remove(v.Target.Path)
		return err
	}
	return nil
}

// qemuImgBuild runs qemu-img for a volume, then gives the file the owner and mode the
// definition asks for (virStorageBackendCreateExecCommand). A file qemu-img left behind
// after failing is removed: the path was free before.
func qemuImgBuild(ctx context.Context, def *poolDef, v, input *volDef, flags libvirt.StorageVolCreateFlags) error {
	allowed := libvirt.StorageVolCreatePreallocMetadata
	if err := virerror.CheckFlags(uint32(flags), uint32(allowed), virerror.FromStorage, "storageBackendCreateQemuImg"); err != nil {
		return err
	}
	bin, err := qemuImg()
	if err != nil {
		return err
	}
	argv, err := qemuImgArgs(bin, def.Target.Path, v, input, flags&libvirt.StorageVolCreatePreallocMetadata != 0)
	if err != nil {
		return err
	}
	if _, err := run(ctx, argv...); err != nil {
		os.Remove(v.Target.Path)
		return err
	}
	mode := defaultVolMode
	if v.Target.Perms.Mode != -1 {
		mode = v.Target.Perms.Mode
	}
	if err := setOwnerMode(v.Target.Path, v.Target.Perms.UID, v.Target.Perms.GID, mode); err != nil {
		os.Remove(v.Target.Path)
		return err
	}
	return nil
}

func (d *Driver) StorageVolCreateXML(ctx context.Context, a libvirt.StorageVolCreateXMLArgs) (libvirt.StorageVolCreateXMLRet, error) {
	const allowed = libvirt.StorageVolCreatePreallocMetadata | libvirt.StorageVolCreateValidate
	if err := remote.CheckFlags(uint32(a.Flags), uint32(allowed), remote.StorageVolCreateXML); err != nil {
		return libvirt.StorageVolCreateXMLRet{}, err
	}
	d.mu.Lock()
	p, err := d.getPool(a.Pool)
	if err == nil && !p.active {
		err = errNotActive(p.def.Name)
	}
	d.mu.Unlock()
	if err != nil {
		return libvirt.StorageVolCreateXMLRet{}, err
	}
	v, err := parseVol(a.XML, p.def.Type, capacityOptional)
	if err != nil {
		return libvirt.StorageVolCreateXMLRet{}, err
	}
	vol, def, err := d.register(p, v)
	if err != nil {
		return libvirt.StorageVolCreateXMLRet{}, err
	}
	err = buildVol(ctx, def, v, nil, a.Flags&^libvirt.StorageVolCreateValidate)
	return d.finishBuild(p, vol, def, err)
}

// register adds a new volume to an active pool, marked as building, with the pool's
// op lock held so that no refresh runs meanwhile; the build runs after, unlocked.
func (d *Driver) register(p *pool, v *volDef) (*volume, *poolDef, error) {
	p.op.Lock()
	defer p.op.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !p.active {
		return nil, nil, errNotActive(p.def.Name)
	}
	if p.vols.byName[v.Name] != nil {
		return nil, nil, virerror.New(libvirt.ErrStorageVolExist, virerror.FromStorage, "'%s'", v.Name)
	}
	v.Key = "" // the pool makes the key
	if err := placeVol(p.def, v); err != nil {
		return nil, nil, err
	}
	vol := &volume{def: v, building: true}
	if !p.vols.add(vol) {
		return nil, nil, virerror.New(libvirt.ErrStorageVolExist, virerror.FromStorage, "'%s'", v.Name)
	}
	p.asyncJobs++
	return vol, p.def, nil
}

// finishBuild ends a volume's build: on success the volume is looked at and counted
// in the pool's allocation; on failure it is gone, file and all.
func (d *Driver) finishBuild(p *pool, vol *volume, def *poolDef, err error) (libvirt.StorageVolCreateXMLRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p.asyncJobs--
	vol.building = false
	if err == nil {
		if err = refreshVol(vol.def); err != nil {
			removeVolFile(vol.def)
		}
	}
	if err != nil {
		p.vols.remove(vol)
		return libvirt.StorageVolCreateXMLRet{}, err
	}
	def.Allocation += vol.def.Target.Allocation
	def.Available -= min(def.Available, vol.def.Target.Allocation)
	d.log.Info("Creating volume", "volume", vol.def.Name, "pool", def.Name)
	return libvirt.StorageVolCreateXMLRet{Vol: volRef(def.Name, vol.def)}, nil
}

func (d *Driver) StorageVolCreateXMLFrom(ctx context.Context, a libvirt.StorageVolCreateXMLFromArgs) (libvirt.StorageVolCreateXMLFromRet, error) {
	const allowed = libvirt.StorageVolCreatePreallocMetadata | libvirt.StorageVolCreateReflink | libvirt.StorageVolCreateValidate
	if err := remote.CheckFlags(uint32(a.Flags), uint32(allowed), remote.StorageVolCreateXMLFrom); err != nil {
		return libvirt.StorageVolCreateXMLFromRet{}, err
	}
	d.mu.Lock()
	p, err := d.clonePools(a)
	if err != nil {
		d.mu.Unlock()
		return libvirt.StorageVolCreateXMLFromRet{}, err
	}
	poolType := p.def.Type
	d.mu.Unlock()
	v, err := parseVol(a.XML, poolType, capacityIgnored)
	if err != nil {
		return libvirt.StorageVolCreateXMLFromRet{}, err
	}
	d.mu.Lock()
	srcPool, srcVol, err := d.vol(a.Clonevol)
	switch {
	case err != nil:
	case p.vols.byName[v.Name] != nil:
		err = virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "storage volume name '%s' already in use.", v.Name)
	case srcVol.building:
		err = errBuilding(srcVol.def.Name)
	default:
		err = refreshVol(srcVol.def)
	}
	if err != nil {
		d.mu.Unlock()
		return libvirt.StorageVolCreateXMLFromRet{}, err
	}
	if v.Target.Capacity < srcVol.def.Target.Capacity {
		v.Target.Capacity = srcVol.def.Target.Capacity
	}
	if !v.HasAllocation {
		v.Target.Allocation = v.Target.Capacity
	}
	input := copyVolDef(srcVol.def)
	srcVol.inUse++
	srcPool.asyncJobs++
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		srcVol.inUse--
		srcPool.asyncJobs--
		d.mu.Unlock()
	}()
	vol, def, err := d.register(p, v)
	if err != nil {
		return libvirt.StorageVolCreateXMLFromRet{}, err
	}
	err = buildVol(ctx, def, v, input, a.Flags&^libvirt.StorageVolCreateValidate)
	ret, err := d.finishBuild(p, vol, def, err)
	return libvirt.StorageVolCreateXMLFromRet(ret), err
}

// clonePools checks the pools of a clone, the target (returned) by UUID and the
// source by name: both must be active. Called with d.mu held.
func (d *Driver) clonePools(a libvirt.StorageVolCreateXMLFromArgs) (*pool, error) {
	p, err := d.getPool(a.Pool)
	if err != nil {
		return nil, err
	}
	src := p
	if a.Clonevol.Pool != p.def.Name {
		if src = d.pools[a.Clonevol.Pool]; src == nil {
			return nil, virerror.New(libvirt.ErrNoStoragePool, virerror.FromStorage, "no storage pool with matching name '%s'", a.Clonevol.Pool)
		}
	}
	if !p.active {
		return nil, errNotActive(p.def.Name)
	}
	if !src.active {
		return nil, errNotActive(src.def.Name)
	}
	return p, nil
}

// copyVolDef copies what a build reads from its source volume.
func copyVolDef(v *volDef) *volDef {
	c := *v
	if v.Backing != nil {
		b := *v.Backing
		c.Backing = &b
	}
	return &c
}

// removeVolFile deletes a volume's file or directory; one already gone is no error.
func removeVolFile(v *volDef) error {
	var err error
	switch v.Type {
	case volFile, volDirType:
	default:
		return virerror.New(libvirt.ErrNoSupport, virerror.FromStorage, "removing block or network volumes is not supported: %s", v.Target.Path)
	}
	if v.Type == volDirType {
		err = removeDir(v.Target.Path)
	} else {
		err = os.Remove(v.Target.Path)
	}
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if v.Type == volDirType {
		return sysErr(err, "cannot remove directory '%s'", v.Target.Path)
	}
	return sysErr(err, "cannot unlink file '%s'", v.Target.Path)
}
