package dbusapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/host"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// BusName is the name the daemon serving the QEMU connection owns.
const BusName = "org.libvirt"

// ConnectPath is the connection object of a URI scheme, as libvirt-dbus names them:
// qemu:///system and qemu:///session are both /org/libvirt/QEMU.
var ConnectPath = map[string]dbus.ObjectPath{"qemu": "/org/libvirt/QEMU"}

// EventSource delivers driver events: the daemon's hub (rpc.Hub), or a connection to
// the modular daemon that owns a kind of object (forward.Client).
type EventSource interface {
	Subscribe(fn func(rpc.Event)) (cancel func())
}

// Config is what a Server serves.
type Config struct {
	// Path is the connection object, ConnectPath["qemu"].
	Path dbus.ObjectPath
	// Host answers the connection-level calls about the machine.
	Host *host.Host
	// Hypervisor runs the domains; it may also report their units (driver.DomainUnits).
	Hypervisor driver.Hypervisor
	// Networks, Interfaces and NodeDevices are the drivers of those objects, local or
	// in other daemons; a nil one makes its calls answer "not supported".
	Networks    driver.Networks
	Interfaces  driver.Interfaces
	NodeDevices driver.NodeDevices
	// Storage is the storage driver (pools and volumes), local or in virtstoraged;
	// nil makes the storage calls answer "not supported".
	Storage driver.StoragePools
	// Events are where the drivers' events come from.
	Events []EventSource
	// LibVersion is the libvirt version Connect.LibVersion reports.
	LibVersion uint64
	// Used, if set, is called once, on the first call of the API. A daemon keeps
	// running from then on, as libvirt-dbus keeps its connection to libvirtd open
	// (and so libvirtd's --timeout from expiring) once it has been used.
	Used func()
	Log  *slog.Logger
}

// Server is the org.libvirt API of one connection. It is the bus connection's method
// handler (dbus.WithHandler); Attach gives it the connection to send signals on.
type Server struct {
	cfg    Config
	path   dbus.ObjectPath
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	conn     atomic.Pointer[dbus.Conn]
	connect  objects
	families map[string]objects
	// order is the families' order in introspection, as libvirt-dbus registers them.
	order []string

	watch   *watcher
	used    sync.Once
	stopped sync.Once
	unsubs  []func()
	closers []io.Closer // the connections to other daemons ForDrivers opened
}

// New builds the API over the drivers in cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Hypervisor == nil || cfg.Host == nil || cfg.Path == "" {
		return nil, errors.New("dbusapi: a connection needs its path, host and hypervisor")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, path: cfg.Path, log: cfg.Log, ctx: ctx, cancel: cancel}
	s.connect = s.connectObject()
	s.families = map[string]objects{}
	for _, f := range []objects{
		s.snapshotObjects(), s.poolObjects(), s.volObjects(),
		s.interfaceObjects(), s.unsupported("nwfilter"), s.networkObjects(),
		s.unsupported("secret"), s.domainObjects(), s.nodeDeviceObjects(),
	} {
		s.families[f.node()] = f
		s.order = append(s.order, f.node())
	}
	s.watch = newWatcher(s)
	return s, nil
}

// Attach starts sending signals on conn, the connection whose handler s is, and
// subscribes to the drivers' events. It returns once the objects that exist now are
// known, so that every later change is a signal.
func (s *Server) Attach(conn *dbus.Conn) {
	s.conn.Store(conn)
	for _, src := range s.cfg.Events {
		s.unsubs = append(s.unsubs, src.Subscribe(s.watch.event))
	}
	s.watch.start(s.ctx)
}

// Name is the bus name the API is served under.
func (s *Server) Name() string { return BusName }

// Close stops the signals and cancels calls in flight. It does not close the bus
// connection, which belongs to the daemon.
func (s *Server) Close() error {
	s.stopped.Do(func() {
		for _, u := range s.unsubs {
			u()
		}
		s.cancel()
		for _, c := range s.closers {
			c.Close()
		}
	})
	return nil
}

// emit sends a signal from path, once there is a connection; a failure is logged
// (the bus went away) and not retried.
func (s *Server) emit(path dbus.ObjectPath, name string, values ...any) {
	c := s.conn.Load()
	if c == nil {
		return
	}
	if err := c.Emit(path, name, values...); err != nil {
		s.log.Debug("cannot emit signal", "signal", name, "path", path, "err", err)
	}
}
