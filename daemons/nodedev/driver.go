package nodedev

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/virtunit/virtunit/daemons/driver"
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
	// wanted is closed (once, by need) when a call needs the devices before the
	// start-up delay is over.
	wanted   chan struct{}
	wantOnce sync.Once
	closing  chan struct{} // closed by Close
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

var _ driver.NodeDevices = (*Driver)(nil)

// New builds the driver for a daemon: it enumerates the host's devices and listens to
// uevents for as long as the daemon runs. Enumeration reads all of sysfs and takes tens
// of milliseconds, so it runs in the background, as libvirt's does: the daemon answers
// clients at once, and node-device calls wait until the devices are known. It starts
// when the first call needs the devices, or enumerationDelay after start: the request
// that made a socket-activated libvirtd start (most often about domains) is answered
// before the daemon spends its start-up CPU on sysfs. Uevents arriving meanwhile wait
// in the monitor's socket and are read after the enumeration, as repeats.
func New(ctx context.Context, env *driver.Env) (driver.Driver, error) {
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
	if err := d.background(src, enumerationDelay); err != nil {
		src.Close()
		return nil, fmt.Errorf("node device driver: %w", err)
	}
	return d, nil
}

// background enumerates the devices when a call first needs them or after delay,
// whichever comes first, then runs the monitor on src, which the driver owns from then
// on. Subscribing before enumerating means no device can appear in between unnoticed.
func (d *Driver) background(src ueventSource, delay time.Duration) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	d.stop = w
	go func() {
		select {
		case <-d.wanted:
		case <-time.After(delay):
		case <-d.closing:
		}
		select {
		case <-d.closing:
		default:
			if err := d.enumerate(); err != nil {
				d.log.Error("cannot enumerate node devices", "err", err)
			}
		}
		close(d.ready)
		d.watch(src, r)
	}()
	return nil
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
		log:     log,
		hub:     hub,
		sys:     sys,
		db:      udevDB{dir: cfg.udevData},
		reg:     newRegistry(),
		done:    make(chan struct{}),
		ready:   make(chan struct{}),
		wanted:  make(chan struct{}),
		closing: make(chan struct{}),
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

// enumerationDelay is how long a daemon's start waits before enumerating devices no
// call has asked for yet. Long enough to stay out of the daemon's start-up, when the
// drivers read their state and the first clients are answered on one thread: a call
// that needs the devices starts the enumeration at once anyway.
const enumerationDelay = 2 * time.Second

// NodeDevicesKnown starts the initial enumeration if it has not started, and waits for it.
func (d *Driver) NodeDevicesKnown(ctx context.Context) error {
	d.wantOnce.Do(func() { close(d.wanted) })
	select {
	case <-d.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the uevent monitor.
func (d *Driver) Close() error {
	close(d.closing)
	d.stop.Close()
	<-d.done
	return nil
}
