package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// pidFile is a PID file held under an fcntl write lock for the daemon's lifetime, as
// libvirt's virPidFileAcquirePath does: a second daemon with the same PID file fails to
// start, and a file left by a dead daemon is simply taken over.
type pidFile struct {
	path string
	f    *os.File
}

func acquirePIDFile(path string) (*pidFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("Failed to create directory for pid file '%s': %w", path, err)
	}
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("Failed to open pid file '%s': %w", path, err)
		}
		lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 1}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
			f.Close()
			return nil, fmt.Errorf("Failed to acquire pid file '%s': %w", path, err)
		}
		// The previous holder may have unlinked the file between our open and lock;
		// then we hold a lock on an orphan inode and must start over.
		var a, b syscall.Stat_t
		if syscall.Fstat(int(f.Fd()), &a) != nil || syscall.Stat(path, &b) != nil || a.Ino != b.Ino || a.Dev != b.Dev {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, fmt.Errorf("Failed to truncate pid file '%s': %w", path, err)
		}
		if _, err := f.WriteString(strconv.Itoa(os.Getpid()) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("Failed to write to pid file '%s': %w", path, err)
		}
		return &pidFile{path: path, f: f}, nil
	}
}

// release removes the file while still holding the lock, then drops the lock.
func (p *pidFile) release() {
	if p == nil {
		return
	}
	os.Remove(p.path)
	p.f.Close()
}
