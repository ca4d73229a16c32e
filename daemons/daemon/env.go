package daemon

import (
	"context"
	"log/slog"

	"github.com/virtunit/virtunit/daemons/host"
	"github.com/virtunit/virtunit/daemons/logging"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/units"
)

// Env is everything a driver may use from its daemon. There is no package state: a
// test builds a daemon, or a driver, from any Env it likes.
type Env struct {
	// Name is the daemon's name ("virtqemud").
	Name  string
	Paths Paths
	Host  *host.Host
	// Events delivers events to the clients that registered callbacks.
	Events *rpc.Hub
	// Units starts, watches and adopts the processes drivers run for their resources
	// (a guest's QEMU, a network's dnsmasq): transient systemd units, or processes the
	// daemon supervises itself. Nil when the daemon was built without a realizer.
	Units units.Realizer

	logs    *logging.Logger
	inhibit func(bool)
	conns   *connector
}

// Connect returns a connection to the driver serving scheme ("network"), for a driver
// that needs another (the QEMU driver asks the network driver for ports): the same
// daemon's driver in libvirtd, the modular daemon's over its socket otherwise.
func (e *Env) Connect(ctx context.Context, scheme string) (remote.Caller, error) {
	return e.conns.connect(ctx, scheme)
}

// Logger returns a logger for a module of the driver ("qemu", "network.dnsmasq").
func (e *Env) Logger(module string) *slog.Logger { return e.logs.Slog(module) }

// Inhibit keeps the daemon from exiting on --timeout while a resource runs: call it
// with true when a guest starts or a network goes up, with false when it stops.
func (e *Env) Inhibit(active bool) {
	if e.inhibit != nil {
		e.inhibit(active)
	}
}

// DriverFactory builds a driver. A driver that needs cleanup implements Close.
type DriverFactory func(ctx context.Context, env *Env) (remote.Driver, error)

// Frontend is the main server's program with its per-client sessions. The REMOTE
// program over the daemon's drivers is the default; virtproxyd forwards instead.
type Frontend interface {
	Program() *rpc.Program
	NewSession(*rpc.Client) rpc.Session
}

// FrontendFactory builds a daemon's frontend in place of the REMOTE program.
type FrontendFactory func(ctx context.Context, env *Env, sockDir string) (Frontend, error)

type closer interface{ Close() error }
