package fallback

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/launch"
)

// Adopt implements units.Realizer. A live process is supervised again only if its pid
// still runs the recorded process: same start time, same command line.
func (r *Realizer) Adopt(ctx context.Context, name string) (units.Status, error) {
	u, ended, err := r.supervised(name)
	if err != nil || u == nil {
		return ended, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return u.status(), nil
}

// supervised returns the unit named name, adopting it from its record if need be. A
// recorded unit whose process is gone is handled by its restart policy, as if the
// daemon had been watching (an unknown exit counts as a failure); if it is not
// restarted, supervised returns nil with its last status, and its record is removed.
// ErrNotFound means nothing is known of the unit.
func (r *Realizer) supervised(name string) (*unit, units.Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u := r.units[name]; u != nil {
		return u, units.Status{}, nil
	}
	if r.closed() {
		return nil, units.Status{Name: name}, units.ErrClosed
	}
	rec, err := r.load(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, units.Status{Name: name}, fmt.Errorf("%s: %w", name, units.ErrNotFound)
	} else if err != nil {
		return nil, units.Status{Name: name}, err
	}
	u := &unit{rec: *rec, state: parseState(rec.State), done: make(chan struct{})}
	if rec.Spec.Kind == units.Oneshot {
		if u.state != units.Active {
			return nil, r.deadLocked(u, nil), nil
		}
		close(u.done) // no process to supervise
		r.units[name] = u
		return u, units.Status{}, nil
	}
	p, err := launch.Open(rec.PID, rec.Identity)
	if err == nil && !p.Exited() {
		u.proc, u.state = p, units.Running
		r.units[name] = u
		r.wg.Add(1)
		go r.supervise(u)
		return u, units.Status{}, nil
	}
	var exit *units.Exit
	if p != nil {
		exit = p.TryReap() // known only if this very process started it
		p.Close()
	}
	if exit != nil {
		u.rec.Exit, u.rec.Result = exit, resultOf(exit)
	}
	clean := exit != nil && (exit.Clean() || cleanSignal(exit.Signal))
	spec := &u.rec.Spec
	restart := u.rec.Files == 0 && (spec.Restart == units.RestartAlways || spec.Restart == units.RestartOnFailure && !clean)
	if !restart {
		return nil, r.deadLocked(u, exit), nil
	}
	p, id, err := spawn(spec, nil)
	if err != nil {
		r.log.Error("restart of a unit found dead failed", "unit", name, "err", err)
		u.rec.Result = "resources"
		return nil, r.deadLocked(u, exit), nil
	}
	r.runLocked(u, p, id, units.Restarted)
	return u, units.Status{}, nil
}

// deadLocked reports a recorded unit found ended: Dead if it ended cleanly, or was
// recorded so, else Failed; and forgets it.
func (r *Realizer) deadLocked(u *unit, exit *units.Exit) units.Status {
	if exit != nil && (exit.Clean() || cleanSignal(exit.Signal)) || u.state == units.Dead {
		u.state = units.Dead
	} else {
		u.state = units.Failed
	}
	r.forget(u.rec.Spec.Name)
	return u.status()
}
