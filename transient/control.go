package transient

import (
	"context"
	"fmt"
	"syscall"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/launch"
)

// Stop implements units.Realizer. systemd sends a service SIGTERM (per KillMode) and
// SIGKILL after TimeoutStopUSec; a scope's stop signal changes nothing (propStopSignal),
// so we send its processes SIGTERM ourselves once it deactivates. Stop returns when the
// stop job is done, which systemd finishes as soon as the unit's processes are gone,
// and, for a scope we forked, once the process is reaped.
func (r *Realizer) Stop(ctx context.Context, name string) (units.Status, error) {
	u, err := r.track(ctx, name)
	if err != nil {
		return units.Status{Name: name}, fmt.Errorf("stop %s: %w", name, err)
	}
	defer r.release(u)
	r.mu.Lock()
	u.stopping = true
	reaped := u.reaped
	if u.stopSeen {
		// Someone else's stop of the scope is under way and waits for its owner: our
		// StopUnit joins that job, so carry it out now.
		go r.kill(name, "all", syscall.SIGTERM)
	}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		u.stopping = false
		r.mu.Unlock()
	}()
	err = r.runJob(ctx, name, func() (dbus.ObjectPath, error) {
		var job dbus.ObjectPath
		err := r.bus().systemd.CallWithContext(ctx, managerIface+".StopUnit", 0, name, "replace").Store(&job)
		return job, mapErr(err)
	})
	if err != nil {
		return units.Status{Name: name}, fmt.Errorf("stop %s: %w", name, err)
	}
	if reaped != nil {
		select {
		case <-reaped:
		case <-ctx.Done():
			return units.Status{Name: name}, fmt.Errorf("stop %s: %w", name, ctx.Err())
		}
	}
	r.mu.Lock()
	known := u.known()
	r.mu.Unlock()
	if !known {
		r.readAll(ctx, u) // best effort: the unit may be collected already
	}
	r.mu.Lock()
	referred := u.referred
	u.referred = false
	st := u.status()
	r.mu.Unlock()
	if referred { // let systemd collect the unit now
		r.bus().conn.Object(systemdName, u.path).CallWithContext(ctx, unitIface+".Unref", 0)
	}
	return st, nil
}

// Kill implements units.Realizer: the main process of a service, every process of a
// scope.
func (r *Realizer) Kill(ctx context.Context, name string, sig syscall.Signal) error {
	whom := "main"
	if typeIface(name) == scopeIface {
		whom = "all"
	}
	if err := r.bus().systemd.CallWithContext(ctx, managerIface+".KillUnit", 0, name, whom, int32(sig)).Err; err != nil {
		return fmt.Errorf("kill %s with %v: %w", name, sig, mapErr(err))
	}
	return nil
}

// SetLimits implements units.Realizer with SetUnitProperties, runtime only: the limits
// last as long as the unit, as those it started with do.
func (r *Realizer) SetLimits(ctx context.Context, name string, res units.Resources) error {
	st, err := r.Status(ctx, name)
	if err == nil && !st.State.Up() {
		err = units.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("set limits of %s: %w", name, err)
	}
	lims := limitProps(res)
	ps := make([]sddbus.Property, len(lims))
	for i, l := range lims {
		ps[i] = sddbus.Property{Name: l.name, Value: dbus.MakeVariant(l.v)}
	}
	if err := r.bus().systemd.CallWithContext(ctx, managerIface+".SetUnitProperties", 0, name, true, ps).Err; err != nil {
		return fmt.Errorf("set limits of %s: %w", name, mapErr(err))
	}
	return nil
}

// ResetFailed implements units.Realizer.
func (r *Realizer) ResetFailed(ctx context.Context, name string) error {
	if err := r.bus().systemd.CallWithContext(ctx, managerIface+".ResetFailedUnit", 0, name).Err; err != nil {
		return fmt.Errorf("reset %s: %w", name, mapErr(err))
	}
	return nil
}

// Status implements units.Realizer. A unit we watch is answered from what its signals
// said; another is read from systemd.
func (r *Realizer) Status(ctx context.Context, name string) (units.Status, error) {
	r.mu.Lock()
	if u := r.units[unitPath(name)]; u != nil && u.pending == 0 {
		defer r.mu.Unlock()
		return u.status(), nil
	}
	r.mu.Unlock()
	u := newTracked(name) // read, not tracked
	if err := r.readAll(ctx, u); err != nil {
		return units.Status{Name: name}, fmt.Errorf("status of %s: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if u.gone() {
		return units.Status{Name: name}, fmt.Errorf("status of %s: %w", name, units.ErrNotFound)
	}
	return u.status(), nil
}

// listedUnit is one entry of ListUnitsByPatterns, D-Bus type (ssssssouso).
type listedUnit struct {
	Name, Description, LoadState, ActiveState, SubState, Following string
	Path                                                           dbus.ObjectPath
	JobID                                                          uint32
	JobType                                                        string
	JobPath                                                        dbus.ObjectPath
}

// List implements units.Realizer with ListUnitsByPatterns. The entries carry what that
// call tells (state and description); Status or Adopt tell the rest.
func (r *Realizer) List(ctx context.Context, pattern string) ([]units.Status, error) {
	var listed []listedUnit
	if err := r.bus().systemd.CallWithContext(ctx, managerIface+".ListUnitsByPatterns", 0, []string{}, []string{pattern}).Store(&listed); err != nil {
		return nil, fmt.Errorf("list units %q: %w", pattern, err)
	}
	var out []units.Status
	for _, l := range listed {
		if !units.Match(pattern, l.Name) {
			continue // systemd's fnmatch also knows [...]
		}
		u := newTracked(l.Name)
		for k, v := range map[string]string{"LoadState": l.LoadState, "ActiveState": l.ActiveState,
			"SubState": l.SubState, "Description": l.Description} {
			u.set(k, v, 0)
		}
		if l.SubState == "exited" {
			u.set("Type", "oneshot", 0)
		}
		out = append(out, u.status())
	}
	return out, nil
}

// Adopt implements units.Realizer: watch the unit again and take a reference on it, as
// Start does. Of a scope, the main process is the session leader in it (launch makes our
// processes lead their own session); its exit status is lost with its parent. A stop
// of an adopted scope is a StopRequested as for one we started: it depends on the
// scope's stop signal, not on who watches.
func (r *Realizer) Adopt(ctx context.Context, name string) (units.Status, error) {
	r.mu.Lock()
	if u := r.units[unitPath(name)]; u != nil && u.pending == 0 {
		defer r.mu.Unlock()
		return u.status(), nil // ours already
	}
	r.mu.Unlock()
	u, err := r.track(ctx, name)
	if err != nil {
		return units.Status{Name: name}, fmt.Errorf("adopt %s: %w", name, err)
	}
	defer r.release(u)
	all := map[string][]string{unitIface: watched[unitIface], typeIface(name): watched[typeIface(name)]}
	if err := r.read(ctx, u, all, func() {
		// What happened before is history, not events.
		u.last = u.status()
		u.exitSeen, u.runs = u.num("ExecMainExitTimestampMonotonic"), u.last.Restarts
	}); err != nil {
		return units.Status{Name: name}, fmt.Errorf("adopt %s: %w", name, err)
	}
	r.mu.Lock()
	gone, st := u.gone(), u.status()
	r.mu.Unlock()
	if gone {
		return units.Status{Name: name}, fmt.Errorf("adopt %s: %w", name, units.ErrNotFound)
	}
	if st.State == units.Dead || st.State == units.Failed {
		return st, nil // released below, and so forgotten
	}
	var leader *launch.Process
	if typeIface(name) == scopeIface {
		if leader = r.scopeLeader(ctx, name); leader == nil {
			// Its processes are gone; systemd has not noticed yet.
			st.State, st.MainPID = units.Dead, 0
			return st, nil
		}
	}
	referred := r.bus().conn.Object(systemdName, u.path).CallWithContext(ctx, unitIface+".Ref", 0).Err == nil
	r.mu.Lock()
	defer r.mu.Unlock()
	u.referred = referred
	if leader != nil {
		r.watchLocked(u, leader)
	}
	return u.status(), nil
}

// scopeLeader finds the live process in a scope that leads its own session, or nil. A
// leader that has exited is reaped if it happens to be our child.
func (r *Realizer) scopeLeader(ctx context.Context, name string) *launch.Process {
	var procs []struct {
		Cgroup  string
		PID     uint32
		Cmdline string
	}
	if r.bus().systemd.CallWithContext(ctx, managerIface+".GetUnitProcesses", 0, name).Store(&procs) != nil {
		return nil
	}
	for _, p := range procs {
		// Identified before Open, which checks that the pid still is that process.
		id, err := launch.Identify(int(p.PID))
		if err != nil || id.Session != int(p.PID) {
			continue
		}
		proc, err := launch.Open(int(p.PID), id)
		if err != nil {
			continue
		}
		if !proc.Exited() {
			return proc
		}
		proc.TryReap()
		proc.Close()
	}
	return nil
}
