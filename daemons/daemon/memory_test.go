package daemon

import (
	"context"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
)

var sink [][]byte

// TestReturnMemoryAfterBurst: start-up's return comes after the settle delay; a burst
// of allocations is returned once the daemon is quiet, and not while it allocates.
func TestReturnMemoryAfterBurst(t *testing.T) {
	p := returnPolicy{settle: 10 * time.Millisecond, check: 50 * time.Millisecond, burst: 4 << 20, quiet: 256 << 10}
	returns := make(chan time.Time, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.returnMemory(ctx, func() { returns <- time.Now() })
	select {
	case <-returns:
	case <-time.After(5 * time.Second):
		t.Fatal("start-up's memory was not returned")
	}

	// A burst: 16 MiB allocated and dropped, over ~300 ms (busy, never quiet).
	busyUntil := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(busyUntil) {
		sink = append(sink, make([]byte, 64<<10))
		if len(sink) > 16 {
			sink = sink[:0]
		}
		time.Sleep(time.Millisecond)
	}
	sink = nil
	busyEnd := time.Now()
	select {
	case at := <-returns:
		if at.Before(busyEnd) {
			t.Fatal("memory was returned while the burst went on")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the burst's memory was not returned once quiet")
	}
	released := readMetric(t, "/memory/classes/heap/released:bytes")
	if released == 0 {
		t.Fatal("no heap memory is released to the kernel after a return")
	}

	// Quiet without a burst: no further return.
	select {
	case <-returns:
		t.Fatal("memory was returned again with nothing allocated")
	case <-time.After(300 * time.Millisecond):
	}
}

// TestDropCodePages: the executable's resident pages go, and what runs afterwards
// comes back.
func TestDropCodePages(t *testing.T) {
	before := rssFileKiB(t)
	dropCodePages()
	after := rssFileKiB(t)
	if after >= before {
		t.Fatalf("file-backed RSS %d KiB before, %d KiB after dropping code pages", before, after)
	}
	if s := strconv.Itoa(42); s != "42" { // code runs again, faulted back in
		t.Fatal(s)
	}
}

func readMetric(t *testing.T, name string) uint64 {
	t.Helper()
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		t.Fatalf("no metric %s", name)
	}
	return s[0].Value.Uint64()
}

func rssFileKiB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}
