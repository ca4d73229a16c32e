package transient

import (
	"context"
	"fmt"
	"os"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/launch"
)

// Start implements units.Realizer. It returns once systemd's start job is done: a
// service has exec'd its program, a oneshot has finished Argv, a scope holds our process,
// which then execs its program.
func (r *Realizer) Start(ctx context.Context, spec units.Spec) (units.Status, error) {
	if err := spec.Validate(); err != nil {
		return units.Status{Name: spec.Name}, err
	}
	u, err := r.track(ctx, spec.Name)
	if err != nil {
		return units.Status{Name: spec.Name}, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	defer r.release(u)
	r.mu.Lock()
	// Constant properties, which signals do not carry.
	u.set("Type", map[units.Kind]string{units.Service: "exec", units.Oneshot: "oneshot"}[spec.Kind], 0)
	u.set("Restart", restartWord(spec.Restart), 0)
	r.mu.Unlock()
	if spec.Kind == units.Scope {
		err = r.startScope(ctx, &spec, u)
	} else {
		err = r.startService(ctx, &spec)
	}
	if err == nil {
		r.mu.Lock()
		// AddRef=yes gave our connection a reference, unless machined made the unit.
		u.referred = !r.unsupported["AddRef"] && (spec.Machine == nil || !r.bus().machined)
		known := u.known()
		r.mu.Unlock()
		if !known {
			err = r.readAll(ctx, u)
		}
	}
	r.mu.Lock()
	st := u.status()
	r.mu.Unlock()
	if err != nil {
		return st, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	return st, nil
}

func (r *Realizer) startService(ctx context.Context, spec *units.Spec) error {
	path, err := launch.Resolve(spec.Argv)
	if err != nil {
		return err
	}
	stopPath := ""
	if spec.StopArgv != nil {
		if stopPath, err = launch.Resolve(spec.StopArgv); err != nil {
			return err
		}
	}
	fds := make([]int, len(spec.Files))
	for i, f := range spec.Files {
		if fds[i], err = fdOf(f); err != nil {
			return err
		}
	}
	return r.runJob(ctx, spec.Name, func() (dbus.ObjectPath, error) {
		return r.startUnit(ctx, spec.Name, serviceProps(spec, path, stopPath, fds))
	})
}

// runJob makes the call that queues a job for unit and waits for the job to finish.
func (r *Realizer) runJob(ctx context.Context, unit string, call func() (dbus.ObjectPath, error)) error {
	w := r.waitJobs(unit)
	defer r.unwaitJobs(w)
	job, err := call()
	if err != nil {
		return err
	}
	res, err := r.wait(ctx, w, job)
	if err != nil {
		return err
	}
	if res != "done" {
		return fmt.Errorf("systemd job %s", res)
	}
	return nil
}

// startScope forks the process held before exec, makes the scope around it (through
// machined when the spec names a machine and machined runs), and then lets it exec.
func (r *Realizer) startScope(ctx context.Context, spec *units.Spec, u *tracked) error {
	p, err := launch.Start(spec, spec.Argv, true)
	if err != nil {
		return err
	}
	released := false
	defer func() {
		if !released {
			p.Abort()
		}
	}()
	pidfd, err := p.DupPidFD()
	if err != nil {
		return err
	}
	defer unix.Close(pidfd)
	r.mu.Lock()
	u.mainPID, u.exit = p.Pid, nil
	r.mu.Unlock()
	if spec.Machine != nil && r.bus().machined {
		err = r.createMachine(ctx, spec, p.Pid)
	} else {
		err = r.runJob(ctx, spec.Name, func() (dbus.ObjectPath, error) {
			return r.startUnit(ctx, spec.Name, scopeProps(spec, pidfd, p.Pid))
		})
	}
	if err != nil {
		return err
	}
	released = true
	if err := p.Release(); err != nil {
		return err
	}
	r.mu.Lock()
	r.watchLocked(u, p)
	r.mu.Unlock()
	return nil
}

// watchLocked makes p the scope's main process and watches it.
func (r *Realizer) watchLocked(u *tracked, p *launch.Process) {
	ctx, cancel := context.WithCancel(context.Background())
	u.mainPID, u.exit = p.Pid, nil
	u.reaped, u.stopChild = make(chan struct{}), cancel
	go r.watchChild(ctx, u, p)
}

// watchChild waits for a scope's main process and reports its exit the moment it
// happens (with the exit status when it is our child): for QEMU, the moment destroy may
// return.
func (r *Realizer) watchChild(ctx context.Context, u *tracked, p *launch.Process) {
	exit, err := p.Wait(ctx)
	p.Close()
	if err != nil {
		return // the realizer closed; the process runs on
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	u.exit, u.mainPID = exit, 0
	close(u.reaped)
	st := u.status()
	r.hub.Publish(units.Event{Kind: units.ProcessExited, Status: st})
	if u.final() {
		r.untrackLocked(u)
	}
}

// createMachine registers the held process with systemd-machined, which creates the
// scope and answers once the scope's job is done. As libvirt does, it falls back from
// CreateMachineWithNetwork to CreateMachine when machined lacks the former.
func (r *Realizer) createMachine(ctx context.Context, spec *units.Spec, leader int) error {
	m := spec.Machine
	class, service := m.Class, m.Service
	if class == "" {
		class = "vm"
	}
	if service == "" {
		service = "virtunit"
	}
	props := machineScopeProps(spec)
	obj := r.bus().conn.Object(machinedName, "/org/freedesktop/machine1")
	const iface = "org.freedesktop.machine1.Manager"
	withNetwork := true
	for {
		var path dbus.ObjectPath
		var call *dbus.Call
		if withNetwork {
			nics := m.NetworkInterfaces
			if nics == nil {
				nics = []int32{}
			}
			call = obj.CallWithContext(ctx, iface+".CreateMachineWithNetwork", 0, m.Name, m.UUID[:], service, class,
				uint32(leader), m.RootDirectory, nics, r.usable(props))
		} else {
			call = obj.CallWithContext(ctx, iface+".CreateMachine", 0, m.Name, m.UUID[:], service, class,
				uint32(leader), m.RootDirectory, r.usable(props))
		}
		err := call.Store(&path)
		switch {
		case err == nil:
			return nil
		case withNetwork && dbusErr(err, "org.freedesktop.DBus.Error.UnknownMethod"):
			withNetwork = false
		case r.dropRefused(err, props):
		default:
			return fmt.Errorf("register machine %s with systemd-machined: %w", m.Name, mapErr(err))
		}
	}
}

// fdOf returns f's descriptor without os.File.Fd's side effect of making it blocking.
func fdOf(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	err = rc.Control(func(x uintptr) { fd = int(x) })
	return fd, err
}
