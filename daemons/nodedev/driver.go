package nodedev

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Driver is the node-device driver. Its registry is filled from sysfs at start and kept
// current by a uevent monitor running until Close.
type Driver struct {
	log *slog.Logger
	// hub is where events are published: the daemon's hub, or a test's recorder.
	hub publisher
	// events is the daemon's hub, where clients register callbacks (nil in tests).
	events *rpc.Hub
	sys    sysfs
	db     udevDB
	b      *builder
	reg    *registry
	// detach serialises driver rebinding of PCI devices.
	detach sync.Mutex

	stop  *os.File      // closing it stops the monitor
	done  chan struct{} // closed when the monitor has stopped
	ready chan struct{} // closed once the devices present at start are known
	// enumerating is set while those are read; only the goroutine that then runs the
	// monitor touches it.
	enumerating bool
}

// publisher delivers events to registered callbacks: the daemon's *rpc.Hub.
type publisher interface{ Publish(rpc.Event) }

// config says where the driver finds the host, so tests can point it at a copy.
type config struct {
	sysRoot    string // "/sys"
	udevData   string // "/run/udev/data"; "" when udevd does not run
	privileged bool
	hostUUID   string
	pciIDs     []string
	features   func(ifname string) []string
}

// New builds the driver for a daemon: it enumerates the host's devices and listens to
// uevents for as long as the daemon runs. Enumeration reads all of sysfs and takes tens
// of milliseconds, so it runs in the background, as libvirt's does: the daemon answers
// clients at once, and node-device calls wait until the devices are known.
func New(ctx context.Context, env *driver.Env) (remote.Driver, error) {
	cfg := config{
		sysRoot:    "/sys",
		privileged: env.Paths.Privileged,
		hostUUID:   env.Host.UUID(),
		pciIDs:     pciIDFiles,
		features:   offloadFeatures,
	}
	if _, err := os.Stat("/run/udev/control"); err == nil {
		cfg.udevData = "/run/udev/data" // udevd runs here
	}
	src, err := openUEvents(cfg.udevData != "", cfg.privileged)
	if err != nil {
		return nil, fmt.Errorf("node device driver: %w", err)
	}
	d, err := newDriver(cfg, env.Events, env.Logger("nodedev"))
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("node device driver: %w", err)
	}
	d.events = env.Events
	r, w, err := os.Pipe()
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("node device driver: %w", err)
	}
	d.stop = w
	go func() {
		if err := d.enumerate(); err != nil {
			d.log.Error("cannot enumerate node devices", "err", err)
		}
		close(d.ready)
		d.watch(src, r)
	}()
	return d, nil
}

// start enumerates the devices and starts the monitor on src, which the driver owns
// from then on. Subscribing before enumerating means no device can appear in between
// unnoticed: an event for a device already read is a harmless repeat. Unlike New it
// returns only once the devices are known.
func start(cfg config, src ueventSource, hub publisher, log *slog.Logger) (*Driver, error) {
	d, err := newDriver(cfg, hub, log)
	if err != nil {
		return nil, err
	}
	if err := d.enumerate(); err != nil {
		return nil, err
	}
	close(d.ready)
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	d.stop = w
	go d.watch(src, r)
	return d, nil
}

func newDriver(cfg config, hub publisher, log *slog.Logger) (*Driver, error) {
	sys, err := newSysfs(cfg.sysRoot)
	if err != nil {
		return nil, err
	}
	d := &Driver{
		log:   log,
		hub:   hub,
		sys:   sys,
		db:    udevDB{dir: cfg.udevData},
		reg:   newRegistry(),
		done:  make(chan struct{}),
		ready: make(chan struct{}),
	}
	d.b = &builder{sys: sys, privileged: cfg.privileged, ids: findPCIIDs(cfg.pciIDs), features: cfg.features}
	computer, err := newDevice(d.b.computer(cfg.hostUUID))
	if err != nil {
		return nil, err
	}
	d.reg.put(computer)
	return d, nil
}

// watch runs the uevent monitor on src until stop is closed.
func (d *Driver) watch(src ueventSource, stop *os.File) {
	defer close(d.done)
	defer stop.Close()
	defer src.Close()
	if err := d.monitor(src, stop); err != nil {
		d.log.Error("uevent monitor stopped; hot-plugged devices will not be seen", "err", err)
	}
}

// whenReady wraps a procedure so that it waits for the initial enumeration.
func whenReady[A, R any](d *Driver, fn func(context.Context, A) (R, error)) func(context.Context, A) (R, error) {
	return func(ctx context.Context, a A) (R, error) {
		select {
		case <-d.ready:
		case <-ctx.Done():
			var zero R
			return zero, ctx.Err()
		}
		return fn(ctx, a)
	}
}

// Close stops the uevent monitor.
func (d *Driver) Close() error {
	d.stop.Close()
	<-d.done
	return nil
}
