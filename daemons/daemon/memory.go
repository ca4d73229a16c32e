package daemon

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go heap grows to twice what is live before a collection, and what a collection
// frees stays resident until the runtime's scavenger returns it, a little at a time,
// over minutes; the executable's pages that a burst of work touched stay mapped (see
// dropCodePages). A daemon idles most of its life, between bursts of work (start-up, a
// hundred guests started at once, a migration), and its resident size is what a host
// pays for it all along. So once a burst is over, the memory it used is handed back at
// once: a collection, the freed pages returned to the kernel, the code pages unmapped.
type returnPolicy struct {
	// settle is how long after start-up the memory of start-up is returned (driver
	// loading, enumeration, reconnecting guests).
	settle time.Duration
	// check is how often the heap's allocations are looked at; burst is how much
	// must have been allocated since the last return for another to be worth a
	// collection; quiet is the most allocated in one check for the daemon to count
	// as quiet.
	check        time.Duration
	burst, quiet uint64
}

var daemonReturns = returnPolicy{settle: 500 * time.Millisecond, check: time.Second, burst: 8 << 20, quiet: 128 << 10}

// returnMemory returns start-up's memory, and then each burst's once the daemon is
// quiet again, until ctx ends; released is told of each return. Reading the
// allocation counter is cheap (no stop-the-world), so an idle daemon pays a wake-up
// every check and nothing else.
func (p returnPolicy) returnMemory(ctx context.Context, released func()) {
	if !sleep(ctx, p.settle) {
		return
	}
	release()
	released()
	returned := heapAllocated()
	last := returned
	for sleep(ctx, p.check) {
		now := heapAllocated()
		if now-returned >= p.burst && now-last < p.quiet {
			release()
			released()
			now = heapAllocated()
			returned = now
		}
		last = now
	}
}

// release collects the heap, returns its free pages and unmaps the code pages.
func release() {
	debug.FreeOSMemory()
	dropCodePages()
}

// heapAllocated is the total of bytes the heap has allocated since the process began.
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// sleep waits d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
