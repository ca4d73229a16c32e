// Package unitstest is the conformance suite every units.Realizer passes: one table of
// cases, one body, run against package transient (over a real systemd user manager) and
// package fallback, so that drivers see the same behaviour from both.
//
// The units' payload is the test binary itself, re-run as a helper process (see
// helper.go): a real process that reports to the test over a unix socket. Import this
// package from the realizer's tests and call Run:
//
//	func TestConformance(t *testing.T) {
//		unitstest.Run(t, unitstest.Harness{New: func(t *testing.T, dir string) units.Realizer {
//			r, err := fallback.New(dir, fallback.Options{})
//			...
//		}})
//	}
package unitstest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/units"
)

// waitLimit bounds every wait for an event or report; things normally take milliseconds.
const waitLimit = 15 * time.Second

// Harness tells the suite how to make the realizer under test.
type Harness struct {
	// New makes a realizer the way a daemon does at startup. dir is the test's state
	// directory: every call within one test gets the same one, so a second call is
	// the same daemon restarted. The suite closes what New returns.
	New func(t *testing.T, dir string) units.Realizer
}

// Run runs every case of the suite as a subtest of t.
func Run(t *testing.T, h Harness) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := &env{t: t, h: h, dir: t.TempDir(), rep: newReports(t)}
			e.r = h.New(t, e.dir)
			t.Cleanup(e.cleanup)
			c.run(e)
		})
	}
}

// env is one case's world: the current realizer ("the daemon"), the reports of its
// helper processes, and the units it started.
type env struct {
	t       *testing.T
	h       Harness
	dir     string
	rep     *reports
	r       units.Realizer
	started []string
	kind    units.Kind // for cases run per kind (forKinds)
}

// restart closes the realizer and makes a new one, as a restarted daemon would.
func (e *env) restart() units.Realizer {
	e.r.Close()
	e.r = e.h.New(e.t, e.dir)
	return e.r
}

func (e *env) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, name := range e.started {
		e.r.Stop(ctx, name)
	}
	e.r.Close()
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	e.t.Cleanup(cancel)
	return ctx
}

// name makes a unit name unique to this case.
func (e *env) name(suffix string) string {
	slug := strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(e.t.Name()))
	if len(slug) > 60 { // the end of a test name tells tests apart
		slug = slug[len(slug)-60:]
	}
	return fmt.Sprintf("ut-%s%s", strings.Trim(slug, "-"), suffix)
}

// spec is a unit whose payload is the helper behaviour cmd with args.
func (e *env) spec(kind units.Kind, suffix, cmd string, args ...string) units.Spec {
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	name := e.name(suffix)
	return units.Spec{
		Name: name, Kind: kind, Description: "unitstest " + e.t.Name(),
		Argv: append([]string{exe, "unitstest-helper", cmd, name}, args...),
		// Race-enabled binaries otherwise sleep a second on exit.
		Env:         []string{helperEnv + "=" + cmd, reportEnv + "=" + e.rep.path, "GORACE=atexit_sleep_ms=0"},
		StopTimeout: 10 * time.Second,
	}
}

// start starts spec, failing the test on error, and stops the unit at cleanup.
func (e *env) start(spec units.Spec) units.Status {
	e.t.Helper()
	st, err := e.r.Start(e.ctx(), spec)
	if err != nil {
		e.t.Fatalf("Start(%s): %v", spec.Name, err)
	}
	e.started = append(e.started, spec.Name)
	return st
}

func (e *env) watch(pattern string) *units.Watch {
	e.t.Helper()
	w, err := e.r.Watch(pattern)
	if err != nil {
		e.t.Fatalf("Watch(%q): %v", pattern, err)
	}
	e.t.Cleanup(w.Close)
	return w
}

// next waits for the first event on w that ok accepts.
func (e *env) next(w *units.Watch, what string, ok func(units.Event) bool) units.Event {
	e.t.Helper()
	return NextEvent(e.t, w, what, ok)
}

// NextEvent waits (up to 15 s) for the first event on w that ok accepts, logging the
// ones it passes over; the realizers' own tests use it too.
func NextEvent(t testing.TB, w *units.Watch, what string, ok func(units.Event) bool) units.Event {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case ev, open := <-w.C:
			if !open {
				t.Fatalf("watch closed while waiting for %s", what)
			}
			if ok(ev) {
				return ev
			}
			t.Logf("event %v (waiting for %s)", ev, what)
		case <-deadline:
			t.Fatalf("no %s within %v", what, waitLimit)
		}
	}
}

// ended accepts a state that means the unit is over.
func ended(s units.State) bool { return s == units.Dead || s == units.Failed }
