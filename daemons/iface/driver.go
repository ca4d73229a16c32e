package iface

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/vishvananda/netlink"

	"github.com/virtunit/virtunit/daemons/driver"
)

// Driver is the interface driver.
type Driver struct {
	log        *slog.Logger
	nl         *netlink.Handle
	sysNet     string // /sys/class/net, as the daemon's network namespace sees it
	privileged bool
	links      *linkTable
	defs       *store
	txn        *transactions

	// mu serialises the calls that change interfaces or definitions.
	mu sync.Mutex
	// released holds, by port name, what a destroyed bridge carried that its single
	// port takes when it is next started (iface-unbridge). Guarded by mu.
	released map[string]layer3

	cancel context.CancelFunc
	done   chan struct{}
}

// config says where the driver keeps things.
type config struct {
	configDir  string // definitions: /etc/libvirt/interface
	runDir     string // transaction checkpoint: /run/libvirt/interface
	sysNet     string // /sys/class/net
	privileged bool
}

var _ driver.Interfaces = (*Driver)(nil)

// New builds the driver for a daemon.
func New(ctx context.Context, env *driver.Env) (driver.Driver, error) {
	d, err := open(config{
		configDir:  filepath.Join(env.Paths.ConfigDir, "interface"),
		runDir:     filepath.Join(env.Paths.RunDir, "interface"),
		sysNet:     "/sys/class/net",
		privileged: env.Paths.Privileged,
	}, env.Logger("interface"))
	if err != nil {
		return nil, fmt.Errorf("interface driver: %w", err)
	}
	return d, nil
}

// open loads the definitions and the link table and starts following link changes.
func open(cfg config, log *slog.Logger) (*Driver, error) {
	nl, err := netlink.NewHandle()
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	d := &Driver{
		log:        log,
		nl:         nl,
		sysNet:     cfg.sysNet,
		privileged: cfg.privileged,
		links:      newLinkTable(nl),
		released:   map[string]layer3{},
		done:       make(chan struct{}),
	}
	if d.defs, err = openStore(cfg.configDir, log); err != nil {
		nl.Close()
		return nil, err
	}
	d.txn = &transactions{path: filepath.Join(cfg.runDir, "checkpoint.json")}
	updates, stop, err := d.subscribe()
	if err != nil {
		nl.Close()
		return nil, err
	}
	if err := d.links.reload(); err != nil {
		close(stop)
		nl.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go d.watch(ctx, updates, stop)
	return d, nil
}

// Close stops following link changes and releases the netlink sockets.
func (d *Driver) Close() error {
	d.cancel()
	<-d.done
	d.nl.Close()
	return nil
}
