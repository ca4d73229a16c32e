package storage

import (
	"bytes"
	"errors"
	"io"
	"os"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// createFile makes a volume's file, which must not exist yet, with the mode (0600
// unless asked) and owner the definition asks for, as virFileOpenAs with
// FORCE_MODE|FORCE_OWNER does.
func createFile(t *volTarget) (*os.File, error) {
	mode := defaultVolMode
	if t.Perms != nil && t.Perms.Mode != -1 {
		mode = t.Perms.Mode
	}
	f, err := os.OpenFile(t.Path, os.O_RDWR|os.O_CREATE|os.O_EXCL, os.FileMode(mode))
	if err != nil {
		return nil, sysErr(err, "Failed to create file '%s'", t.Path)
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		os.Remove(t.Path)
		return nil, err
	}
	if t.Perms != nil && (t.Perms.UID != -1 || t.Perms.GID != -1) {
		if err := f.Chown(int(t.Perms.UID), int(t.Perms.GID)); err != nil {
			return fail(sysErr(err, "cannot chown '%s' to (%d, %d)", t.Path, uint32(t.Perms.UID), uint32(t.Perms.GID)))
		}
	}
	if err := f.Chmod(os.FileMode(mode)); err != nil {
		return fail(sysErr(err, "cannot set mode of '%s' to %04o", t.Path, mode))
	}
	return f, nil
}

// createRaw makes a raw volume as storageBackendCreateRaw does: the file at its full
// size, the allocation reserved with fallocate (so --allocation 0 gives a sparse file),
// then, for a clone, the source's bytes, holes kept as holes where the copy may be
// sparse. On failure nothing is left behind.
func createRaw(vol, input *volDef, flags libvirt.StorageVolCreateFlags) error {
	switch {
	case flags&libvirt.StorageVolCreatePreallocMetadata != 0:
		return unsupportedConfig("metadata preallocation is not supported for raw volumes")
	case vol.Backing != nil:
		return virerror.New(libvirt.ErrNoSupport, virerror.FromStorage, "backing storage not supported for raw volumes")
	}
	t := &vol.Target
	f, err := createFile(t)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(t.Path)
		}
	}()
	needAlloc := input == nil || t.Allocation >= input.Target.Capacity
	if err := f.Truncate(int64(t.Capacity)); err != nil {
		return sysErr(err, "cannot extend file '%s'", t.Path)
	}
	if t.Allocation > 0 && needAlloc {
		err := unix.Fallocate(int(f.Fd()), 0, 0, int64(t.Allocation))
		switch {
		case err == nil:
			needAlloc = false
		case !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EOPNOTSUPP):
			return sysErr(err, "cannot allocate %d bytes in file '%s'", t.Allocation, t.Path)
		}
	}
	var pos uint64
	if input != nil {
		n, err := copyVolume(f, input, t, !needAlloc, flags&libvirt.StorageVolCreateReflink != 0)
		if err != nil {
			return err
		}
		pos = n
	}
	if needAlloc && t.Allocation > pos {
		if err := zeroFill(f, int64(pos), int64(t.Allocation-pos)); err != nil {
			return sysErr(err, "cannot fill file '%s'", t.Path)
		}
	}
	if err := f.Sync(); err != nil {
		return sysErr(err, "cannot sync data to file '%s'", t.Path)
	}
	ok = true
	return nil
}

// copyVolume copies input's bytes to the start of f (virStorageBackendCopyToFD):
// zero blocks are skipped when sparse, a reflink is one ioctl. It returns how many
// bytes it copied.
func copyVolume(f *os.File, input *volDef, t *volTarget, sparse, reflink bool) (uint64, error) {
	in, err := os.Open(input.Target.Path)
	if err != nil {
		return 0, sysErr(err, "could not open input path '%s'", input.Target.Path)
	}
	defer in.Close()
	if reflink {
		if err := unix.IoctlFileClone(int(f.Fd()), int(in.Fd())); err != nil {
			return 0, sysErr(err, "failed to clone files from '%s'", input.Target.Path)
		}
		return input.Target.Capacity, nil
	}
	const block = 4096
	buf := make([]byte, 1<<20)
	zero := make([]byte, block)
	var off int64
	remain := int64(input.Target.Capacity)
	for remain > 0 {
		n, err := in.Read(buf[:min(int64(len(buf)), remain)])
		if n > 0 {
			for i := 0; i < n; i += block {
				chunk := buf[i:min(i+block, n)]
				if sparse && bytes.Equal(chunk, zero[:len(chunk)]) {
					continue
				}
				if _, werr := f.WriteAt(chunk, off+int64(i)); werr != nil {
					return 0, sysErr(werr, "failed writing to file '%s'", t.Path)
				}
			}
			off += int64(n)
			remain -= int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, sysErr(err, "failed reading from file '%s'", input.Target.Path)
		}
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return 0, sysErr(err, "cannot sync data to file '%s'", t.Path)
	}
	return uint64(off), nil
}

// zeroFill writes zeros over n bytes at off.
func zeroFill(f *os.File, off, n int64) error {
	buf := make([]byte, min(n, 1<<20))
	for n > 0 {
		c := min(n, int64(len(buf)))
		if _, err := f.WriteAt(buf[:c], off); err != nil {
			return err
		}
		off += c
		n -= c
	}
	return nil
}
