package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// errSkip marks a directory entry a refresh passes over, as libvirt's
// VIR_STORAGE_VOL_OPEN_NOERROR does: fifos, sockets, dangling links, files it may
// not open.
var errSkip = errors.New("not a volume")

// volFD is a volume's file opened for a look: a bare descriptor, which costs fewer
// system calls than an os.File (no poller registration, no finalizer) where a refresh
// opens thousands.
type volFD int

func (f volFD) ReadAt(p []byte, off int64) (int, error) {
	n, err := unix.Pread(int(f), p, off)
	if n < 0 {
		n = 0
	}
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

func (f volFD) Close() error { return unix.Close(int(f)) }

// openVol opens a volume's file as virStorageBackendVolOpen does, following links,
// never blocking on a fifo. With skip, what a refresh ignores is errSkip: fifos,
// sockets, dangling links, files it may not open, other kinds of files.
func openVol(path string, skip bool) (volFD, *unix.Stat_t, error) {
	return openVolAt(unix.AT_FDCWD, path, path, skip)
}

// openVolAt is openVol of name in the directory dirfd, whose path is path.
func openVolAt(dirfd int, name, path string, skip bool) (volFD, *unix.Stat_t, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		var lst unix.Stat_t
		switch {
		case skip && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENXIO) ||
			errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM)):
			return -1, nil, errSkip
		case errors.Is(err, unix.ENOENT) && unix.Lstat(path, &lst) != nil:
			return -1, nil, virerror.New(libvirt.ErrNoStorageVol, virerror.FromStorage, "no storage vol with matching path '%s'", path)
		case errors.Is(err, unix.ENXIO) && unix.Lstat(path, &lst) == nil && lst.Mode&unix.S_IFMT == unix.S_IFSOCK:
			return -1, nil, virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "Volume path '%s' is a socket", path)
		}
		return -1, nil, sysErr(err, "cannot open volume '%s'", path)
	}
	f := volFD(fd)
	st := new(unix.Stat_t)
	if err := unix.Fstat(fd, st); err != nil {
		f.Close()
		return -1, nil, sysErr(err, "cannot stat file '%s'", path)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFBLK, unix.S_IFDIR:
		return f, st, nil
	case unix.S_IFIFO:
		f.Close()
		if skip {
			return -1, nil, errSkip
		}
		return -1, nil, virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "Volume path '%s' is a FIFO", path)
	}
	f.Close()
	if skip {
		return -1, nil, errSkip
	}
	return -1, nil, virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "unexpected storage mode for '%s'", path)
}

// sysErr is libvirt's virReportSystemError: the message, then the system's words.
func sysErr(err error, format string, args ...any) error {
	e := virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStorage, format, args...)
	e.Detail += ": " + virerror.Strerror(err)
	return e
}

// statTarget sets what the file's status says (virStorageBackendUpdateVolTargetInfoFD):
// sizes, permissions and times.
func statTarget(t *volTarget, f volFD, st *unix.Stat_t) {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		t.Allocation = uint64(st.Blocks) * 512
		t.Capacity = uint64(st.Size)
		t.Physical = uint64(st.Size)
	case unix.S_IFDIR:
		t.Allocation, t.Capacity, t.Physical = 0, 0, 0
	default:
		end, err := unix.Seek(int(f), 0, io.SeekEnd)
		if err == nil {
			t.Allocation, t.Capacity, t.Physical = uint64(end), uint64(end), uint64(end)
		}
	}
	t.Perms = &perms{Mode: int(st.Mode & 0o777), UID: int64(st.Uid), GID: int64(st.Gid)}
	t.Times = &timestamps{
		Atime: [2]int64{st.Atim.Sec, st.Atim.Nsec},
		Mtime: [2]int64{st.Mtim.Sec, st.Mtim.Nsec},
		Ctime: [2]int64{st.Ctim.Sec, st.Ctim.Nsec},
	}
}

// updateTarget is storageBackendUpdateVolTargetInfo: status of the file, and its
// virtual size from the header of its known format.
func updateTarget(t *volTarget, skip bool) error {
	f, st, err := openVol(t.Path, skip)
	if err != nil {
		return err
	}
	defer f.Close()
	statTarget(t, f, st)
	if st.Mode&unix.S_IFMT == unix.S_IFDIR || t.Format == fmtNone {
		return nil
	}
	if t.Format != fmtRaw {
		if c := headerCapacity(newHeader(f, int64(t.Physical)), t.Format); c != 0 {
			t.Capacity = c
		}
	}
	return nil
}

// headerCapacity is the virtual size an image of format says it has, 0 if none.
func headerCapacity(h *header, format int) uint64 {
	for i := range fileTypes {
		ft := &fileTypes[i]
		if ft.format != format || ft.sizeAt < 0 {
			continue
		}
		if m := h.bytes(ft.magicOffset, len(ft.magic)); m == nil || string(m) != ft.magic {
			return 0
		}
		var v uint64
		var ok bool
		if ft.bigEndian {
			v, ok = h.be64(ft.sizeAt)
		} else {
			v, ok = h.le64(ft.sizeAt)
		}
		if !ok || v > ^uint64(0)/ft.sizeScale {
			return 0
		}
		return v * ft.sizeScale
	}
	return 0
}

// refreshVol brings a volume's sizes, permissions and times up to date, as
// virStorageBackendVolRefreshLocal does before info and dumpxml.
func refreshVol(v *volDef) error {
	if err := updateTarget(&v.Target, false); err != nil {
		return err
	}
	if v.Backing != nil {
		updateTarget(v.Backing, true) // a missing backing file is no error here
	}
	return nil
}

// probeVol learns a file's format and everything else from the file itself, as a pool
// refresh does (virStorageBackendRefreshVolTargetUpdate).
func probeVol(path, name string) (*volDef, error) {
	return probeVolAt(unix.AT_FDCWD, path, path, name)
}

// probeVolAt is probeVol of the entry at of the directory dirfd.
func probeVolAt(dirfd int, at, path, name string) (*volDef, error) {
	v := &volDef{Name: name, Key: path, Type: volFile}
	t := &v.Target
	t.Path = path
	f, st, err := openVolAt(dirfd, at, path, true)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	statTarget(t, f, st)
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		t.Format, v.Type = fmtDir, volDirType
		return v, nil
	}
	info := readImage(newHeader(f, int64(t.Physical)))
	t.Format = info.format
	if info.format == fmtPloop {
		v.Type = 5
	}
	if info.capacity != 0 {
		t.Capacity = info.capacity
	}
	t.ClusterSize = info.clusterSize
	t.Features, t.HasFeatures, t.Compat = info.features, info.hasFeatures, info.compat
	if info.backing != "" {
		b := &volTarget{Path: info.backing, Format: info.backingFormat}
		if !filepath.IsAbs(b.Path) {
			b.Path = filepath.Join(filepath.Dir(path), b.Path)
		}
		if b.Format < 0 {
			b.Format = probeFileFormat(b.Path)
		}
		updateTarget(b, true) // the backing file may be away; its format stays
		v.Backing = b
	}
	return v, nil
}

// probeFileFormat is virStorageFileProbeFormat, raw when the file cannot be read.
func probeFileFormat(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return fmtRaw
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmtRaw
	}
	if st.IsDir() {
		return fmtDir
	}
	if t := probeFormat(newHeader(f, st.Size())); t != nil {
		return t.format
	}
	return fmtRaw
}

// refreshLocal lists a directory's volumes and the pool's sizes, as
// virStorageBackendRefreshLocal does. The files are probed in parallel, and a file
// unchanged since the last refresh is not opened again.
func refreshLocal(ctx context.Context, def *poolDef, known probeCache) (*volSet, error) {
	dir := def.Target.Path
	d, err := os.Open(dir)
	if err != nil {
		return nil, sysErr(err, "cannot open directory '%s'", dir)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, sysErr(err, "Unable to read directory '%s'", dir)
	}
	vols := make([]*volDef, len(names))
	keys := make([]fileKey, len(names))
	errs := make([]error, len(names))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers(len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				if hasControlChars(names[i]) {
					errs[i] = errSkip
					continue
				}
				vols[i], keys[i], errs[i] = probeCached(int(d.Fd()), filepath.Join(dir, names[i]), names[i], known)
			}
		}()
	}
	wg.Wait()
	set := newVolSet()
	for i, v := range vols {
		switch {
		case errors.Is(errs[i], errSkip):
		case errs[i] != nil:
			return nil, errs[i]
		default:
			set.add(&volume{def: v, probed: keys[i]})
		}
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return nil, sysErr(err, "cannot stat path '%s'", dir)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		return nil, sysErr(err, "cannot statvfs path '%s'", dir)
	}
	frsize := uint64(fs.Frsize)
	if frsize == 0 {
		frsize = uint64(fs.Bsize)
	}
	def.Capacity = fs.Blocks * frsize
	def.Available = fs.Bfree * frsize
	def.Allocation = def.Capacity - def.Available
	def.Target.Perms = perms{Mode: int(st.Mode & 0o777), UID: int64(st.Uid), GID: int64(st.Gid)}
	return set, ctx.Err()
}

// workers is how many goroutines probe n files: one per CPU, but no more than one
// per 64 files, where the start of another costs more than it saves.
func workers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/64+1))
}

func hasControlChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
