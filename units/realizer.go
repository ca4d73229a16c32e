package units

import (
	"context"
	"errors"
	"syscall"
)

// Errors every realizer reports in the same way; match them with errors.Is.
var (
	ErrInvalid  = errors.New("invalid unit spec")
	ErrNotFound = errors.New("no such unit")
	ErrExists   = errors.New("unit already exists")
	ErrClosed   = errors.New("realizer closed")
	// ErrUnsupported is a Start or SetLimits the realizer cannot carry out as
	// specified (limits without cgroups to enforce them).
	ErrUnsupported = errors.New("not supported by this realizer")
)

// Realizer starts, watches, stops and adopts units. Implementations: package transient
// (systemd over D-Bus) and package fallback (self-supervised). All methods are safe for
// concurrent use.
type Realizer interface {
	// Start validates spec, starts the unit and returns once it is up: Running with its
	// MainPID (Scope, Service) or Active after Argv succeeded (Oneshot). A unit of that
	// name that is still up is ErrExists.
	Start(ctx context.Context, spec Spec) (Status, error)

	// Stop stops the unit and returns its final status as soon as its processes are
	// gone: SIGTERM (per KillMode; a scope with a controller is asked first), SIGKILL
	// after StopTimeout. A Oneshot runs StopArgv. The unit is then forgotten (a manager
	// may report it as Dead until it collects it); ErrNotFound if it was unknown.
	Stop(ctx context.Context, name string) (Status, error)

	// Kill sends sig to the main process of a Service or to every process of a Scope,
	// e.g. SIGHUP to make dnsmasq reload.
	Kill(ctx context.Context, name string, sig syscall.Signal) error

	// ResetFailed forgets a Failed unit, so that its name can be started again.
	ResetFailed(ctx context.Context, name string) error

	// SetLimits replaces the limits (Memory*, CPU*, IO*) of a unit that is up with those of
	// r, in place and for as long as the unit runs, as libvirt retunes a running
	// guest's cgroup; a zero field lifts its limit, and r's confinement is ignored.
	// ErrNotFound if the unit is not up; a realizer that cannot enforce limits
	// answers ErrUnsupported when r asks for any.
	SetLimits(ctx context.Context, name string, r Resources) error

	// Status reports the unit as it is now; ErrNotFound if the realizer knows none.
	Status(ctx context.Context, name string) (Status, error)

	// List reports the units whose names match pattern (see Match), e.g.
	// "virtnetwork-*", without disturbing or adopting them.
	List(ctx context.Context, pattern string) ([]Status, error)

	// Adopt resumes supervising a unit that a previous instance of the daemon started:
	// events flow again and, in the fallback realizer, so does the restart policy. A
	// unit that ended meanwhile is reported as Dead or Failed with what is known of its
	// end, and is not adopted; ErrNotFound means no record of it is left.
	Adopt(ctx context.Context, name string) (Status, error)

	// Watch subscribes to the events of the units whose names match pattern (see
	// Match; a plain name matches itself). Watch before Start to see every event of a
	// unit.
	Watch(pattern string) (*Watch, error)

	// Close stops watching and releases the realizer's resources. It never stops a unit.
	Close() error
}
