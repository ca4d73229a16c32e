package daemon

import (
	"os"
	goruntime "runtime"
	"runtime/debug"
	"sync"
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

// startupGCPercent is the collector's target while the drivers start. Start-up
// decodes every status file and definition it finds, mostly garbage once read, and
// with the default target none of it is collected before the heap reaches 4 MiB: each
// of those pages is memory the process touches for the first time. On the virtual
// machines the project is tested on such a page costs 1.5-60 us, depending on the
// host (where it backs the page only then), against well under 1 ms for one
// collection of start-up's small heap. Measured restarting with 100 guests running:
// 1510-1560 page faults before the first answer instead of 1750-1890.
const startupGCPercent = 25

// collectOftenDuringStart lowers the collector's target for start-up and returns the
// function that sets it back (once, however often it is called), unless GOGC set it.
func collectOftenDuringStart() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(startupGCPercent)
	return sync.OnceFunc(func() { debug.SetGCPercent(prev) })
}
