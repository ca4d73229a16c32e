package cpuclock

import (
	"os"
	"testing"
	"time"
)

func TestUsedGrowsWithWork(t *testing.T) {
	pid := os.Getpid()
	before, err := Used(pid)
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(30 * time.Millisecond); time.Now().Before(end); {
	}
	after, err := Used(pid)
	if err != nil {
		t.Fatal(err)
	}
	if d := after - before; d < 20*time.Millisecond || d > 2*time.Second {
		t.Fatalf("30 ms of spinning counted as %v", d)
	}
}

func TestUsedRefusesAGoneProcess(t *testing.T) {
	if _, err := Used(1 << 30); err == nil {
		t.Fatal("no error for a process that does not exist")
	}
}

func TestParsePIDs(t *testing.T) {
	pids, err := ParsePIDs("12, 34,,")
	if err != nil || len(pids) != 2 || pids[0] != 12 || pids[1] != 34 {
		t.Fatalf("ParsePIDs = %v, %v", pids, err)
	}
	for _, bad := range []string{"x", "-3", "0"} {
		if _, err := ParsePIDs(bad); err == nil {
			t.Errorf("ParsePIDs(%q) took it", bad)
		}
	}
}
