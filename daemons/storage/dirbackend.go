package storage

import (
	"context"
	"os"
	"strings"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// Default modes libvirt gives what it creates (VIR_STORAGE_DEFAULT_*_PERM_MODE).
const (
	defaultPoolMode = 0o711
	defaultVolMode  = 0o600
)

// dirBackend is the dir pool: volumes are the files of a directory
// (storage_backend_fs.c's virStorageBackendDirectory).
type dirBackend struct{}

func (dirBackend) check(def *poolDef) (bool, error) {
	_, err := os.Stat(def.Target.Path)
	return err == nil, nil
}

func (dirBackend) build(ctx context.Context, def *poolDef, flags libvirt.StoragePoolBuildFlags) error {
	if err := checkBuildFlags(flags); err != nil {
		return err
	}
	if err := buildLocal(def); err != nil {
		return err
	}
	if flags != 0 {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "No source device specified when formatting pool '%s'", def.Name)
	}
	return nil
}

func (dirBackend) start(context.Context, *poolDef) error { return nil }
func (dirBackend) stop(context.Context, *poolDef) error  { return nil }

func (dirBackend) delete(ctx context.Context, def *poolDef) error { return deleteLocal(def) }

func (dirBackend) refresh(ctx context.Context, def *poolDef, known probeCache) (*volSet, error) {
	return refreshLocal(ctx, def, known)
}

// checkBuildFlags is the backend's virCheckFlags and VIR_EXCLUSIVE_FLAGS_RET.
func checkBuildFlags(flags libvirt.StoragePoolBuildFlags) error {
	const known = libvirt.StoragePoolBuildOverwrite | libvirt.StoragePoolBuildNoOverwrite
	if extra := flags &^ known; extra != 0 {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromStorage, "unsupported flags (0x%x) in function virStorageBackendFileSystemBuild", uint32(extra))
	}
	if flags == known {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromStorage,
			"Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive")
	}
	return nil
}

// buildLocal makes the target directory as virStorageBackendBuildLocal does: missing
// parents with the default mode, the target with the definition's mode (0711 for a
// new one) and owner; an existing target keeps its mode unless one is given.
func buildLocal(def *poolDef) error {
	target := def.Target.Path
	i := strings.LastIndexByte(target, '/')
	if i < 0 {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromStorage, "path '%s' is not absolute", target)
	}
	if parent := target[:i]; parent != "" {
		if err := os.MkdirAll(parent, 0o777); err != nil {
			return sysErr(err, "cannot create path '%s'", parent)
		}
	}
	mode := def.Target.Perms.Mode
	_, statErr := os.Stat(target)
	if mode == -1 && statErr != nil {
		mode = defaultPoolMode
	}
	created := false
	if statErr != nil {
		if err := os.Mkdir(target, os.FileMode(max(mode, 0))); err != nil {
			return sysErr(err, "failed to create directory '%s'", target)
		}
		created = true
	}
	err := setOwnerMode(target, def.Target.Perms.UID, def.Target.Perms.GID, mode)
	if err != nil && created {
		os.Remove(target)
	}
	return err
}

// setOwnerMode gives path the owner, group and mode asked for (-1: leave as is).
func setOwnerMode(path string, uid, gid int64, mode int) error {
	st, err := os.Stat(path)
	if err != nil {
		return sysErr(err, "stat of '%s' failed", path)
	}
	cur := statOwner(st)
	if (uid != -1 && uid != cur[0]) || (gid != -1 && gid != cur[1]) {
		if err := os.Lchown(path, int(uid), int(gid)); err != nil {
			return sysErr(err, "cannot chown '%s' to (%d, %d)", path, uint32(uid), uint32(gid))
		}
	}
	if mode != -1 {
		if err := os.Chmod(path, os.FileMode(mode)); err != nil {
			return sysErr(err, "cannot set mode of '%s' to %04o", path, mode)
		}
	}
	return nil
}

// deleteLocal removes the target directory, which must be empty, as libvirt does.
func deleteLocal(def *poolDef) error {
	if err := removeDir(def.Target.Path); err != nil {
		return sysErr(err, "failed to remove pool '%s'", def.Target.Path)
	}
	return nil
}

func removeDir(path string) error { return syscall.Rmdir(path) }
