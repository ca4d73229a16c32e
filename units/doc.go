// Package units describes the processes and host setup that virtunit runs for a resource
// (a guest's QEMU, a network's dnsmasq, a network's bridge and firewall) as units, and
// defines the Realizer interface through which drivers start, watch, stop and adopt them.
//
// A driver never knows who realizes its units. The daemon picks a realizer once at startup:
// package transient (transient systemd units over D-Bus) when systemd runs the host, or
// package fallback (the daemon supervises the processes itself) when it does not. Both pass
// the conformance suite in units/unitstest, so a driver sees the same behaviour from both.
//
// # Specs
//
// A Spec is plain data: a systemd unit name with its suffix, a Kind, the command line and
// environment, the restart policy, the stop timeout, dependencies and the file descriptors
// the process inherits. Spec.Validate rejects nonsense (empty argv, names with '/' or
// newlines, absurd timeouts) before anything starts; every realizer calls it first.
//
// # How drivers use it
//
// A QEMU guest is a Scope named by MachineScope ("machine-qemu\x2d1\x2dvm1.scope") in
// "machine.slice". Files carries the tap fds and the listening monitor socket (they become
// fd 3, 4, ... in QEMU), LogFile receives stdout and stderr, User and Rlimits apply before
// exec, and Machine registers the guest with systemd-machined where it runs:
//
//	w, _ := r.Watch(spec.Name) // before Start, so no event is missed
//	st, err := r.Start(ctx, spec)
//	// st.MainPID is QEMU's pid; the first event tells when and how it exited:
//	for ev := range w.C {
//		switch ev.Kind {
//		case units.ProcessExited: // ev.Status.Exit: code or signal, the moment QEMU is gone
//		case units.StopRequested: // systemctl stop / host shutdown: power the guest down
//		}
//	}
//	st, err = r.Stop(ctx, spec.Name) // SIGTERM, SIGKILL after StopTimeout; returns when gone
//
// A network is a Oneshot "virtnetwork-NET.service" whose Argv sets the bridge and firewall
// up and whose StopArgv tears them down, plus a Service "virtnetwork-NET-dnsmasq.service"
// (dnsmasq --keep-in-foreground, Restart: OnFailure, RestartDelay, Env VIR_BRIDGE_NAME=...,
// BindsTo and After the network unit). Kill(ctx, name, syscall.SIGHUP) reloads dnsmasq and
// Status(...).Restarts counts its restarts.
//
// After a daemon restart (also after kill -9 of the daemon) a driver calls Adopt for each
// unit its saved state names: a running unit is watched again without being disturbed, a
// unit that ended meanwhile comes back as Dead or Failed (or ErrNotFound when the realizer
// kept no record of it), never as running.
//
// Several drivers may share one Realizer: each Watch has its own queue, so events go to
// every watcher of a unit and a slow watcher delays nobody else. Close stops watching and
// never stops units.
//
// # Choosing a realizer (daemon code)
//
//	if err := transient.Available(ctx, transient.Options{}); err == nil { // unit_backend "auto"
//		r, err = transient.New(ctx, transient.Options{Logger: log}) // root: system bus; else user bus
//	} else {
//		r, err = fallback.New(runDir, fallback.Options{Logger: log}) // e.g. /run/libvirt/units
//	}
//
// Available checks that /run/systemd/system exists and that the manager answers on the
// bus (DBUS_SYSTEM_BUS_ADDRESS is honoured, never /run/systemd/private). Neither
// realizer needs anything from the daemon's main: scopes and rlimits use a stub that is
// the daemon's own binary re-executed, recognised by an init function in units/launch.
//
// # Tests
//
// units/unitstest is the conformance suite both realizers pass; transient/systemdtest
// gives any package's tests a private systemd user manager (call systemdtest.Main from
// TestMain), so drivers can test against the real thing.
package units
