package unitstest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/virtunit/virtunit/units"
)

// BenchResult is what Bench measured.
type BenchResult struct {
	UnitsPerSec             float64       // started and stopped, start to finish
	StartMedian, StopMedian time.Duration // request to running; request to gone
}

// Bench starts n units one after another, each with start(name) (which must return once
// the unit runs), then stops them with stop(name) (which must return once it is gone),
// b.N times over. It reports units/s and the median start and stop latencies.
func Bench(b *testing.B, n int, start, stop func(name string) error) BenchResult {
	var starts, stops []time.Duration
	t0 := time.Now()
	for iter := 0; b.Loop(); iter++ {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("bench-%d-%d.service", iter, i)
			t := time.Now()
			if err := start(names[i]); err != nil {
				b.Fatalf("start %s: %v", names[i], err)
			}
			starts = append(starts, time.Since(t))
		}
		for _, name := range names {
			t := time.Now()
			if err := stop(name); err != nil {
				b.Fatalf("stop %s: %v", name, err)
			}
			stops = append(stops, time.Since(t))
		}
	}
	res := BenchResult{
		UnitsPerSec: float64(len(starts)) / time.Since(t0).Seconds(),
		StartMedian: median(starts),
		StopMedian:  median(stops),
	}
	b.ReportMetric(res.UnitsPerSec, "units/s")
	b.ReportMetric(float64(res.StartMedian.Microseconds())/1000, "start-ms")
	b.ReportMetric(float64(res.StopMedian.Microseconds())/1000, "stop-ms")
	return res
}

// BenchRealizer runs Bench on r with short services: sleep, stopped by SIGTERM.
func BenchRealizer(b *testing.B, r units.Realizer, n int) BenchResult {
	ctx := context.Background()
	return Bench(b, n, func(name string) error {
		st, err := r.Start(ctx, units.Spec{Name: name, Kind: units.Service, Argv: []string{"sleep", "3600"}})
		if err == nil && st.State != units.Running {
			err = fmt.Errorf("started as %v", st)
		}
		return err
	}, func(name string) error {
		_, err := r.Stop(ctx, name)
		return err
	})
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
