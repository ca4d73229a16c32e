package fallback

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/virtunit/virtunit/units"
)

// Stop implements units.Realizer. Units bound to this one stop first. A unit recorded
// by an earlier instance is adopted first, so it is stopped the same way.
func (r *Realizer) Stop(ctx context.Context, name string) (units.Status, error) {
	u, ended, err := r.supervised(name)
	if err != nil || u == nil {
		return ended, err
	}
	if err := r.stopBound(ctx, name); err != nil {
		return units.Status{Name: name}, fmt.Errorf("stop %s: %w", name, err)
	}
	r.mu.Lock()
	if u.rec.Spec.Kind == units.Oneshot {
		r.mu.Unlock()
		return r.stopOneshot(ctx, u)
	}
	if u.stopping {
		r.mu.Unlock()
		return units.Status{Name: name}, fmt.Errorf("stop %s: already stopping", name)
	}
	u.stopping = true
	if u.wake != nil {
		close(u.wake)
	}
	running := u.proc != nil // else it waits to be restarted: its last exit is history
	r.setLocked(u, units.Stopping, units.StateChanged)
	r.signalLocked(u, syscall.SIGTERM, false)
	timeout := u.rec.Spec.EffectiveStopTimeout()
	r.mu.Unlock()

	killed := false
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-u.done:
	case <-timer.C:
		killed = true
		r.mu.Lock()
		r.signalLocked(u, syscall.SIGKILL, true)
		r.mu.Unlock()
		select {
		case <-u.done:
		case <-ctx.Done():
			return units.Status{Name: name}, fmt.Errorf("stop %s: %w", name, ctx.Err())
		}
	case <-ctx.Done():
		return units.Status{Name: name}, fmt.Errorf("stop %s: %w", name, ctx.Err())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	end := units.Dead
	if exit := u.rec.Exit; killed || running && exit != nil && !exit.Clean() && !cleanSignal(exit.Signal) {
		end = units.Failed
	}
	if killed {
		u.rec.Result = "timeout"
	} else if end == units.Dead {
		u.rec.Result = "success"
	}
	r.endLocked(u, end)
	return u.status(), nil
}

// stopOneshot runs a Oneshot's StopArgv to completion.
func (r *Realizer) stopOneshot(ctx context.Context, u *unit) (units.Status, error) {
	r.mu.Lock()
	u.stopping = true
	r.setLocked(u, units.Stopping, units.StateChanged)
	spec := u.rec.Spec
	r.mu.Unlock()
	var exit *units.Exit
	var err error
	if spec.StopArgv != nil {
		exit, err = r.run(ctx, &spec, spec.StopArgv)
		if err == nil && !exit.Clean() {
			err = fmt.Errorf("teardown %s", exit)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	end := units.Dead
	if err != nil {
		end, u.rec.Result = units.Failed, resultOf(exit)
	}
	r.endLocked(u, end)
	if err != nil {
		return u.status(), fmt.Errorf("stop %s: %w", spec.Name, err)
	}
	return u.status(), nil
}

// signalLocked sends sig per the unit's KillMode: to its process group, or to the main
// process only (KillProcess, and the first SIGTERM of KillMixed). escalation is the
// SIGKILL after the stop timeout.
func (r *Realizer) signalLocked(u *unit, sig syscall.Signal, escalation bool) {
	if u.proc == nil {
		return
	}
	mode := u.rec.Spec.KillMode
	var err error
	if mode == units.KillProcess || mode == units.KillMixed && !escalation {
		err = u.proc.Signal(sig)
	} else {
		err = u.proc.SignalGroup(sig)
	}
	if err != nil {
		r.log.Warn("signal unit", "unit", u.rec.Spec.Name, "signal", sig, "err", err)
	}
}

// Kill implements units.Realizer: every process of a Scope (its process group), the main
// process of a Service.
func (r *Realizer) Kill(ctx context.Context, name string, sig syscall.Signal) error {
	u, _, err := r.supervised(name)
	if err != nil {
		return fmt.Errorf("kill %s: %w", name, err)
	}
	if u == nil {
		return fmt.Errorf("kill %s: not running", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if u.proc == nil {
		return fmt.Errorf("kill %s: no process", name)
	}
	if u.rec.Spec.Kind == units.Scope {
		err = u.proc.SignalGroup(sig)
	} else {
		err = u.proc.Signal(sig)
	}
	if err != nil {
		return fmt.Errorf("kill %s: %w", name, err)
	}
	return nil
}

// ResetFailed implements units.Realizer. Units that end are forgotten at once, so only
// a record of a unit that failed while no daemon watched is left to clear.
func (r *Realizer) ResetFailed(ctx context.Context, name string) error {
	st, err := r.Status(ctx, name)
	if err != nil {
		return fmt.Errorf("reset %s: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.units[name] == nil && !st.State.Up() {
		r.forget(name)
	}
	return nil
}
