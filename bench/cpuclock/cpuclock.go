// Package cpuclock reads how much CPU time processes have used, in nanoseconds, for the
// benchmarks that split a call's cost between client, bus and server. /proc/PID/stat
// counts in clock ticks (10 ms), which over a thousand calls is 10 µs per call: too
// coarse for calls that cost tens of microseconds. The scheduler's own account,
// /proc/PID/task/TID/schedstat, is in nanoseconds, per thread.
package cpuclock

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Used is the CPU time the threads of the processes pids have run so far. Threads that
// ended before the call are not counted, so read it around a measurement in which the
// processes keep their threads (daemons, bus daemons, a benchmark client).
func Used(pids ...int) (time.Duration, error) {
	var total time.Duration
	for _, pid := range pids {
		tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
		if err != nil {
			return 0, err
		}
		if len(tasks) == 0 {
			return 0, fmt.Errorf("no /proc/%d/task/*/schedstat: is process %d running?", pid, pid)
		}
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				if os.IsNotExist(err) {
					continue // the thread ended meanwhile
				}
				return 0, err
			}
			f := strings.Fields(string(b))
			if len(f) == 0 {
				return 0, fmt.Errorf("%s: empty", t)
			}
			ns, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", t, err)
			}
			total += time.Duration(ns)
		}
	}
	return total, nil
}

// ParsePIDs reads a comma-separated list of process IDs, as the benchmarks take them
// on their command lines.
func ParsePIDs(s string) ([]int, error) {
	var pids []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("%q is not a process ID", f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}
