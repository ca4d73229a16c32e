package fallback

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/launch"
)

// Options configure New.
type Options struct {
	// Logger receives the realizer's decisions (restarts, failures); nil discards them.
	Logger *slog.Logger
}

// Realizer supervises units itself, keeping their state under a run directory. It
// implements units.Realizer.
type Realizer struct {
	dir string
	log *slog.Logger
	hub units.Hub

	ctx    context.Context // ends at Close: supervisors stop watching
	cancel context.CancelFunc
	wg     sync.WaitGroup // supervisors

	mu    sync.Mutex
	units map[string]*unit // started or adopted by this realizer, until they end
}

var _ units.Realizer = (*Realizer)(nil)

// unit is a unit this realizer supervises. Its fields are guarded by Realizer.mu.
type unit struct {
	rec   record     // as saved; rec.Spec has no Files
	files []*os.File // our duplicates of the spec's Files, for restarts
	proc  *launch.Process
	state units.State

	started  time.Time     // when the current process started, for the backoff
	failures int           // quick failures in a row, for the backoff
	stopping bool          // Stop is in progress: no restarts
	wake     chan struct{} // closed by Stop to cut a restart delay short
	done     chan struct{} // closed when the supervisor ends
}

// New returns a realizer that keeps its state in runDir, which it creates if needed.
// Units recorded there by an earlier instance are left alone until Adopt.
func New(runDir string, opts Options) (*Realizer, error) {
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, fmt.Errorf("unit state directory: %w", err)
	}
	// Temporary files of saves that a crash interrupted.
	if err := atomicfile.Sweep(runDir); err != nil {
		return nil, fmt.Errorf("unit state directory: %w", err)
	}
	r := &Realizer{dir: runDir, log: opts.Logger, units: map[string]*unit{}}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

// Watch implements units.Realizer.
func (r *Realizer) Watch(pattern string) (*units.Watch, error) { return r.hub.Watch(pattern) }

// Close stops supervising. The processes keep running, their state files stay, and a
// new realizer on the same directory can adopt them.
func (r *Realizer) Close() error {
	r.cancel()
	r.wg.Wait()
	r.mu.Lock()
	for name, u := range r.units {
		u.release()
		delete(r.units, name)
	}
	r.mu.Unlock()
	r.hub.Close()
	return nil
}

func (r *Realizer) closed() bool { return r.ctx.Err() != nil }

// status is the unit's Status now.
func (u *unit) status() units.Status {
	st := units.Status{Name: u.rec.Spec.Name, Description: u.rec.Spec.Description, State: u.state,
		Restarts: u.rec.Restarts, Exit: u.rec.Exit, Result: u.rec.Result}
	if u.proc != nil && (u.state == units.Running || u.state == units.Stopping) {
		st.MainPID = u.proc.Pid
	}
	return st
}

// release closes what the realizer holds for u; the process is not touched.
func (u *unit) release() {
	if u.proc != nil {
		u.proc.Close()
		u.proc = nil
	}
	for _, f := range u.files {
		f.Close()
	}
	u.files = nil
}

// setLocked moves u to state, saves it and publishes the change as kind.
func (r *Realizer) setLocked(u *unit, state units.State, kind units.EventKind) {
	u.state = state
	u.rec.State = state.String()
	if err := r.save(&u.rec); err != nil {
		r.log.Error("unit state not saved", "unit", u.rec.Spec.Name, "err", err)
	}
	r.hub.Publish(units.Event{Kind: kind, Status: u.status()})
}

// endLocked ends u for good: it is forgotten, with its record, after the last event.
func (r *Realizer) endLocked(u *unit, state units.State) {
	u.state = state
	r.hub.Publish(units.Event{Kind: units.StateChanged, Status: u.status()})
	r.forget(u.rec.Spec.Name)
	if r.units[u.rec.Spec.Name] == u {
		delete(r.units, u.rec.Spec.Name)
	}
	u.release()
	if !u.stopping { // Stop takes care of bound units first
		r.endedBound(u.rec.Spec.Name)
	}
}

// Status implements units.Realizer. A unit recorded but not adopted is reported from its
// record, with its process checked.
func (r *Realizer) Status(ctx context.Context, name string) (units.Status, error) {
	r.mu.Lock()
	if u := r.units[name]; u != nil {
		defer r.mu.Unlock()
		return u.status(), nil
	}
	r.mu.Unlock()
	rec, err := r.load(name)
	if errors.Is(err, fs.ErrNotExist) {
		return units.Status{Name: name}, fmt.Errorf("status of %s: %w", name, units.ErrNotFound)
	} else if err != nil {
		return units.Status{Name: name}, err
	}
	return inspect(rec), nil
}

// SetLimits implements units.Realizer. There are no cgroups here to set limits in, so
// only a change that asks for none succeeds.
func (r *Realizer) SetLimits(ctx context.Context, name string, res units.Resources) error {
	st, err := r.Status(ctx, name)
	if err == nil && !st.State.Up() {
		err = units.ErrNotFound
	}
	if err == nil && res.Limits() {
		err = errNoLimits
	}
	if err != nil {
		return fmt.Errorf("set limits of %s: %w", name, err)
	}
	return nil
}

// List implements units.Realizer.
func (r *Realizer) List(ctx context.Context, pattern string) ([]units.Status, error) {
	names, err := r.recorded()
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	var out []units.Status
	for _, name := range names {
		if !units.Match(pattern, name) {
			continue
		}
		if st, err := r.Status(ctx, name); err == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// inspect describes a recorded unit that nobody supervises, without touching it.
func inspect(rec *record) units.Status {
	st := units.Status{Name: rec.Spec.Name, Description: rec.Spec.Description, Restarts: rec.Restarts,
		Exit: rec.Exit, Result: rec.Result, State: parseState(rec.State)}
	if rec.Spec.Kind == units.Oneshot {
		return st
	}
	if p, err := launch.Open(rec.PID, rec.Identity); err == nil {
		exited := p.Exited()
		p.Close()
		if !exited {
			st.MainPID = rec.PID
			return st
		}
	}
	st.State = units.Dead
	return st
}

func parseState(s string) units.State {
	for st := units.Dead; st <= units.Failed; st++ {
		if st.String() == s {
			return st
		}
	}
	return units.Dead
}
