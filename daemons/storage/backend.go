package storage

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// backend is what a pool type does on the host, libvirt's virStorageBackend. The two
// here, dir and fs, keep their volumes as files in the target directory, so both use
// the local volume code (local.go); a backend of another kind (logical, disk, netfs,
// iSCSI) implements this for its pools and brings its own volume operations.
type backend interface {
	// check tells, when the daemon starts, whether the pool's storage is up.
	check(def *poolDef) (bool, error)
	build(ctx context.Context, def *poolDef, flags libvirt.StoragePoolBuildFlags) error
	start(ctx context.Context, def *poolDef) error
	stop(ctx context.Context, def *poolDef) error
	delete(ctx context.Context, def *poolDef) error
	// refresh lists the pool's volumes and sets def's capacity, allocation,
	// available and target permissions; known holds what the last refresh read from
	// files that may not have changed since.
	refresh(ctx context.Context, def *poolDef, known probeCache) (*volSet, error)
}

// backendFor is the backend of a pool type. The types this machine's kernel cannot
// serve (no device-mapper, NFS, partition tables or SCSI targets) are refused as a
// libvirt built without their backend refuses them.
func backendFor(typ int) (backend, error) {
	switch typ {
	case poolDir:
		return dirBackend{}, nil
	case poolFS:
		return fsBackend{}, nil
	}
	return nil, virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "missing backend for pool type %d (%s)", typ, poolTypes[typ])
}

// supported reports whether pool capabilities list the type as supported.
func supported(typ int) bool {
	_, err := backendFor(typ)
	return err == nil
}
