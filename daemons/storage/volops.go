package storage

import (
	"context"
	"fmt"
	"os"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

func (d *Driver) StorageVolDelete(ctx context.Context, a libvirt.StorageVolDeleteArgs) (struct{}, error) {
	d.mu.Lock()
	p, _, err := d.vol(a.Vol)
	d.mu.Unlock()
	if err != nil {
		return struct{}{}, err
	}
	p.op.Lock() // no refresh may list the file while it goes
	defer p.op.Unlock()
	d.mu.Lock()
	_, v, err := d.vol(a.Vol)
	switch {
	case err != nil:
	case v.inUse > 0:
		err = errInUse(v.def.Name)
	case v.building:
		err = errBuilding(v.def.Name)
	default:
		err = virerror.CheckFlags(uint32(a.Flags), 0, virerror.FromStorage, "virStorageBackendVolDeleteLocal")
	}
	if err != nil {
		d.mu.Unlock()
		return struct{}{}, err
	}
	// Removing a large file takes long: the volume is marked busy meanwhile, and the
	// driver's lock is free.
	v.inUse++
	def := copyVolDef(v.def)
	d.mu.Unlock()
	err = removeVolFile(def)
	d.mu.Lock()
	defer d.mu.Unlock()
	v.inUse--
	if err != nil {
		return struct{}{}, err
	}
	p.def.Allocation -= min(p.def.Allocation, v.def.Target.Allocation)
	p.def.Available += v.def.Target.Allocation
	p.vols.remove(v)
	d.log.Info("Deleting volume", "volume", v.def.Name, "pool", p.def.Name)
	return struct{}{}, nil
}

func (d *Driver) StorageVolResize(ctx context.Context, a libvirt.StorageVolResizeArgs) (struct{}, error) {
	const allowed = libvirt.StorageVolResizeAllocate | libvirt.StorageVolResizeDelta | libvirt.StorageVolResizeShrink
	if err := remote.CheckFlags(uint32(a.Flags), uint32(allowed), remote.StorageVolResize); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	p, v, err := d.vol(a.Vol)
	if err == nil {
		err = v.busy()
	}
	if err != nil {
		d.mu.Unlock()
		return struct{}{}, err
	}
	t := &v.def.Target
	flags := a.Flags
	capacity := a.Capacity
	if flags&libvirt.StorageVolResizeDelta != 0 {
		if flags&libvirt.StorageVolResizeShrink != 0 {
			capacity = t.Capacity - min(a.Capacity, t.Capacity)
		} else {
			capacity = t.Capacity + a.Capacity
		}
		flags &^= libvirt.StorageVolResizeDelta
	}
	var delta uint64
	switch {
	case capacity < t.Allocation:
		err = virerror.New(libvirt.ErrInvalidArg, virerror.FromStorage, "can't shrink capacity below existing allocation")
	case capacity < t.Capacity && flags&libvirt.StorageVolResizeShrink == 0:
		err = virerror.New(libvirt.ErrInvalidArg, virerror.FromStorage, "Can't shrink capacity below current capacity unless shrink flag explicitly specified")
	case flags&libvirt.StorageVolResizeAllocate != 0:
		if delta = capacity - t.Allocation; delta > p.def.Available {
			err = virerror.New(libvirt.ErrOperationFailed, virerror.FromStorage, "Not enough space left in storage pool")
		}
	}
	if err != nil {
		d.mu.Unlock()
		return struct{}{}, err
	}
	vol := copyVolDef(v.def)
	v.inUse++
	d.mu.Unlock()
	err = resizeVol(ctx, vol, capacity, flags)
	d.mu.Lock()
	defer d.mu.Unlock()
	v.inUse--
	if err != nil {
		return struct{}{}, err
	}
	t.Capacity = capacity
	if flags&libvirt.StorageVolResizeAllocate != 0 {
		t.Allocation = capacity
		p.def.Allocation += delta
		p.def.Available -= min(p.def.Available, delta)
	}
	return struct{}{}, nil
}

// busy refuses a change to a volume that is being made or used. Called with d.mu held.
func (v *volume) busy() error {
	if v.inUse > 0 {
		return errInUse(v.def.Name)
	}
	if v.building {
		return errBuilding(v.def.Name)
	}
	return nil
}

// resizeVol changes a volume's size as virStorageBackendVolResizeLocal does: a raw
// file is truncated (after fallocate with ALLOCATE), any other format goes through
// qemu-img resize.
func resizeVol(ctx context.Context, v *volDef, capacity uint64, flags libvirt.StorageVolResizeFlags) error {
	prealloc := flags&libvirt.StorageVolResizeAllocate != 0
	path := v.Target.Path
	if v.Target.Format == fmtRaw {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return sysErr(err, "Unable to open '%s'", path)
		}
		defer f.Close()
		if prealloc {
			if err := unix.Fallocate(int(f.Fd()), 0, 0, int64(capacity)); err != nil {
				return sysErr(err, "Failed to pre-allocate space for file '%s'", path)
			}
		}
		if err := f.Truncate(int64(capacity)); err != nil {
			return sysErr(err, "Failed to truncate file '%s'", path)
		}
		if err := f.Close(); err != nil {
			return sysErr(err, "Unable to save '%s'", path)
		}
		return nil
	}
	if prealloc {
		return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromStorage, "preallocate is only supported for raw type volume")
	}
	bin, err := tool("", "qemu-img")
	if err != nil {
		return virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "unable to find qemu-img")
	}
	capacity = (capacity + 511) / 512 * 512 // qemu-img wants whole sectors
	argv := []string{bin, "resize"}
	if capacity < v.Target.Capacity {
		argv = append(argv, "--shrink")
	}
	_, err = run(ctx, append(argv, path, fmt.Sprint(capacity))...)
	return err
}

// wipeAlgorithms are the scrub(1) patterns of virStorageVolWipeAlgorithm.
var wipeAlgorithms = []string{"zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random", "trim"}

func (d *Driver) StorageVolWipe(ctx context.Context, a libvirt.StorageVolWipeArgs) (struct{}, error) {
	return d.StorageVolWipePattern(ctx, libvirt.StorageVolWipePatternArgs{Vol: a.Vol, Algorithm: 0, Flags: a.Flags})
}

func (d *Driver) StorageVolWipePattern(ctx context.Context, a libvirt.StorageVolWipePatternArgs) (struct{}, error) {
	if err := remote.CheckFlags(a.Flags, 0, remote.StorageVolWipePattern); err != nil {
		return struct{}{}, err
	}
	if a.Algorithm >= uint32(len(wipeAlgorithms)) {
		return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromStorage, "wiping algorithm %d not supported", a.Algorithm)
	}
	d.mu.Lock()
	p, v, err := d.vol(a.Vol)
	if err == nil {
		err = v.busy()
	}
	if err != nil {
		d.mu.Unlock()
		return struct{}{}, err
	}
	vol := copyVolDef(v.def)
	v.inUse++
	p.asyncJobs++
	d.mu.Unlock()
	err = wipeVol(ctx, vol, wipeAlgorithms[a.Algorithm])
	d.mu.Lock()
	defer d.mu.Unlock()
	v.inUse--
	p.asyncJobs--
	if err != nil {
		return struct{}{}, err
	}
	// The contents changed: learn the format again, as a refresh would.
	if probed, perr := probeVol(v.def.Target.Path, v.def.Name); perr == nil {
		v.def = probed
	}
	return struct{}{}, nil
}

// wipeVol overwrites a volume (storageBackendVolWipeLocalFile): zeros from the
// driver itself, a sparse file by truncating it to nothing and back, the other
// patterns by scrub.
func wipeVol(ctx context.Context, v *volDef, alg string) error {
	path := v.Target.Path
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return sysErr(err, "Failed to open storage volume with path '%s'", path)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return sysErr(err, "Failed to stat storage volume with path '%s'", path)
	}
	switch alg {
	case "trim":
		return virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromStorage, "'trim' algorithm not supported")
	case "zero":
	default:
		bin, err := tool("/usr/bin/scrub", "scrub")
		if err != nil {
			return err
		}
		_, err = run(ctx, bin, "-f", "-p", alg, path)
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFREG && st.Blocks < st.Size/512 {
		if err := f.Truncate(0); err != nil {
			return sysErr(err, "Failed to truncate volume with path '%s' to 0 bytes", path)
		}
		if err := f.Truncate(st.Size); err != nil {
			return sysErr(err, "Failed to truncate volume with path '%s' to %d bytes", path, st.Size)
		}
		return nil
	}
	if err := zeroFill(f, 0, int64(v.Target.Allocation)); err != nil {
		return sysErr(err, "Failed to write %d bytes to storage volume with path '%s'", st.Blksize, path)
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return sysErr(err, "cannot sync data to volume with path '%s'", path)
	}
	return nil
}
