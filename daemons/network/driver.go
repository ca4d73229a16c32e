package network

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/network/qos"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/internal/hook"
	"github.com/virtunit/virtunit/units"
)

// Driver is the network driver: the networks it knows and how it realizes them.
type Driver struct {
	env   *driver.Env
	log   *slog.Logger
	paths paths
	units units.Realizer
	// qos shapes bridges (network <bandwidth>, guests' floors) in the daemon's namespace.
	qos *qos.Shaper
	// hooks are /etc/libvirt/hooks/network and network.d.
	hooks hook.Dir

	mu   sync.Mutex
	nets map[string]*network // by name; guarded by mu
}

var _ driver.Networks = (*Driver)(nil)

// New loads the persistent networks and the status of the running ones, and starts
// the networks marked for autostart, as libvirt's networkStateInitialize does.
func New(ctx context.Context, env *driver.Env) (driver.Driver, error) {
	d := &Driver{
		env:   env,
		log:   env.Logger("network"),
		paths: pathsFor(env.Paths),
		nets:  map[string]*network{},
		units: env.Units,
		qos:   qos.New(nil),
		hooks: hook.DirFor(env.Paths.ConfigDir),
	}
	if d.units == nil {
		return nil, fmt.Errorf("the network driver needs a unit realizer")
	}
	for _, dir := range []string{d.paths.state} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cannot create directory %s: %w", dir, err)
		}
	}
	d.sweep()
	if err := d.loadConfigs(); err != nil {
		return nil, err
	}
	d.restore(ctx)
	d.autostart(ctx)
	return d, nil
}

// sweep removes the temporary files of writes a crash interrupted, in every directory
// the driver writes: definitions, status and ports, dnsmasq's files.
func (d *Driver) sweep() {
	dirs := []string{d.paths.config, d.paths.state, d.paths.dnsmasq}
	if ents, err := os.ReadDir(d.paths.state); err == nil {
		for _, e := range ents {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(d.paths.state, e.Name()))
			}
		}
	}
	for _, dir := range dirs {
		if err := atomicfile.Sweep(dir); err != nil {
			d.log.Warn("cannot remove what interrupted writes left", "err", err)
		}
	}
}

// Close releases nothing the networks need: they keep running without the daemon.
func (d *Driver) Close() error { return nil }

// publish sends a network lifecycle event to the registered callbacks.
func (d *Driver) publish(ref libvirt.Network, event libvirt.NetworkEventLifecycleType) {
	d.env.Events.Publish(rpc.Event{
		Family:  remote.NetworkEvents,
		ID:      int32(libvirt.NetworkEventIDLifecycle),
		Key:     remote.UUIDKey(ref.UUID),
		Program: remote.Program,
		Proc:    int32(remote.NetworkEventLifecycle),
		Body: func(cb int32) any {
			return libvirt.NetworkEventLifecycleMsg{CallbackID: cb, Net: ref, Event: int32(event)}
		},
	})
}
