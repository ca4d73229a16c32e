package fallback

import (
	"syscall"
	"time"

	"github.com/virtunit/virtunit/units"
)

// Restart delays: systemd's default RestartSec is the floor; quick failures in a row
// double the delay up to maxDelay; a process that ran for stableRun resets it.
const (
	minDelay  = 100 * time.Millisecond
	maxDelay  = time.Minute
	stableRun = 10 * time.Second
)

// supervise watches u's process until the unit ends, restarting it per its policy. It
// returns early when the realizer closes, leaving the process running.
func (r *Realizer) supervise(u *unit) {
	defer r.wg.Done()
	defer close(u.done)
	for {
		r.mu.Lock()
		p := u.proc
		r.mu.Unlock()
		exit, err := p.Wait(r.ctx)
		if err != nil {
			return // closed
		}
		r.mu.Lock()
		p.Close()
		u.proc, u.rec.Exit, u.rec.Result = nil, exit, resultOf(exit)
		r.hub.Publish(units.Event{Kind: units.ProcessExited, Status: u.status()})
		if u.stopping {
			r.mu.Unlock()
			return // Stop takes it from here
		}
		delay, ok := r.restartLocked(u, exit)
		r.mu.Unlock()
		if !ok || !r.pause(u, delay) {
			return
		}
		if !r.restart(u) {
			return
		}
	}
}

// restartLocked decides what follows an exit: a restart after the returned delay, or
// the end of the unit.
func (r *Realizer) restartLocked(u *unit, exit *units.Exit) (time.Duration, bool) {
	spec := &u.rec.Spec
	clean := exit != nil && (exit.Clean() || cleanSignal(exit.Signal))
	want := spec.Restart == units.RestartAlways || spec.Restart == units.RestartOnFailure && !clean
	if want && len(u.files) < u.rec.Files {
		r.log.Error("cannot restart a unit whose inherited fds were lost with a daemon restart", "unit", spec.Name)
		u.rec.Result = "resources"
		want = false
	}
	if !want {
		end := units.Failed
		if clean {
			end = units.Dead
		}
		r.endLocked(u, end)
		return 0, false
	}
	if time.Since(u.started) >= stableRun {
		u.failures = 0
	}
	delay := backoff(spec.RestartDelay, u.failures)
	u.failures++
	u.wake = make(chan struct{})
	r.setLocked(u, units.Restarting, units.StateChanged)
	r.log.Info("restarting unit", "unit", spec.Name, "exit", exit, "delay", delay)
	return delay, true
}

// backoff is the delay before the restart that follows failures quick failures in a row.
func backoff(base time.Duration, failures int) time.Duration {
	base = max(base, minDelay)
	d := base << min(failures, 20)
	return min(d, max(base, maxDelay))
}

// cleanSignal is true for the signals systemd counts as a clean end of a service.
func cleanSignal(s syscall.Signal) bool {
	return s == syscall.SIGHUP || s == syscall.SIGINT || s == syscall.SIGTERM || s == syscall.SIGPIPE
}

// pause waits out a restart delay. It says false if Stop or Close came first.
func (r *Realizer) pause(u *unit, delay time.Duration) bool {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-u.wake:
	case <-r.ctx.Done():
	}
	return false
}

// restart starts u's process again, unless Stop came first; a failure to start ends
// the unit. It says whether the new process runs.
func (r *Realizer) restart(u *unit) bool {
	r.mu.Lock()
	stopping := u.stopping
	r.mu.Unlock()
	if stopping {
		return false
	}
	p, id, err := spawn(&u.rec.Spec, u.files)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.log.Error("restart failed", "unit", u.rec.Spec.Name, "err", err)
		u.rec.Result = "resources"
		r.endLocked(u, units.Failed)
		return false
	}
	r.runningLocked(u, p, id, units.Restarted)
	if u.stopping { // Stop came while we spawned; it waits for this process too
		r.signalLocked(u, syscall.SIGTERM, false)
	}
	return true
}
