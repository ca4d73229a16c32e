package fallback

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/unitstest"
)

func newRealizer(t *testing.T, dir string) *Realizer {
	t.Helper()
	r, err := New(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConformance(t *testing.T) {
	unitstest.Run(t, unitstest.Harness{New: func(t *testing.T, dir string) units.Realizer { return newRealizer(t, dir) }})
}

func sleeper(name string) units.Spec {
	return units.Spec{Name: name, Kind: units.Service, Argv: []string{"sleep", "60"}, StopTimeout: 5 * time.Second}
}

func gone(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err != nil
}

// TestSurvivesDaemonKill9 starts a unit from another process, kills that process with
// SIGKILL, and adopts the unit: the process was not its child, so its exit status is
// unknown, but it is watched and stopped all the same.
func TestSurvivesDaemonKill9(t *testing.T) {
	dir := t.TempDir()
	exe, _ := os.Executable()
	d := exec.Command(exe)
	d.Env = append(os.Environ(), daemonEnv+"="+dir)
	out, _ := d.StdoutPipe()
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Scan()
	pid, err := strconv.Atoi(sc.Text())
	if err != nil {
		t.Fatalf("daemon: %s", sc.Text())
	}
	d.Process.Kill()
	d.Wait()
	if gone(pid) {
		t.Fatal("the unit died with the daemon")
	}

	r := newRealizer(t, dir)
	defer r.Close()
	st, err := r.Adopt(ctx(t), "survivor.service")
	if err != nil || st.State != units.Running || st.MainPID != pid {
		t.Fatalf("Adopt = %v, %v, want running with pid %d", st, err, pid)
	}
	t0 := time.Now()
	st, err = r.Stop(ctx(t), "survivor.service")
	if err != nil || st.State != units.Dead || st.Exit != nil {
		t.Errorf("Stop = %v, %v, want dead with an unknown exit", st, err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("Stop took %v", d)
	}
	if _, err := os.Stat(filepath.Join(dir, "survivor.service.json")); err == nil {
		t.Error("state file left after Stop")
	}
}

// TestStateFile checks what the state file records, and that writing it leaves no
// temporary files behind.
func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	r := newRealizer(t, dir)
	defer r.Close()
	spec := sleeper("state.service")
	spec.Description = "recorded"
	st, err := r.Start(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop(ctx(t), spec.Name)
	data, err := os.ReadFile(filepath.Join(dir, "state.service.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.PID != st.MainPID || rec.Identity.StartTime == 0 || !slices.Equal(rec.Identity.Argv, spec.Argv) ||
		rec.State != "running" || rec.Spec.Description != "recorded" {
		t.Errorf("state file:\n%s", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("run directory holds %d entries, want the state file only", len(entries))
	}
}

func TestBackoff(t *testing.T) {
	cases := []struct {
		base     time.Duration
		failures int
		want     time.Duration
	}{
		{0, 0, 100 * time.Millisecond},
		{0, 3, 800 * time.Millisecond},
		{time.Second, 1, 2 * time.Second},
		{time.Second, 30, time.Minute},
		{2 * time.Minute, 5, 2 * time.Minute}, // never below the configured delay
	}
	for _, c := range cases {
		if got := backoff(c.base, c.failures); got != c.want {
			t.Errorf("backoff(%v, %d) = %v, want %v", c.base, c.failures, got, c.want)
		}
	}
}

// TestPolicyAppliesAfterRestart: a service with a restart policy that died while no
// daemon watched is restarted on adoption, as systemd would have done meanwhile; one
// whose inherited fds were lost with the daemon is not restarted without them.
func TestPolicyAppliesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	r := newRealizer(t, dir)
	spec := sleeper("policy.service")
	spec.Restart = units.RestartOnFailure
	withFD := sleeper("fds.service")
	withFD.Restart = units.RestartAlways
	withFD.Files = []*os.File{os.Stdin}
	first, err := r.Start(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	fdUnit, err := r.Start(ctx(t), withFD)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	syscall.Kill(first.MainPID, syscall.SIGKILL)
	for !gone(first.MainPID) { // our child: reap it, as its dead parent's init would
		syscall.Wait4(first.MainPID, nil, 0, nil)
	}

	r = newRealizer(t, dir)
	defer r.Close()
	st, err := r.Adopt(ctx(t), spec.Name)
	if err != nil || st.State != units.Running || st.Restarts != 1 || st.MainPID == first.MainPID {
		t.Errorf("Adopt = %v, %v, want restarted once", st, err)
	}
	r.Stop(ctx(t), spec.Name)

	w, _ := r.Watch(withFD.Name)
	defer w.Close()
	if st, err := r.Adopt(ctx(t), withFD.Name); err != nil || st.MainPID != fdUnit.MainPID {
		t.Fatalf("Adopt = %v, %v", st, err)
	}
	syscall.Kill(fdUnit.MainPID, syscall.SIGKILL)
	ev := unitstest.NextEvent(t, w, "end", func(ev units.Event) bool { return ev.Status.State == units.Failed || ev.Kind == units.Restarted })
	if ev.Status.State != units.Failed || ev.Status.Result != "resources" {
		t.Errorf("after losing its fds: %v, want failed for lack of resources", ev)
	}
}

// TestPromptReaping kills units from outside and checks that each exit is reported
// with its status, and the process reaped, the moment it happens.
func TestPromptReaping(t *testing.T) {
	r := newRealizer(t, t.TempDir())
	defer r.Close()
	w, _ := r.Watch("*")
	defer w.Close()
	const n = 10
	pids := map[string]int{}
	for i := range n {
		st, err := r.Start(ctx(t), sleeper(fmt.Sprintf("reap-%d.service", i)))
		if err != nil {
			t.Fatal(err)
		}
		pids[st.Name] = st.MainPID
	}
	var worst time.Duration
	for name, pid := range pids {
		t0 := time.Now()
		syscall.Kill(pid, syscall.SIGKILL)
		ev := unitstest.NextEvent(t, w, name+" exit", func(ev units.Event) bool { return ev.Kind == units.ProcessExited && ev.Status.Name == name })
		worst = max(worst, time.Since(t0))
		if ev.Status.Exit == nil || ev.Status.Exit.Signal != syscall.SIGKILL {
			t.Errorf("%v, want killed by SIGKILL", ev)
		}
		if !gone(pid) {
			t.Errorf("pid %d not reaped when its exit was reported", pid)
		}
	}
	t.Logf("slowest exit report: %v", worst)
}
