// Package transient realizes units as transient systemd units, through the manager's
// D-Bus API (org.freedesktop.systemd1): the system manager for root daemons, the user
// manager for session daemons. Services and oneshots are StartTransientUnit calls; a
// scope is a process this package forks itself (through units/launch's stub, held before
// exec), puts into a new scope and then releases, so QEMU's every thread is born inside
// the scope and its inherited fds (taps, monitor socket) just work. When
// systemd-machined runs, a Spec with a Machine is registered through it (as libvirt does)
// so that machinectl lists the guest.
//
// Everything goes over ONE connection that this package dials itself: method calls,
// the single Subscribe, the path-filtered PropertiesChanged matches of the units it
// watches, and JobRemoved. One connection means one unique name for AddRef and job
// tracking, and one ordered stream, which godbus numbers
// (Signal.Sequence, Call.ResponseSequence) so that a property snapshot never overwrites
// a newer change. Signals are handled inside godbus's reader through a custom
// SignalHandler that never blocks.
//
// A stop of a scope that the realizer did not ask for (systemctl stop, machinectl
// terminate, the host shutting down) is reported as StopRequested, so that the owner
// can shut the guest down gracefully: a scope's stop signal is SIGCONT, which leaves
// QEMU running, and systemd waits TimeoutStopUSec for the scope to empty before it
// sends SIGKILL. This holds for scopes adopted after a restart, too.
//
// go-systemd's Conn is not used: its PropExecStart names its flag as if it meant
// "unclean exit is failure" while systemd reads it as "ignore failure" (our ExecStart
// builder always sends false), its job channels deadlock if a caller stops reading
// (cri-o#5914), and its subscribers poll ListUnits. go-systemd's property type and
// helpers, its path escaping and its unit-name escaping are used where they fit.
package transient
