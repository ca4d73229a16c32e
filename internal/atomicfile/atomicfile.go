// Package atomicfile writes files so that a reader, or a daemon restarted after a crash
// or power loss, sees either the old content or the new, never a torn mix: the data goes
// to a temporary file in the same directory, is synced, renamed over the target, and the
// directory is synced so the rename itself is durable. Every state file of the drivers
// (domain and network configs, status files) is written this way.
//
// A writer killed between creating its temporary file and the rename leaves the
// temporary behind. Its name says which process made it, so Sweep can tell the debris
// of dead writers from a write in progress and remove it; each driver sweeps the
// directories it writes when it starts.
package atomicfile

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// tempMarker sits between a target's name and the writer's pid in a temporary file's
// name: ".NAME.tmp-PID-RANDOM".
const tempMarker = ".tmp"

// WriteFile replaces path with data, created with perm. The temporary file is removed
// on failure; the old content stays in place.
//
// It works on plain descriptors rather than *os.File: os.OpenFile tries to make every
// file it opens pollable (four fcntl calls and an epoll_ctl that fails for a regular
// file), and os.Rename looks the target up first. A define writes its config through
// here, and on a paravirtualized machine those extra system calls were a fifth of it.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	fd, tmp, err := createTemp(dir, "."+base+tempMarker+"-"+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok := false
	defer func() {
		if fd >= 0 {
			syscall.Close(fd)
		}
		if !ok {
			syscall.Unlink(tmp)
		}
	}()
	if err := retry(func() error { return syscall.Fchmod(fd, uint32(perm.Perm())) }); err != nil {
		return fmt.Errorf("write %s: chmod %s: %w", path, tmp, err)
	}
	for rest := data; len(rest) > 0; {
		n, err := syscall.Write(fd, rest)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write %s: write %s: %w", path, tmp, err)
		}
		rest = rest[n:]
	}
	if err := retry(func() error { return syscall.Fsync(fd) }); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	err = syscall.Close(fd)
	fd = -1
	if err != nil {
		return fmt.Errorf("write %s: close %s: %w", path, tmp, err)
	}
	if err := syscall.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, &os.LinkError{Op: "rename", Old: tmp, New: path, Err: err})
	}
	ok = true
	return SyncDir(dir)
}

// createTemp makes a new file named prefix and a random number in dir, as
// os.CreateTemp does, and returns its descriptor and path.
func createTemp(dir, prefix string) (int, string, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		var fd int
		err := retry(func() (err error) {
			fd, err = syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o600)
			return err
		})
		if err == nil {
			return fd, name, nil
		}
		if err != syscall.EEXIST || try == 100 {
			return -1, "", &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
}

// retry runs a system call again when a signal interrupted it.
func retry(call func() error) error {
	for {
		if err := call(); err != syscall.EINTR {
			return err
		}
	}
}

// SyncDir makes the latest renames and removals in dir durable.
func SyncDir(dir string) error {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, &os.PathError{Op: "open", Path: dir, Err: err})
	}
	defer syscall.Close(fd)
	if err := retry(func() error { return syscall.Fsync(fd) }); err != nil {
		return fmt.Errorf("sync %s: %w", dir, &os.PathError{Op: "sync", Path: dir, Err: err})
	}
	return nil
}

// Remove deletes path, if it exists, durably.
func Remove(path string) error {
	if err := os.Remove(path); os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return SyncDir(filepath.Dir(path))
}

// Sweep removes from dir the temporary files of writes whose process is gone (and those
// of earlier versions, which carry no pid), so that crashes leave no debris behind. A
// directory that does not exist has nothing to sweep.
func Sweep(dir string) error {
	d, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("sweep %s: %w", dir, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("sweep %s: %w", dir, err)
	}
	removed := false
	for _, n := range names {
		if !debris(n) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sweep %s: %w", dir, err)
		}
		removed = true
	}
	if removed {
		return SyncDir(dir)
	}
	return nil
}

// debris reports whether name is a temporary file of WriteFile whose writer is gone:
// ".NAME.tmp-PID-RANDOM" of a process that no longer runs, or ".NAME.tmpRANDOM" of an
// earlier version, which named no writer. Anything else (a hidden file, a domain
// called ".x.tmp") is not WriteFile's and stays.
func debris(name string) bool {
	i := strings.LastIndex(name, tempMarker)
	if !strings.HasPrefix(name, ".") || i < 0 {
		return false
	}
	suffix := name[i+len(tempMarker):]
	if digits(suffix) {
		return true
	}
	rest, ok := strings.CutPrefix(suffix, "-")
	if !ok {
		return false
	}
	pidText, random, ok := strings.Cut(rest, "-")
	if !ok || !digits(pidText) || !digits(random) {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid == os.Getpid() {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err != nil && !errors.Is(err, syscall.EPERM)
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
