package daemon

import (
	"os"
	goruntime "runtime"
)

// tuneRuntime fits the Go runtime to a daemon whose work is many short calls and much
// waiting: one P, unless GOMAXPROCS says otherwise. With more, every hand-off of a call
// to a worker goroutine wakes another thread while the handing goroutine goes idle,
// and on the virtualized hosts the project runs on that thread switch costs more than
// the call. Measured with python3-libvirt (bench/percall.sh): daemon CPU per
// GetVersion 86 us with two Ps, 46 us with one; four clients in parallel got as many
// calls per second with one P as with two, at half the CPU. Blocking system calls
// (QEMU's monitor, files, systemd's bus) hand the P on as always, so a slow call does
// not hold up the others.
func tuneRuntime() {
	if os.Getenv("GOMAXPROCS") == "" {
		goruntime.GOMAXPROCS(1)
	}
}
