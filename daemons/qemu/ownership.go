package qemu

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// dynamic_ownership, as libvirt's DAC driver does it with remember_owner: before a
// file is given to the guest's user, its owner is recorded in the file's own extended
// attributes, under libvirt's names, with a count of the running guests that use it;
// when the last of them stops, the owner comes back and the record goes. A host that
// moves from libvirt keeps its records, and the other way round. Where extended
// attributes cannot be kept (a file system without them), the file goes back to
// root:root at stop, as libvirt does without a record.
const (
	xattrOwner = "trusted.libvirt.security.dac"
	xattrRefs  = "trusted.libvirt.security.ref_dac"
)

// guestFiles are the files of live that its user must open itself: disks, kernel,
// initrd and NVRAM. Read-only and shareable disks are left as they are, as libvirt
// leaves them: other guests may be using them with their own owners.
func guestFiles(live *libvirtxml.Domain) []string {
	var paths []string
	if live.OS != nil {
		paths = append(paths, live.OS.Kernel, live.OS.Initrd)
	}
	paths = append(paths, nvramPath(live))
	if live.Devices != nil {
		for _, disk := range live.Devices.Disks {
			if disk.Source == nil || disk.ReadOnly != nil || disk.Shareable != nil {
				continue
			}
			if disk.Source.File != nil {
				paths = append(paths, disk.Source.File.File)
			}
			if disk.Source.Block != nil {
				paths = append(paths, disk.Source.Block.Dev)
			}
		}
	}
	out := paths[:0]
	for _, p := range paths {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// takeOwnership records path's owner (or counts one more user of it) and gives it to
// uid:gid. It reports false, having changed nothing, for a file that cannot be given
// away: on a read-only mount, or one where root may not chown (root-squashed NFS).
func takeOwnership(path string, uid, gid int) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, ownershipError(path, uid, gid, err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	refs := readRefs(path)
	switch {
	case refs > 0:
		err = unix.Setxattr(path, xattrRefs, []byte(strconv.Itoa(refs+1)), 0)
	default:
		err = unix.Setxattr(path, xattrOwner, []byte(fmt.Sprintf("+%d:+%d", st.Uid, st.Gid)), 0)
		if err == nil {
			err = unix.Setxattr(path, xattrRefs, []byte("1"), 0)
		}
	}
	switch {
	case err == nil, errors.Is(err, unix.ENOTSUP):
	case cannotGiveAway(err):
		return false, nil
	default:
		return false, ownershipError(path, uid, gid, err)
	}
	if err := os.Chown(path, uid, gid); err != nil {
		giveBackRecord(path, refs)
		if cannotGiveAway(err) {
			return false, nil
		}
		return false, ownershipError(path, uid, gid, err)
	}
	return true, nil
}

// cannotGiveAway tells the errors of a file whose owner cannot be changed at all.
func cannotGiveAway(err error) bool {
	return errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EOPNOTSUPP)
}

// giveBackRecord undoes takeOwnership's record when the chown it was for failed:
// refs is the count it found.
func giveBackRecord(path string, refs int) {
	if refs > 0 {
		unix.Setxattr(path, xattrRefs, []byte(strconv.Itoa(refs)), 0)
		return
	}
	unix.Removexattr(path, xattrRefs)
	unix.Removexattr(path, xattrOwner)
}

// giveBack counts one user of path fewer and, after the last, gives it back to the
// owner recorded when the first took it (root:root without a record).
func giveBack(path string) error {
	if refs := readRefs(path); refs > 1 {
		return unix.Setxattr(path, xattrRefs, []byte(strconv.Itoa(refs-1)), 0)
	}
	uid, gid := 0, 0
	if v, err := getxattr(path, xattrOwner); err == nil {
		if u, g, ok := parseOwner(v); ok {
			uid, gid = u, g
		}
	}
	unix.Removexattr(path, xattrRefs)
	unix.Removexattr(path, xattrOwner)
	if err := os.Chown(path, uid, gid); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func readRefs(path string) int {
	v, err := getxattr(path, xattrRefs)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// parseOwner reads libvirt's "+UID:+GID".
func parseOwner(v string) (uid, gid int, ok bool) {
	u, g, found := strings.Cut(strings.TrimSpace(v), ":")
	uid, err1 := strconv.Atoi(strings.TrimPrefix(u, "+"))
	gid, err2 := strconv.Atoi(strings.TrimPrefix(g, "+"))
	return uid, gid, found && err1 == nil && err2 == nil && uid >= 0 && gid >= 0
}

func getxattr(path, name string) (string, error) {
	buf := make([]byte, 64)
	n, err := unix.Getxattr(path, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func ownershipError(path string, uid, gid int, err error) error {
	return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "unable to set ownership of '%s' to %d:%d: %v",
		path, uid, gid, virerror.Strerror(err))
}
