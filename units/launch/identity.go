package launch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrGone means the process no longer exists, or its pid now belongs to another process.
var ErrGone = errors.New("process is gone")

// Identity tells a process apart from any later process that gets the same pid.
type Identity struct {
	// StartTime is when the process started, in clock ticks since boot (field 22 of
	// /proc/PID/stat). Exec does not change it; a new process with the same pid has
	// another.
	StartTime uint64 `json:"start_time"`
	// Argv is the command line as /proc/PID/cmdline shows it.
	Argv []string `json:"argv"`
	// PidfdID is the inode of a pidfd of the process (Process.ID). Since Linux 6.9
	// (pidfs) it is unique for the life of the system, which tells apart even two
	// processes started within one clock tick; on older kernels every pidfd has the
	// same one and it tells nothing. Zero means unknown.
	PidfdID uint64 `json:"pidfd_id,omitempty"`
	// Session is the process's session id; our units lead their own.
	Session int `json:"-"`
	// Zombie means the process has exited but is not reaped yet (Argv is then empty).
	Zombie bool `json:"-"`
}

// Identify reads pid's identity from /proc.
func Identify(pid int) (Identity, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Identity{}, fmt.Errorf("pid %d: %w", pid, ErrGone)
	}
	// The command name (field 2) may hold spaces and parentheses: fields resume after
	// the last ')'. Counting from field 3 (state), session is field 6, starttime 22.
	i := bytes.LastIndexByte(stat, ')')
	f := strings.Fields(string(stat[i+1:]))
	if i < 0 || len(f) < 20 {
		return Identity{}, fmt.Errorf("pid %d: malformed /proc stat", pid)
	}
	id := Identity{Zombie: f[0] == "Z" || f[0] == "X"}
	if id.StartTime, err = strconv.ParseUint(f[19], 10, 64); err != nil {
		return Identity{}, fmt.Errorf("pid %d: start time: %w", pid, err)
	}
	if id.Session, err = strconv.Atoi(f[3]); err != nil {
		return Identity{}, fmt.Errorf("pid %d: session: %w", pid, err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return Identity{}, fmt.Errorf("pid %d: %w", pid, ErrGone)
	}
	if len(cmdline) > 0 {
		id.Argv = strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	}
	return id, nil
}

// Open takes hold of a running process that a previous instance of the daemon started,
// if pid still is that process: same start time, same pidfd id where recorded and,
// unless it has already exited, same command line. Otherwise it returns ErrGone: a
// recycled pid is never adopted.
func Open(pid int, want Identity) (*Process, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("pid %d: %w", pid, ErrGone)
	}
	// Checked after the pidfd is open: if pid was recycled before, the check sees the
	// new process and fails; if the process dies after, the pidfd reports that.
	got, err := Identify(pid)
	var st unix.Stat_t
	switch {
	case err != nil:
	case want.PidfdID != 0 && (unix.Fstat(fd, &st) != nil || st.Ino != want.PidfdID):
		err = fmt.Errorf("pid %d is another process (pidfd id %d, not %d): %w", pid, st.Ino, want.PidfdID, ErrGone)
	case got.StartTime != want.StartTime:
		err = fmt.Errorf("pid %d was reused (started at tick %d, not %d): %w", pid, got.StartTime, want.StartTime, ErrGone)
	case !got.Zombie && !slices.Equal(got.Argv, want.Argv):
		err = fmt.Errorf("pid %d runs %q, not %q: %w", pid, got.Argv, want.Argv, ErrGone)
	}
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return newProcess(pid, fd, false)
}
