package driver

import (
	"context"
	"errors"
	"log/slog"

	"github.com/virtunit/virtunit/daemons/host"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/units"
)

// Env is everything a driver may use from its daemon. There is no package state: a
// test builds a driver from any Env it likes.
type Env struct {
	// Name is the daemon's name ("virtqemud").
	Name  string
	Paths Paths
	Host  *host.Host
	// Events delivers events to the clients that registered callbacks.
	Events *rpc.Hub
	// Units starts, watches and adopts the processes drivers run for their resources
	// (a guest's QEMU, a network's dnsmasq): transient systemd units, or processes the
	// daemon supervises itself.
	Units units.Realizer
	// Services are the daemon's functions behind Logger, Inhibit and Connect.
	Services Services
}

// Services are what the daemon does on a driver's behalf.
type Services struct {
	Logger  func(module string) *slog.Logger
	Inhibit func(active bool)
	Connect func(ctx context.Context, scheme string) (rpc.Caller, error)
}

// Paths are where a daemon keeps things, per libvirt's man pages: system paths for
// root, XDG paths (with $HOME/.config and $HOME/.cache fallbacks) for everyone else.
type Paths struct {
	Privileged bool
	// ConfigDir holds NAME.conf and the drivers' persistent config
	// (/etc/libvirt, $XDG_CONFIG_HOME/libvirt).
	ConfigDir string
	// RunDir holds sockets and live state (/run/libvirt, $XDG_RUNTIME_DIR/libvirt).
	RunDir string
	// StateDir holds long-lived state such as dnsmasq files (/var/lib/libvirt,
	// $XDG_CONFIG_HOME/libvirt as libvirt's session drivers use).
	StateDir string
	// CacheDir holds caches (/var/cache/libvirt, $XDG_CACHE_HOME/libvirt).
	CacheDir string
	// LogDir holds log files (/var/log/libvirt, $XDG_CACHE_HOME/libvirt).
	LogDir string
	// PIDFile is the default PID file (/run/NAME.pid, $XDG_RUNTIME_DIR/libvirt/NAME.pid).
	PIDFile string
	// ConfigFile is the default config file (ConfigDir/NAME.conf).
	ConfigFile string
}

// Driver is what a Factory returns: a value implementing one or more of this package's
// API interfaces (Hypervisor, Networks, Interfaces, NodeDevices, Storage), which
// every front end (the REMOTE program, the D-Bus API) calls, or a relay that serves procedures of its
// own by passing them to another daemon; and io.Closer when it has work to stop.
type Driver = any

// Factory builds a driver.
type Factory func(ctx context.Context, env *Env) (Driver, error)

// Logger returns a logger for a module of the driver ("qemu", "network.dnsmasq").
func (e *Env) Logger(module string) *slog.Logger {
	if e.Services.Logger == nil {
		return slog.Default().With("module", module)
	}
	return e.Services.Logger(module)
}

// Inhibit keeps the daemon from exiting on --timeout while a resource runs: call it
// with true when a guest starts or a network goes up, with false when it stops.
func (e *Env) Inhibit(active bool) {
	if e.Services.Inhibit != nil {
		e.Services.Inhibit(active)
	}
}

// Connect returns a connection to the driver serving scheme ("network"), for a driver
// that needs another (the QEMU driver asks the network driver for ports): the same
// daemon's driver in libvirtd, the modular daemon's over its socket otherwise.
func (e *Env) Connect(ctx context.Context, scheme string) (rpc.Caller, error) {
	if e.Services.Connect == nil {
		return nil, errors.New("this daemon connects to no other drivers")
	}
	return e.Services.Connect(ctx, scheme)
}
