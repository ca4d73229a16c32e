package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// withVolumePaths returns def for the command line, with every <disk type='volume'>
// resolved to the file or block device of its volume, as libvirt's
// virDomainStorageSourceTranslateSourcePool does at start: through the storage
// driver (virtstoraged's socket from virtqemud, in-process in libvirtd), the pool by
// name, which must be active, then the volume, its type and its path. The live
// definition keeps <source pool= volume=>; def itself is returned when it has no
// volume disks.
func (d *Driver) withVolumePaths(ctx context.Context, def *libvirtxml.Domain) (*libvirtxml.Domain, error) {
	if def.Devices == nil || !hasVolumeDisk(def.Devices.Disks) {
		return def, nil
	}
	out, err := copyDefinition(def)
	if err != nil {
		return nil, err
	}
	c, err := d.env.Connect(ctx, "storage")
	if err != nil {
		return nil, err
	}
	for i := range out.Devices.Disks {
		src := out.Devices.Disks[i].Source
		if src == nil || src.Volume == nil {
			continue
		}
		path, volType, err := resolveVolume(ctx, c, src.Volume.Pool, src.Volume.Volume)
		if err != nil {
			return nil, err
		}
		switch volType {
		case 0, 5: // file, ploop
			src.File = &libvirtxml.DomainDiskSourceFile{File: path}
		case 1: // block
			src.Block = &libvirtxml.DomainDiskSourceBlock{Dev: path}
		default:
			return nil, unsupported("volume '%s' of pool '%s': a volume of type %d as a disk", src.Volume.Volume, src.Volume.Pool, volType)
		}
		src.Volume = nil
	}
	return out, nil
}

// withVolumeStandIns is def with each volume disk as a file disk of a path no start
// would use, for the define-time check of the command line: which file a volume is
// only a start decides.
func withVolumeStandIns(def *libvirtxml.Domain) (*libvirtxml.Domain, error) {
	if def.Devices == nil || !hasVolumeDisk(def.Devices.Disks) {
		return def, nil
	}
	out, err := copyDefinition(def)
	if err != nil {
		return nil, err
	}
	for i := range out.Devices.Disks {
		if src := out.Devices.Disks[i].Source; src != nil && src.Volume != nil {
			src.File = &libvirtxml.DomainDiskSourceFile{File: "/nonexistent/volume"}
			src.Volume = nil
		}
	}
	return out, nil
}

func hasVolumeDisk(disks []libvirtxml.DomainDisk) bool {
	for _, disk := range disks {
		if disk.Source != nil && disk.Source.Volume != nil {
			return true
		}
	}
	return false
}

// resolveVolume asks the storage driver for a volume's path and type.
func resolveVolume(ctx context.Context, c rpc.Caller, poolName, volName string) (string, int8, error) {
	call := func(p remote.Proc, args, ret any) error { return c.Call(ctx, remote.Program, int32(p), args, ret) }
	var pool libvirt.StoragePoolLookupByNameRet
	if err := call(remote.StoragePoolLookupByName, libvirt.StoragePoolLookupByNameArgs{Name: poolName}, &pool); err != nil {
		return "", 0, err
	}
	var active libvirt.StoragePoolIsActiveRet
	if err := call(remote.StoragePoolIsActive, libvirt.StoragePoolIsActiveArgs(pool), &active); err != nil {
		return "", 0, err
	}
	if active.Active != 1 {
		return "", 0, virerror.New(libvirt.ErrConfigUnsupported, virerror.FromDomain, "storage pool '%s' containing volume '%s' is not active", poolName, volName)
	}
	var vol libvirt.StorageVolLookupByNameRet
	if err := call(remote.StorageVolLookupByName, libvirt.StorageVolLookupByNameArgs{Pool: pool.Pool, Name: volName}, &vol); err != nil {
		return "", 0, err
	}
	var info libvirt.StorageVolGetInfoRet
	if err := call(remote.StorageVolGetInfo, libvirt.StorageVolGetInfoArgs(vol), &info); err != nil {
		return "", 0, err
	}
	var path libvirt.StorageVolGetPathRet
	if err := call(remote.StorageVolGetPath, libvirt.StorageVolGetPathArgs(vol), &path); err != nil {
		return "", 0, err
	}
	return path.Name, info.Type, nil
}
