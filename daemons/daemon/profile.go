//go:build pprof

package daemon

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Profiles for the benchmarks (issue 17 asks for the daemon's CPU and heap profiles
// under their load), in a build made with `-tags pprof` only: a daemon built so and
// started with VIRTUNIT_PPROF_DIR=DIR writes a heap profile to DIR on SIGUSR1, and
// starts a CPU profile on the first SIGUSR2 that the next one ends. Release builds
// carry none of it, and the signals keep their default meaning there. The heap is
// sampled every 512 bytes, not the runtime's 512 KiB: a small daemon's heap is a few
// megabytes, which the default rate sees as a handful of samples. That rate records a
// stack for nearly every allocation, which a CPU profile then shows as a third of the
// daemon's time: VIRTUNIT_PPROF_MEMRATE=0 keeps the runtime's rate for CPU profiles.
func init() {
	dir := os.Getenv("VIRTUNIT_PPROF_DIR")
	if dir == "" {
		return
	}
	goruntime.MemProfileRate = 512
	if v := os.Getenv("VIRTUNIT_PPROF_MEMRATE"); v != "" {
		rate, err := strconv.Atoi(v)
		if err != nil || rate < 0 {
			fmt.Fprintf(os.Stderr, "pprof: VIRTUNIT_PPROF_MEMRATE=%q is not a byte count\n", v)
		} else if rate > 0 {
			goruntime.MemProfileRate = rate
		} else {
			goruntime.MemProfileRate = 512 * 1024
		}
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		var cpu *os.File
		for sig := range sigs {
			stamp := time.Now().Format("150405.000")
			switch {
			case sig == syscall.SIGUSR1:
				if err := writeHeapProfile(filepath.Join(dir, "heap-"+stamp+".pb.gz")); err != nil {
					fmt.Fprintln(os.Stderr, "pprof:", err)
				}
			case cpu == nil:
				f, err := os.Create(filepath.Join(dir, "cpu-"+stamp+".pb.gz"))
				if err == nil {
					err = pprof.StartCPUProfile(f)
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "pprof:", err)
					continue
				}
				cpu = f
			default:
				pprof.StopCPUProfile()
				cpu.Close()
				cpu = nil
			}
		}
	}()
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Beside it, where the runtime's memory is (the heap's share of the RSS, stacks,
	// its own structures), as the runtime counts it.
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	stats := fmt.Sprintf("HeapAlloc %d\nHeapInuse %d\nHeapIdle %d\nHeapReleased %d\nNextGC %d\n"+
		"StackInuse %d\nMSpanInuse %d\nGCSys %d\nOtherSys %d\nSys %d\nNumGC %d\nGoroutines %d\n",
		m.HeapAlloc, m.HeapInuse, m.HeapIdle, m.HeapReleased, m.NextGC, m.StackInuse,
		m.MSpanInuse, m.GCSys, m.OtherSys, m.Sys, m.NumGC, goruntime.NumGoroutine())
	return os.WriteFile(strings.TrimSuffix(path, ".pb.gz")+".memstats", []byte(stats), 0o644)
}
