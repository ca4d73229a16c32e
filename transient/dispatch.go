package transient

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/units"
)

// jobWaiter collects the JobRemoved signals of one unit while a Start or Stop waits for
// its job. The job's path is known only once the call returns, and its JobRemoved may be
// handled before that, so every result for the unit is kept until the caller looks:
// none is ever dropped, however many jobs of the unit end meanwhile.
type jobWaiter struct {
	unit   string
	mu     sync.Mutex
	ended  []jobResult
	notify chan struct{} // a token when ended grows; the signal handler never blocks
}

// add keeps res for the waiter and wakes it.
func (w *jobWaiter) add(res jobResult) {
	w.mu.Lock()
	w.ended = append(w.ended, res)
	w.mu.Unlock()
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// take returns the result of job if it has ended.
func (w *jobWaiter) take(job dbus.ObjectPath) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, res := range w.ended {
		if res.job == job {
			return res.result, true
		}
	}
	return "", false
}

type jobResult struct {
	job    dbus.ObjectPath
	result string // "done", "failed", "canceled", "timeout", "dependency", "skipped"
}

func (r *Realizer) waitJobs(unit string) *jobWaiter {
	w := &jobWaiter{unit: unit, notify: make(chan struct{}, 1)}
	r.mu.Lock()
	r.jobs[unit] = append(r.jobs[unit], w)
	r.mu.Unlock()
	return w
}

func (r *Realizer) unwaitJobs(w *jobWaiter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ws := r.jobs[w.unit]
	for i := range ws {
		if ws[i] == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(r.jobs, w.unit)
	} else {
		r.jobs[w.unit] = ws
	}
}

// wait returns the result of job. After a resync, whose signals may have missed the
// job's end, a job the manager no longer has counts as done: the unit's state, read
// by the resync, tells how it went.
func (r *Realizer) wait(ctx context.Context, w *jobWaiter, job dbus.ObjectPath) (string, error) {
	for {
		if result, ok := w.take(job); ok {
			return result, nil
		}
		r.mu.Lock()
		resynced := r.resynced
		r.mu.Unlock()
		select {
		case <-w.notify:
		case <-resynced:
			if r.jobGone(ctx, job) {
				return "done", nil
			}
		case <-ctx.Done():
			return "", fmt.Errorf("wait for job %s of %s: %w", job, w.unit, ctx.Err())
		case <-r.ctx.Done():
			return "", fmt.Errorf("wait for job %s of %s: %w", job, w.unit, units.ErrClosed)
		}
	}
}

// DeliverSignal implements dbus.SignalHandler. godbus calls it from its reader
// goroutine, in the order messages arrive, so it must never block: it updates the
// tracked units and hands events and job results on through queues.
func (r *Realizer) DeliverSignal(iface, member string, sig *dbus.Signal) {
	switch iface + "." + member {
	case "org.freedesktop.DBus.NameOwnerChanged":
		// The manager re-executed or restarted: catch up on what it said meanwhile.
		var name, from, to string
		if dbus.Store(sig.Body, &name, &from, &to) == nil && name == systemdName && to != "" {
			go func() {
				ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
				defer cancel()
				r.log.Info("the systemd manager is back on the bus; reading the units again", "owner", to)
				r.resync(ctx, false)
			}()
		}
	case managerIface + ".JobRemoved":
		var id uint32
		var res jobResult
		var unit string
		if dbus.Store(sig.Body, &id, &res.job, &unit, &res.result) != nil {
			return
		}
		r.mu.Lock()
		for _, w := range r.jobs[unit] {
			w.add(res)
		}
		r.mu.Unlock()
	case "org.freedesktop.DBus.Properties.PropertiesChanged":
		var ifc string
		var changed map[string]dbus.Variant
		var invalidated []string
		if dbus.Store(sig.Body, &ifc, &changed, &invalidated) != nil {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		u := r.units[sig.Path]
		if u == nil {
			return
		}
		for name, v := range changed {
			if isWatched(name) {
				u.set(name, v.Value(), sig.Sequence)
			}
		}
		var stale []string
		for _, name := range invalidated {
			if isWatched(name) {
				stale = append(stale, name)
			}
		}
		if len(stale) > 0 {
			go r.refresh(u, ifc, stale)
		}
		r.changedLocked(u)
	}
}

// changedLocked publishes what changed in u and forgets u once it has ended for good.
// Units that are only read, not tracked, have nothing to publish.
func (r *Realizer) changedLocked(u *tracked) {
	if r.units[u.path] != u {
		return
	}
	for _, ev := range u.events() {
		r.hub.Publish(ev)
	}
	if typeIface(u.name) == scopeIface && u.str("ActiveState") == "deactivating" && !u.stopSeen {
		// A scope's stop signal is SIGCONT (propStopSignal): systemd waits for us to act.
		u.stopSeen = true
		if u.stopping {
			go r.kill(u.name, "all", syscall.SIGTERM)
		} else {
			r.hub.Publish(units.Event{Kind: units.StopRequested, Status: u.status()})
		}
	}
	if u.unsettled() && !u.settling {
		u.settling = true
		go r.settle(u)
	}
	if u.final() {
		r.untrackLocked(u)
	}
}

// settle reads the state of a service that looks ended although it has a restart
// policy. The reply comes after any signal systemd sent before it, so if a restart is
// coming the read shows it; if the unit still looks ended, it has ended.
func (r *Realizer) settle(u *tracked) {
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	r.read(ctx, u, map[string][]string{unitIface: {"ActiveState", "SubState"}}, func() {
		u.settling = false
		u.settled = u.ended()
	})
}

// refresh reads properties that a signal only invalidated.
func (r *Realizer) refresh(u *tracked, iface string, names []string) {
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	r.read(ctx, u, map[string][]string{iface: names}, nil)
}

// kill sends sig to whom ("main" or "all") of unit, logging failure: for callers that
// cannot wait, such as the signal handler.
func (r *Realizer) kill(unit, whom string, sig syscall.Signal) {
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	if err := r.bus().systemd.CallWithContext(ctx, managerIface+".KillUnit", 0, unit, whom, int32(sig)).Err; err != nil {
		r.log.Warn("kill unit", "unit", unit, "signal", sig, "err", err)
	}
}
