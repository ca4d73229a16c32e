package storage

import (
	"golang.org/x/sys/unix"
)

// fileKey identifies a file and its contents well enough to tell that its header did
// not change: any write moves its change time.
type fileKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime unix.Timespec
}

// probed is what a file's header said when a refresh read it.
type probed struct {
	key             fileKey
	volType, format int
	capacity        uint64
	clusterSize     uint64
	features        []int
	hasFeatures     bool
	compat          string
}

// probeCache is what the last refresh read, by volume name.
type probeCache map[string]probed

// probeCached is probeVol, but a regular file (not a link, which could point anywhere
// meanwhile) whose key is known costs one stat instead of an open and reads. It
// returns the key to remember, zero for what may not be remembered.
func probeCached(dirfd int, path, name string, known probeCache) (*volDef, fileKey, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
		key := fileKey{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}
		if p, ok := known[name]; ok && p.key == key {
			v := &volDef{Name: name, Key: path, Type: p.volType}
			t := &v.Target
			t.Path = path
			statTarget(t, -1, &st)
			t.Format, t.ClusterSize = p.format, p.clusterSize
			t.Features, t.HasFeatures, t.Compat = p.features, p.hasFeatures, p.compat
			if p.format != fmtRaw && p.capacity != 0 {
				t.Capacity = p.capacity
			}
			return v, key, nil
		}
		v, err := probeVolAt(dirfd, name, path, name)
		if err != nil || v.Backing != nil {
			return v, fileKey{}, err
		}
		return v, key, nil
	}
	v, err := probeVolAt(dirfd, name, path, name)
	return v, fileKey{}, err
}
