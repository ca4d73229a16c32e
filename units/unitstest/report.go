package unitstest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// reports collects what helper processes report.
type reports struct {
	path  string
	lines chan string
}

func newReports(t *testing.T) *reports {
	// Short: a unix socket path has at most 107 bytes, and t.TempDir holds the test name.
	dir, err := os.MkdirTemp("", "ut")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	r := &reports{path: filepath.Join(dir, "s"), lines: make(chan string, 100)}
	l, err := net.Listen("unix", r.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if line, err := bufio.NewReader(c).ReadString('\n'); err == nil {
					r.lines <- strings.TrimSpace(line)
				}
			}()
		}
	}()
	return r
}

// expect waits for a report of what and returns the reporting pid.
func (r *reports) expect(t *testing.T, what string) int {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case line := <-r.lines:
			var got string
			var pid int
			if _, err := fmt.Sscanf(line, "%s %d", &got, &pid); err == nil && got == what {
				return pid
			}
			t.Logf("ignoring report %q while waiting for %q", line, what)
		case <-deadline:
			t.Fatalf("no %q report within %v", what, waitLimit)
		}
	}
}

// none checks that no report arrives for d.
func (r *reports) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case line := <-r.lines:
		t.Fatalf("unexpected report %q", line)
	case <-time.After(d):
	}
}
