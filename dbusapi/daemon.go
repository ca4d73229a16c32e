package dbusapi

import (
	"context"
	"errors"
	"io"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/forward"
	"github.com/virtunit/virtunit/daemons/remote"
)

// ForDrivers builds the API a daemon serves over its drivers: the QEMU driver as the
// hypervisor, and for networks, host interfaces, node devices and storage the daemon's
// own drivers (libvirtd) or, where it forwards them to their daemons (virtqemud),
// typed clients of those daemons with their events.
func ForDrivers(ctx context.Context, env *driver.Env, drivers []driver.Driver) (*Server, error) {
	cfg := Config{
		Path: ConnectPath["qemu"], Host: env.Host, LibVersion: remote.LibVersion,
		Events: []EventSource{env.Events}, Log: env.Logger("dbusapi"),
		Used: func() { env.Inhibit(true) },
	}
	var fw *forward.Forwarder
	for _, d := range drivers {
		if hv, ok := d.(driver.Hypervisor); ok {
			cfg.Hypervisor = hv
		}
		if n, ok := d.(driver.Networks); ok {
			cfg.Networks = n
		}
		if i, ok := d.(driver.Interfaces); ok {
			cfg.Interfaces = i
		}
		if nd, ok := d.(driver.NodeDevices); ok {
			cfg.NodeDevices = nd
		}
		if st, ok := d.(driver.StoragePools); ok {
			cfg.Storage = st
		}
		if f, ok := d.(*forward.Forwarder); ok {
			fw = f
		}
	}
	if cfg.Hypervisor == nil {
		return nil, errors.New("dbusapi: the daemon has no hypervisor driver")
	}
	var clients []io.Closer
	if fw != nil {
		if cfg.Networks == nil && fw.Serves(forward.Network) {
			c := fw.Client(forward.Network)
			cfg.Networks, cfg.Events, clients = forward.Networks{Client: c}, append(cfg.Events, c), append(clients, c)
		}
		if cfg.Interfaces == nil && fw.Serves(forward.Interface) {
			c := fw.Client(forward.Interface)
			cfg.Interfaces, clients = forward.Interfaces{Client: c}, append(clients, c)
		}
		if cfg.NodeDevices == nil && fw.Serves(forward.NodeDevice) {
			c := fw.Client(forward.NodeDevice)
			cfg.NodeDevices, cfg.Events, clients = forward.NodeDevices{Client: c}, append(cfg.Events, c), append(clients, c)
		}
		if cfg.Storage == nil && fw.Serves(forward.Storage) {
			c := fw.Client(forward.Storage)
			cfg.Storage, cfg.Events, clients = forward.StoragePools{Client: c}, append(cfg.Events, c), append(clients, c)
		}
	}
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	s.closers = clients
	return s, nil
}
