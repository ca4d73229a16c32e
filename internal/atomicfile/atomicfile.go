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
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+tempMarker+"-"+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	return SyncDir(dir)
}

// SyncDir makes the latest renames and removals in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
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
