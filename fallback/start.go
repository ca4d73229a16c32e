package fallback

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/launch"
)

// errNoLimits refuses limits: there are no cgroups here to enforce them, and running
// without them would be running another machine than the one asked for.
var errNoLimits = fmt.Errorf("memory and CPU limits need systemd: %w", units.ErrUnsupported)

// Start implements units.Realizer.
func (r *Realizer) Start(ctx context.Context, spec units.Spec) (units.Status, error) {
	fail := func(err error) (units.Status, error) {
		return units.Status{Name: spec.Name}, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	if err := spec.Validate(); err != nil {
		return units.Status{Name: spec.Name}, err
	}
	if spec.Resources.Limits() {
		return fail(errNoLimits)
	}
	if err := r.checkBindsTo(ctx, &spec); err != nil {
		return fail(err)
	}
	u := &unit{rec: record{Spec: spec, Files: len(spec.Files)}, state: units.Starting, done: make(chan struct{})}
	u.rec.Spec.Files = nil
	if err := r.reserve(u); err != nil {
		return fail(err)
	}
	var err error
	if spec.Kind == units.Oneshot {
		err = r.startOneshot(ctx, u)
	} else {
		err = r.startProcess(u, spec.Files)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		u.state = units.Failed
		st := u.status()
		if r.units[spec.Name] == u {
			delete(r.units, spec.Name)
		}
		u.release()
		return st, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	return u.status(), nil
}

// reserve claims the name for u, unless a live unit has it. A record left by a unit
// that is gone is cleared.
func (r *Realizer) reserve(u *unit) error {
	name := u.rec.Spec.Name
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed() {
		return units.ErrClosed
	}
	if r.units[name] != nil {
		return units.ErrExists
	}
	rec, err := r.load(name)
	if err == nil && inspect(rec).State.Up() {
		return fmt.Errorf("%w (recorded, not adopted)", units.ErrExists)
	} else if err == nil {
		r.forget(name)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	r.units[name] = u
	return nil
}

// startProcess starts a Service's or Scope's process, records it and supervises it.
// files are the caller's: the unit keeps duplicates for restarts.
func (r *Realizer) startProcess(u *unit, files []*os.File) error {
	for _, f := range files {
		dup, err := dupFile(f)
		if err != nil {
			return err
		}
		u.files = append(u.files, dup)
	}
	p, id, err := spawn(&u.rec.Spec, u.files)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runLocked(u, p, id, units.StateChanged)
	return nil
}

// spawn starts the process of spec with files and tells who it is.
func spawn(spec *units.Spec, files []*os.File) (*launch.Process, launch.Identity, error) {
	s := *spec
	s.Files = files
	p, err := launch.Start(&s, s.Argv, false)
	if err != nil {
		return nil, launch.Identity{}, err
	}
	// The command line is what we exec'd; the start time is read now, and if the
	// process already exited it is a zombie still, with its start time.
	id, _ := launch.Identify(p.Pid)
	return p, launch.Identity{StartTime: id.StartTime, Argv: s.Argv, PidfdID: p.ID()}, nil
}

// runningLocked makes p, identified by id, the running process of u, saves the unit
// and publishes kind (StateChanged or Restarted).
func (r *Realizer) runningLocked(u *unit, p *launch.Process, id launch.Identity, kind units.EventKind) {
	u.proc, u.started = p, time.Now()
	u.rec.PID, u.rec.Identity = p.Pid, id
	if kind == units.Restarted {
		u.rec.Restarts++
	}
	r.setLocked(u, units.Running, kind)
}

// runLocked is runningLocked for a process nobody supervises yet: it also starts its
// supervisor.
func (r *Realizer) runLocked(u *unit, p *launch.Process, id launch.Identity, kind units.EventKind) {
	r.units[u.rec.Spec.Name] = u
	r.runningLocked(u, p, id, kind)
	r.wg.Add(1)
	go r.supervise(u)
}

// startOneshot runs a Oneshot's Argv to completion; the unit is then Active.
func (r *Realizer) startOneshot(ctx context.Context, u *unit) error {
	exit, err := r.run(ctx, &u.rec.Spec, u.rec.Spec.Argv)
	r.mu.Lock()
	defer r.mu.Unlock()
	u.rec.Exit = exit
	if err != nil {
		u.rec.Result, u.state = "resources", units.Failed
		r.hub.Publish(units.Event{Kind: units.StateChanged, Status: u.status()})
		return err
	}
	if !exit.Clean() {
		u.rec.Result = resultOf(exit)
		u.state = units.Failed
		r.hub.Publish(units.Event{Kind: units.StateChanged, Status: u.status()})
		return fmt.Errorf("setup %s", exit)
	}
	u.rec.Result = "success"
	r.setLocked(u, units.Active, units.StateChanged)
	return nil
}

// run runs argv of spec to completion, within ctx and the stop timeout: SIGTERM when
// either runs out, SIGKILL after the stop timeout more.
func (r *Realizer) run(ctx context.Context, spec *units.Spec, argv []string) (*units.Exit, error) {
	p, err := launch.Start(spec, argv, false)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(ctx, spec.EffectiveStopTimeout())
	defer cancel()
	exit, err := p.Wait(ctx)
	if err == nil {
		return exit, nil
	}
	p.SignalGroup(syscall.SIGTERM)
	kill := time.AfterFunc(spec.EffectiveStopTimeout(), func() { p.SignalGroup(syscall.SIGKILL) })
	defer kill.Stop()
	exit, _ = p.Wait(r.ctx)
	return exit, fmt.Errorf("%s did not finish in time: %w", argv[0], err)
}

func dupFile(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var dup int
	var derr error
	if err := rc.Control(func(fd uintptr) { dup, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, fmt.Errorf("dup fd: %w", derr)
	}
	return os.NewFile(uintptr(dup), f.Name()), nil
}

// resultOf words an exit as systemd's Result does.
func resultOf(e *units.Exit) string {
	switch {
	case e == nil:
		return ""
	case e.Clean() || cleanSignal(e.Signal):
		return "success"
	case e.Signal != 0:
		return "signal"
	}
	return "exit-code"
}
