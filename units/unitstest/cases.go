package unitstest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/units"
)

// cases is the suite: what every realizer must do, in one table.
var cases = []struct {
	name string
	run  func(e *env)
}{
	{"start and stop a service", startStop},
	{"a crashed service is restarted and counted", crashRestart},
	{"an exit status is reported", exitStatus},
	{"stop escalates to SIGKILL after the stop timeout", forKinds(stopEscalates)},
	{"a scope's process inherits fds", scopeInheritsFD},
	{"oneshot setup and teardown run in order", oneshot},
	{"a bound service stops before its oneshot", bound},
	{"SIGHUP reaches the main process", sighup},
	{"each watcher sees its own units", watchers},
	{"concurrent starts and stops", concurrent},
	{"units are adopted after a daemon restart", adopt},
	{"a unit that died while the daemon was down is reported", forKinds(deadWhileDown)},
	{"a reused pid is not adopted", pidReuse},
	{"bad specs are rejected before anything starts", badSpecs},
	{"name clashes and unknown names", names},
	{"limits change on a running unit", forKinds(limits)},
}

func startStop(e *env) {
	spec := e.spec(units.Service, ".service", "serve")
	w := e.watch(spec.Name)
	st := e.start(spec)
	pid := e.rep.expect(e.t, "ready")
	if st.State != units.Running || st.MainPID != pid || st.Name != spec.Name {
		e.t.Fatalf("Start = %v, want running with pid %d", st, pid)
	}
	if got, err := e.r.Status(e.ctx(), spec.Name); err != nil || got.State != units.Running || got.MainPID != pid {
		e.t.Errorf("Status = %v, %v", got, err)
	}
	if list, err := e.r.List(e.ctx(), "ut-*"); err != nil || len(list) != 1 || list[0].Name != spec.Name || list[0].State != units.Running {
		e.t.Errorf("List = %v, %v", list, err)
	}
	e.next(w, "running", func(ev units.Event) bool { return ev.Status.State == units.Running })

	t0 := time.Now()
	st, err := e.r.Stop(e.ctx(), spec.Name)
	if err != nil || !ended(st.State) {
		e.t.Fatalf("Stop = %v, %v", st, err)
	}
	if alive(pid) {
		e.t.Errorf("pid %d still runs after Stop returned", pid)
	}
	if d := time.Since(t0); d > spec.StopTimeout/2 {
		e.t.Errorf("Stop of a process that dies on SIGTERM took %v", d)
	}
	e.next(w, "process exit", func(ev units.Event) bool { return ev.Kind == units.ProcessExited })
	e.next(w, "dead", func(ev units.Event) bool { return ended(ev.Status.State) })
	// A manager may take a moment to collect the unit.
	if st, err := e.r.Status(e.ctx(), spec.Name); err == nil && !ended(st.State) || err != nil && !errors.Is(err, units.ErrNotFound) {
		e.t.Errorf("Status after Stop: %v, %v, want ended or ErrNotFound", st, err)
	}
}

func crashRestart(e *env) {
	spec := e.spec(units.Service, ".service", "serve")
	spec.Restart, spec.RestartDelay = units.RestartOnFailure, 100*time.Millisecond
	w := e.watch(spec.Name)
	e.start(spec)
	first := e.rep.expect(e.t, "ready")
	killAndWait(e.t, first)
	ev := e.next(w, "process exit", func(ev units.Event) bool { return ev.Kind == units.ProcessExited })
	if ev.Status.Exit == nil || ev.Status.Exit.Signal != syscall.SIGKILL {
		e.t.Errorf("exit event %v, want killed by SIGKILL", ev)
	}
	ev = e.next(w, "restart", func(ev units.Event) bool { return ev.Kind == units.Restarted })
	second := e.rep.expect(e.t, "ready")
	if ev.Status.Restarts != 1 || ev.Status.MainPID != second || second == first {
		e.t.Errorf("restart event %v, want 1 restart and pid %d (was %d)", ev, second, first)
	}
	if st, err := e.r.Status(e.ctx(), spec.Name); err != nil || st.Restarts != 1 || st.State != units.Running {
		e.t.Errorf("Status = %v, %v, want running with 1 restart", st, err)
	}
}

func exitStatus(e *env) {
	spec := e.spec(units.Service, ".service", "serve")
	w := e.watch(spec.Name)
	e.start(spec)
	e.rep.expect(e.t, "ready")
	if err := e.r.Kill(e.ctx(), spec.Name, syscall.SIGUSR1); err != nil { // the helper exits 7
		e.t.Fatal(err)
	}
	ev := e.next(w, "process exit", func(ev units.Event) bool { return ev.Kind == units.ProcessExited })
	if ev.Status.Exit == nil || *ev.Status.Exit != (units.Exit{Code: 7}) {
		e.t.Errorf("exit event %v, want exit status 7", ev)
	}
	ev = e.next(w, "failed", func(ev units.Event) bool { return ended(ev.Status.State) })
	if ev.Status.State != units.Failed {
		e.t.Errorf("after exit 7: %v, want failed", ev)
	}
}

// forKinds runs a case for a Service and for a Scope, as e.kind.
func forKinds(run func(*env)) func(*env) {
	return func(e *env) {
		for _, k := range []units.Kind{units.Service, units.Scope} {
			e.t.Run(k.String(), func(t *testing.T) {
				sub := &env{t: t, h: e.h, dir: t.TempDir(), rep: newReports(t), kind: k}
				sub.r = e.h.New(t, sub.dir)
				t.Cleanup(sub.cleanup)
				run(sub)
			})
		}
	}
}

// suffix is the unit-name suffix of e.kind.
func (e *env) suffix() string {
	if e.kind == units.Scope {
		return ".scope"
	}
	return ".service"
}

func stopEscalates(e *env) {
	spec := e.spec(e.kind, e.suffix(), "ignore-term")
	spec.StopTimeout = 300 * time.Millisecond
	e.start(spec)
	pid := e.rep.expect(e.t, "ready") // SIGTERM is ignored from here on
	t0 := time.Now()
	st, err := e.r.Stop(e.ctx(), spec.Name)
	d := time.Since(t0)
	if err != nil || !ended(st.State) {
		e.t.Fatalf("Stop = %v, %v", st, err)
	}
	if d < spec.StopTimeout || d > spec.StopTimeout+5*time.Second {
		e.t.Errorf("Stop took %v with a stop timeout of %v", d, spec.StopTimeout)
	}
	if st.Exit == nil || st.Exit.Signal != syscall.SIGKILL {
		e.t.Errorf("Stop = %v, want killed by SIGKILL", st)
	}
	if alive(pid) {
		e.t.Errorf("pid %d survived Stop", pid)
	}
}

func scopeInheritsFD(e *env) {
	r, w, err := os.Pipe()
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Close()
	spec := e.spec(units.Scope, ".scope", "fd3")
	spec.Files = []*os.File{w}
	st := e.start(spec)
	w.Close()
	pid := e.rep.expect(e.t, "ready")
	if st.State != units.Running || st.MainPID != pid {
		e.t.Errorf("Start = %v, want running with pid %d", st, pid)
	}
	r.SetReadDeadline(time.Now().Add(waitLimit))
	got := make([]byte, len("hello fd3"))
	io.ReadFull(r, got)
	if string(got) != "hello fd3" {
		e.t.Errorf("read %q through the inherited fd", got)
	}
}

func oneshot(e *env) {
	log := filepath.Join(e.dir, "order")
	exe, _ := os.Executable()
	spec := e.spec(units.Oneshot, ".service", "append", log, "setup")
	spec.StopArgv = []string{exe, "unitstest-helper", "append", log, "teardown"}
	st := e.start(spec)
	if st.State != units.Active {
		e.t.Fatalf("Start = %v, want active", st)
	}
	if b, _ := os.ReadFile(log); string(b) != "setup\n" {
		e.t.Fatalf("after Start the log says %q", b)
	}
	if st, err := e.r.Stop(e.ctx(), spec.Name); err != nil || st.State != units.Dead {
		e.t.Fatalf("Stop = %v, %v", st, err)
	}
	if b, _ := os.ReadFile(log); string(b) != "setup\nteardown\n" {
		e.t.Fatalf("after Stop the log says %q", b)
	}

	bad := e.spec(units.Oneshot, "-bad.service", "exit", "3")
	if st, err := e.r.Start(e.ctx(), bad); err == nil || st.State != units.Failed {
		e.t.Errorf("a failing setup: Start = %v, %v, want an error and failed", st, err)
	}
}

// bound is a network: a oneshot sets the host up, a service (dnsmasq) is bound to it and
// ordered after it; stopping the oneshot stops the service first.
func bound(e *env) {
	exe, _ := os.Executable()
	log := filepath.Join(e.dir, "log")
	net := e.spec(units.Oneshot, ".service", "append", log, "up")
	net.StopArgv = []string{exe, "unitstest-helper", "append", log, "down"}
	dnsmasq := e.spec(units.Service, "-dnsmasq.service", "serve")
	dnsmasq.BindsTo, dnsmasq.After = []string{net.Name}, []string{net.Name}
	dnsmasq.Restart, dnsmasq.RestartDelay = units.RestartOnFailure, 100*time.Millisecond
	e.start(net)
	e.start(dnsmasq)
	pid := e.rep.expect(e.t, "ready")
	w := e.watch(dnsmasq.Name)
	if _, err := e.r.Stop(e.ctx(), net.Name); err != nil {
		e.t.Fatal(err)
	}
	if alive(pid) {
		e.t.Errorf("the bound service (pid %d) outlived the unit it is bound to", pid)
	}
	e.next(w, "bound service ended", func(ev units.Event) bool { return ended(ev.Status.State) })
	if b, _ := os.ReadFile(log); string(b) != "up\ndown\n" {
		e.t.Errorf("log %q", b)
	}
}

func sighup(e *env) {
	spec := e.spec(units.Service, ".service", "serve")
	e.start(spec)
	pid := e.rep.expect(e.t, "ready")
	if err := e.r.Kill(e.ctx(), spec.Name, syscall.SIGHUP); err != nil {
		e.t.Fatal(err)
	}
	if got := e.rep.expect(e.t, "hup"); got != pid {
		e.t.Errorf("hup reported by %d, want %d", got, pid)
	}
}

func watchers(e *env) {
	a := e.spec(units.Service, "-a.service", "serve")
	b := e.spec(units.Service, "-b.service", "serve")
	wa, wb, both := e.watch(a.Name), e.watch(b.Name), e.watch(e.name("-*"))
	e.start(a)
	e.start(b)
	for _, name := range []string{a.Name, b.Name} {
		if _, err := e.r.Stop(e.ctx(), name); err != nil {
			e.t.Fatal(err)
		}
	}
	for w, name := range map[*units.Watch]string{wa: a.Name, wb: b.Name} {
		e.next(w, name+" ended", func(ev units.Event) bool {
			if ev.Status.Name != name {
				e.t.Errorf("watcher of %s got %v", name, ev)
			}
			return ended(ev.Status.State)
		})
	}
	seen := map[string]bool{}
	e.next(both, "both ended", func(ev units.Event) bool {
		seen[ev.Status.Name] = seen[ev.Status.Name] || ended(ev.Status.State)
		return seen[a.Name] && seen[b.Name]
	})
}

func concurrent(e *env) {
	const n = 8
	specs := make([]units.Spec, n)
	for i := range specs {
		specs[i] = e.spec(units.Service, fmt.Sprintf("-%d.service", i), "serve")
		e.started = append(e.started, specs[i].Name)
	}
	errs := make(chan error, n)
	for _, s := range specs {
		go func() {
			st, err := e.r.Start(e.ctx(), s)
			if err == nil && st.State != units.Running {
				err = fmt.Errorf("Start(%s) = %v", s.Name, st)
			}
			errs <- err
		}()
	}
	for range specs {
		if err := <-errs; err != nil {
			e.t.Error(err)
		}
	}
	for range specs {
		e.rep.expect(e.t, "ready")
	}
	for _, s := range specs {
		go func() {
			st, err := e.r.Stop(e.ctx(), s.Name)
			if err == nil && !ended(st.State) {
				err = fmt.Errorf("Stop(%s) = %v", s.Name, st)
			}
			errs <- err
		}()
	}
	for range specs {
		if err := <-errs; err != nil {
			e.t.Error(err)
		}
	}
}

func adopt(e *env) {
	svc := e.spec(units.Service, ".service", "serve")
	svc.Restart, svc.RestartDelay = units.RestartOnFailure, 100*time.Millisecond
	scope := e.spec(units.Scope, ".scope", "serve")
	e.start(svc)
	svcPID := e.rep.expect(e.t, "ready")
	e.start(scope)
	scopePID := e.rep.expect(e.t, "ready")

	r := e.restart()
	for name, pid := range map[string]int{svc.Name: svcPID, scope.Name: scopePID} {
		st, err := r.Adopt(e.ctx(), name)
		if err != nil || st.State != units.Running || st.MainPID != pid {
			e.t.Fatalf("Adopt(%s) = %v, %v, want running with pid %d", name, st, err, pid)
		}
	}
	e.rep.none(e.t, 100*time.Millisecond) // nothing was restarted

	// Supervision resumed: the restart policy and exit notices work again.
	w := e.watch("ut-*")
	killAndWait(e.t, svcPID)
	ev := e.next(w, "restart", func(ev units.Event) bool { return ev.Kind == units.Restarted })
	if pid := e.rep.expect(e.t, "ready"); ev.Status.MainPID != pid || ev.Status.Restarts != 1 {
		e.t.Errorf("restart after adoption: %v, want pid %d and 1 restart", ev, pid)
	}
	killAndWait(e.t, scopePID)
	e.next(w, "scope ended", func(ev units.Event) bool { return ev.Status.Name == scope.Name && ended(ev.Status.State) })
}

func deadWhileDown(e *env) {
	spec := e.spec(e.kind, e.suffix(), "serve")
	e.start(spec)
	pid := e.rep.expect(e.t, "ready")
	e.r.Close()
	killAndWait(e.t, pid)
	waitReaped(e.t, pid) // as the dead daemon's children are, by init
	r := e.restart()
	st, err := r.Adopt(e.ctx(), spec.Name)
	if err != nil && !errors.Is(err, units.ErrNotFound) || err == nil && !ended(st.State) {
		e.t.Fatalf("Adopt of a unit that died = %v, %v, want dead, failed or ErrNotFound", st, err)
	}
	e.rep.none(e.t, 100*time.Millisecond) // and it was not started again
}

func pidReuse(e *env) {
	spec := e.spec(units.Service, ".service", "serve")
	e.start(spec)
	pid := e.rep.expect(e.t, "ready")
	e.r.Close()
	killAndWait(e.t, pid)
	waitReaped(e.t, pid)
	// Two clock ticks, so that the start times differ even where pidfds have no unique
	// ids (before Linux 6.9).
	time.Sleep(20 * time.Millisecond)
	// Same pid, same command line, same environment (but no reports): only the start
	// time (and the pidfd id) tells it apart.
	env := []string{}
	for _, kv := range spec.Env {
		if !strings.HasPrefix(kv, reportEnv+"=") {
			env = append(env, kv)
		}
	}
	imp := impostor(e.t, pid, spec.Argv, env)
	r := e.restart()
	st, err := r.Adopt(e.ctx(), spec.Name)
	if err == nil && !ended(st.State) {
		e.t.Fatalf("Adopt = %v: the impostor with pid %d was adopted", st, pid)
	}
	r.Stop(e.ctx(), spec.Name)
	if !alive(imp.Process.Pid) {
		e.t.Fatal("the realizer killed the process that reused the pid")
	}
}

func badSpecs(e *env) {
	base := e.spec(units.Service, ".service", "serve")
	bad := []func(*units.Spec){
		func(s *units.Spec) { s.Argv = nil },
		func(s *units.Spec) { s.Name = "ut-a/b.service" },
		func(s *units.Spec) { s.Name = "ut-a\nb.service" },
		func(s *units.Spec) { s.StopTimeout = 1000 * time.Hour },
		func(s *units.Spec) { s.RestartDelay = -time.Second },
		func(s *units.Spec) { s.Name = strings.TrimSuffix(s.Name, ".service") + ".scope" },
	}
	for i, mutate := range bad {
		s := base
		mutate(&s)
		if _, err := e.r.Start(e.ctx(), s); !errors.Is(err, units.ErrInvalid) {
			e.t.Errorf("bad spec %d: Start = %v, want ErrInvalid", i, err)
		}
	}
	missing := base
	missing.Argv = []string{"/nonexistent/program"}
	if _, err := e.r.Start(e.ctx(), missing); err == nil || !strings.Contains(err.Error(), "/nonexistent/program") {
		e.t.Errorf("missing program: Start = %v, want an error naming it", err)
	}
	if list, err := e.r.List(e.ctx(), "ut-*"); err != nil || len(list) != 0 {
		e.t.Errorf("List after rejected starts = %v, %v, want nothing", list, err)
	}
	e.rep.none(e.t, 100*time.Millisecond)
}

func names(e *env) {
	spec := e.spec(units.Service, ".service", "serve")
	e.start(spec)
	e.rep.expect(e.t, "ready")
	if _, err := e.r.Start(e.ctx(), spec); !errors.Is(err, units.ErrExists) {
		e.t.Errorf("second Start = %v, want ErrExists", err)
	}
	unknown := e.name("-unknown.service")
	if _, err := e.r.Stop(e.ctx(), unknown); !errors.Is(err, units.ErrNotFound) {
		e.t.Errorf("Stop(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := e.r.Status(e.ctx(), unknown); !errors.Is(err, units.ErrNotFound) {
		e.t.Errorf("Status(unknown) = %v, want ErrNotFound", err)
	}
	if err := e.r.Kill(e.ctx(), unknown, syscall.SIGHUP); !errors.Is(err, units.ErrNotFound) {
		e.t.Errorf("Kill(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := e.r.Adopt(e.ctx(), unknown); !errors.Is(err, units.ErrNotFound) {
		e.t.Errorf("Adopt(unknown) = %v, want ErrNotFound", err)
	}
	if err := e.r.ResetFailed(e.ctx(), unknown); !errors.Is(err, units.ErrNotFound) {
		e.t.Errorf("ResetFailed(unknown) = %v, want ErrNotFound", err)
	}
}

// limits retunes a running unit: a change that asks for no limits succeeds anywhere,
// one that does is carried out or refused as unsupported, and either way the unit runs
// on untouched. A unit that is not up has no limits to change.
func limits(e *env) {
	spec := e.spec(e.kind, e.suffix(), "serve")
	st := e.start(spec)
	pid := e.rep.expect(e.t, "ready")
	if err := e.r.SetLimits(e.ctx(), spec.Name, units.Resources{DevicePolicy: "closed"}); err != nil {
		e.t.Errorf("SetLimits(no limits) = %v", err)
	}
	err := e.r.SetLimits(e.ctx(), spec.Name, units.Resources{MemoryMax: 1 << 30, CPUWeight: 200, CPUQuota: 50 * time.Millisecond})
	if err != nil && !errors.Is(err, units.ErrUnsupported) {
		e.t.Errorf("SetLimits = %v, want success or ErrUnsupported", err)
	}
	if got, err := e.r.Status(e.ctx(), spec.Name); err != nil || got.State != units.Running || !alive(pid) || got.MainPID != st.MainPID {
		e.t.Errorf("after SetLimits: Status = %v, %v (pid %d alive: %v)", got, err, pid, alive(pid))
	}
	if _, err := e.r.Stop(e.ctx(), spec.Name); err != nil {
		e.t.Fatal(err)
	}
	if err := e.r.SetLimits(e.ctx(), spec.Name, units.Resources{}); !errors.Is(err, units.ErrNotFound) {
		e.t.Errorf("SetLimits(stopped) = %v, want ErrNotFound", err)
	}
	if err := e.r.SetLimits(e.ctx(), e.name("-unknown"+e.suffix()), units.Resources{}); !errors.Is(err, units.ErrNotFound) {
		e.t.Errorf("SetLimits(unknown) = %v, want ErrNotFound", err)
	}
}
