package transient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/units"
)

// Manager selects which systemd instance realizes the units.
type Manager int

const (
	// Auto is System when the daemon runs as root, else User.
	Auto Manager = iota
	// System is the system manager, on the system bus (DBUS_SYSTEM_BUS_ADDRESS is
	// honoured). Root daemons use it.
	System
	// User is the calling user's manager, on the session bus
	// (DBUS_SESSION_BUS_ADDRESS). Session daemons use it.
	User
)

// Options configure New.
type Options struct {
	Manager Manager
	// Address overrides the bus address that Manager implies.
	Address string
	// Logger receives the realizer's decisions (dropped properties, machined
	// fallback); nil discards them.
	Logger *slog.Logger
}

// Realizer realizes units as transient units of one systemd manager. It implements
// units.Realizer.
type Realizer struct {
	opts Options
	cur  atomic.Pointer[busConn] // the connection in use; replaced when it is lost
	log  *slog.Logger
	hub  units.Hub
	// ctx ends when the realizer closes; background calls run under it.
	ctx  context.Context
	stop context.CancelFunc

	mu          sync.Mutex
	units       map[dbus.ObjectPath]*tracked // the units we watch, by object path
	jobs        map[string][]*jobWaiter      // Start/Stop calls waiting for JobRemoved, by unit
	unsupported map[string]bool              // optional properties this manager refused
	resynced    chan struct{}                // closed (and replaced) by each resync
	closed      bool
	done        chan struct{} // closed when watchBus has returned
}

// busConn is one connection to the bus and what was learnt through it.
type busConn struct {
	conn     *dbus.Conn
	systemd  dbus.BusObject
	cancel   context.CancelFunc // of the connection's context
	machined bool               // org.freedesktop.machine1 is on the bus
	version  string             // the manager's, for messages
}

var _ units.Realizer = (*Realizer)(nil)

const (
	systemdName  = "org.freedesktop.systemd1"
	systemdPath  = dbus.ObjectPath("/org/freedesktop/systemd1")
	managerIface = "org.freedesktop.systemd1.Manager"
	machinedName = "org.freedesktop.machine1"
)

// Available reports why the transient realizer cannot be used here, or nil: the host
// must be booted with systemd (/run/systemd/system exists) and the manager must answer
// on the bus. It is cheap enough for a daemon to call at startup.
func Available(ctx context.Context, opts Options) error {
	if fi, err := os.Stat("/run/systemd/system"); err != nil || !fi.IsDir() {
		return errors.New("systemd does not run this host: /run/systemd/system is missing")
	}
	conn, cancel, err := dial(ctx, opts, nil)
	if err != nil {
		return err
	}
	defer cancel()
	defer conn.Close()
	_, err = managerVersion(ctx, conn.Object(systemdName, systemdPath))
	return err
}

// New connects to the manager that opts select and subscribes to its signals. A lost
// connection is dialled again (see watchBus).
func New(ctx context.Context, opts Options) (*Realizer, error) {
	r := &Realizer{
		opts:        opts,
		log:         opts.Logger,
		units:       map[dbus.ObjectPath]*tracked{},
		jobs:        map[string][]*jobWaiter{},
		unsupported: map[string]bool{},
		resynced:    make(chan struct{}),
		done:        make(chan struct{}),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	b, err := r.connect(ctx)
	if err != nil {
		return nil, err
	}
	r.cur.Store(b)
	r.ctx, r.stop = context.WithCancel(context.Background())
	go r.watchBus()
	r.log.Info("transient units", "manager", "systemd "+b.version, "bus", b.conn.Names()[0], "machined", b.machined)
	return r, nil
}

// bus is the connection in use.
func (r *Realizer) bus() *busConn { return r.cur.Load() }

// connect dials the bus and sets the connection up: the manager's version, the
// matches for JobRemoved and for the manager's name changing hands (daemon-reexec),
// Subscribe, and whether machined is there.
func (r *Realizer) connect(ctx context.Context) (*busConn, error) {
	conn, cancel, err := dial(ctx, r.opts, r)
	if err != nil {
		return nil, err
	}
	b := &busConn{conn: conn, systemd: conn.Object(systemdName, systemdPath), cancel: cancel}
	if err := b.init(ctx); err != nil {
		conn.Close()
		cancel()
		return nil, err
	}
	return b, nil
}

func (b *busConn) init(ctx context.Context) error {
	var err error
	if b.version, err = managerVersion(ctx, b.systemd); err != nil {
		return err
	}
	if err := b.conn.AddMatchSignalContext(ctx, dbus.WithMatchSender(systemdName),
		dbus.WithMatchObjectPath(systemdPath), dbus.WithMatchInterface(managerIface),
		dbus.WithMatchMember("JobRemoved")); err != nil {
		return fmt.Errorf("watch systemd jobs: %w", err)
	}
	if err := b.conn.AddMatchSignalContext(ctx, dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, systemdName)); err != nil {
		return fmt.Errorf("watch the systemd manager's bus name: %w", err)
	}
	if err := b.subscribe(ctx); err != nil {
		return err
	}
	b.machined = b.hasName(ctx, machinedName)
	return nil
}

// subscribe makes the manager send unit signals. After daemon-reexec the manager may
// still know us as subscribed, which it answers with AlreadySubscribed.
func (b *busConn) subscribe(ctx context.Context) error {
	err := b.systemd.CallWithContext(ctx, managerIface+".Subscribe", 0).Err
	if err != nil && !dbusErr(err, "org.freedesktop.systemd1.AlreadySubscribed") {
		return fmt.Errorf("subscribe to systemd: %w", err)
	}
	return nil
}

// dial connects to the bus for opts, with handler receiving the signals. ctx bounds the
// dialing only: godbus closes a connection when its context ends, so the connection gets
// its own, which the caller cancels after closing it.
func dial(ctx context.Context, opts Options, handler dbus.SignalHandler) (*dbus.Conn, context.CancelFunc, error) {
	connCtx, cancel := context.WithCancel(context.Background())
	abort := context.AfterFunc(ctx, cancel)
	defer abort()
	copts := []dbus.ConnOption{dbus.WithContext(connCtx)}
	if handler != nil {
		copts = append(copts, dbus.WithSignalHandler(handler))
	}
	which := opts.Manager
	if which == Auto {
		which = User
		if os.Geteuid() == 0 {
			which = System
		}
	}
	var conn *dbus.Conn
	var err error
	switch {
	case opts.Address != "":
		conn, err = dbus.Connect(opts.Address, copts...)
	case which == System:
		conn, err = dbus.ConnectSystemBus(copts...)
	default:
		conn, err = dbus.ConnectSessionBus(copts...)
	}
	if err == nil && ctx.Err() != nil {
		conn.Close()
		err = ctx.Err()
	}
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("connect to the bus of the systemd manager: %w", err)
	}
	return conn, cancel, nil
}

func managerVersion(ctx context.Context, systemd dbus.BusObject) (string, error) {
	var v string
	if err := systemd.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, managerIface, "Version").Store(&v); err != nil {
		return "", fmt.Errorf("the systemd manager does not answer on the bus: %w", err)
	}
	return v, nil
}

// hasName says whether a bus name is owned or can be activated, as libvirt asks before
// using machined.
func (b *busConn) hasName(ctx context.Context, name string) bool {
	bus := b.conn.BusObject()
	var owned bool
	if bus.CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned) == nil && owned {
		return true
	}
	var activatable []string
	bus.CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable)
	return slices.Contains(activatable, name)
}

// Watch implements units.Realizer.
func (r *Realizer) Watch(pattern string) (*units.Watch, error) { return r.hub.Watch(pattern) }

// Close stops watching and closes the connection. Units keep running; with the
// connection go the references AddRef took, so systemd collects units as they end.
func (r *Realizer) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ts := r.units
	r.units = map[dbus.ObjectPath]*tracked{}
	r.mu.Unlock()
	for _, u := range ts {
		u.stopWatchingChild()
	}
	r.stop()
	<-r.done
	r.hub.Close()
	b := r.bus()
	err := b.conn.Close()
	b.cancel()
	return err
}
