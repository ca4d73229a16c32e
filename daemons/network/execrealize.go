package network

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// execRealizer runs units as plain child processes. It stands in for units.Realizer
// until that package lands: oneshots run to completion, services are restarted after an
// unclean exit. It keeps no state across daemon restarts.
type execRealizer struct {
	mu    sync.Mutex
	units map[string]*execUnit
}

type execUnit struct {
	spec    unitSpec
	cmd     *exec.Cmd
	stopped bool
	done    chan struct{}
}

func newExecRealizer() *execRealizer { return &execRealizer{units: map[string]*execUnit{}} }

func (r *execRealizer) command(argv []string, s unitSpec) *exec.Cmd {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), s.Env...)
	if s.LogFile != "" {
		if f, err := os.OpenFile(s.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
			cmd.Stdout, cmd.Stderr = f, f
		}
	}
	return cmd
}

func (r *execRealizer) Start(ctx context.Context, s unitSpec) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.units[s.Name]; ok {
		return fmt.Errorf("unit %s already exists", s.Name)
	}
	u := &execUnit{spec: s, done: make(chan struct{})}
	if s.Oneshot {
		if err := r.command(s.Argv, s).Run(); err != nil {
			return fmt.Errorf("start %s: %w", s.Name, err)
		}
		close(u.done)
		r.units[s.Name] = u
		return nil
	}
	if err := r.spawn(u); err != nil {
		return err
	}
	r.units[s.Name] = u
	return nil
}

// spawn starts u's process and restarts it on failure until it is stopped. Called with
// r.mu held.
func (r *execRealizer) spawn(u *execUnit) error {
	cmd := r.command(u.spec.Argv, u.spec)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", u.spec.Name, err)
	}
	u.cmd = cmd
	go func() {
		err := cmd.Wait()
		time.Sleep(100 * time.Millisecond) // the restart delay
		r.mu.Lock()
		defer r.mu.Unlock()
		if u.stopped || err == nil || !u.spec.RestartOnFailure || r.spawn(u) != nil {
			close(u.done)
		}
	}()
	return nil
}

func (r *execRealizer) Stop(ctx context.Context, name string) error {
	r.mu.Lock()
	u, ok := r.units[name]
	if !ok {
		r.mu.Unlock()
		return fmt.Errorf("no unit %s", name)
	}
	delete(r.units, name)
	u.stopped = true
	if u.spec.Oneshot {
		r.mu.Unlock()
		if err := r.command(u.spec.StopArgv, u.spec).Run(); err != nil {
			return fmt.Errorf("stop %s: %w", name, err)
		}
		return nil
	}
	u.cmd.Process.Signal(syscall.SIGTERM)
	r.mu.Unlock()
	select {
	case <-u.done:
	case <-time.After(5 * time.Second):
		u.cmd.Process.Kill()
		<-u.done
	}
	return nil
}

func (r *execRealizer) Kill(ctx context.Context, name string, sig syscall.Signal) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.units[name]
	if !ok || u.cmd == nil {
		return fmt.Errorf("no running unit %s", name)
	}
	return u.cmd.Process.Signal(sig)
}

func (r *execRealizer) Up(ctx context.Context, name string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.units[name]
	return ok, nil
}
