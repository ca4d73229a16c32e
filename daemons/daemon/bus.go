package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/driver"
)

// Bus is an API the daemon serves on D-Bus beside its sockets: the org.libvirt API
// (dbusapi) in the daemon that serves the QEMU connection. It handles the calls of
// the bus connection the daemon opens for it, and sends its signals there once
// attached.
type Bus interface {
	dbus.Handler
	// Name is the bus name the daemon owns for it.
	Name() string
	Attach(conn *dbus.Conn)
	Close() error
}

// BusFactory builds a daemon's Bus over its drivers, once they are up.
type BusFactory func(ctx context.Context, env *driver.Env, drivers []driver.Driver) (Bus, error)

// busService is a Bus on its bus connection.
type busService struct {
	api  Bus
	conn *dbus.Conn
}

// serveBus connects to the system bus (root) or the session bus (anyone else) —
// DBUS_SYSTEM_BUS_ADDRESS and DBUS_SESSION_BUS_ADDRESS say where, as for every D-Bus
// client — and owns the API's name there. A daemon without a bus, or whose name another
// process owns, logs it and serves its sockets all the same: the D-Bus API is an
// addition, not a condition.
func (d *Daemon) serveBus(ctx context.Context, env *driver.Env, drivers []driver.Driver, privileged bool, log *slog.Logger) *busService {
	if d.Bus == nil {
		return nil
	}
	api, err := d.Bus(ctx, env, drivers)
	if err != nil {
		log.Warn("not serving the D-Bus API", "err", err)
		return nil
	}
	which := "session"
	if privileged {
		which = "system"
	}
	conn, err := connectBus(privileged, api)
	if err != nil {
		log.Info("not serving the D-Bus API: no "+which+" bus", "name", api.Name(), "err", err)
		api.Close()
		return nil
	}
	// Objects first, then the name: a client activated by the name finds them.
	api.Attach(conn)
	reply, err := conn.RequestName(api.Name(), dbus.NameFlagDoNotQueue)
	if err == nil && reply != dbus.RequestNameReplyPrimaryOwner {
		err = fmt.Errorf("the name is owned by another process")
	}
	if err != nil {
		log.Warn("not serving the D-Bus API", "bus", which, "name", api.Name(), "err", err)
		api.Close()
		conn.Close()
		return nil
	}
	log.Info("serving the D-Bus API", "bus", which, "name", api.Name())
	return &busService{api: api, conn: conn}
}

// close gives the name up and closes the connection.
func (b *busService) close() {
	if b == nil {
		return
	}
	b.api.Close()
	b.conn.ReleaseName(b.api.Name())
	b.conn.Close()
}

// connectBus opens the bus connection whose method calls h handles. A session bus is
// only one that is there: $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus; the
// daemon never launches one.
func connectBus(privileged bool, h dbus.Handler) (*dbus.Conn, error) {
	if privileged {
		return dbus.ConnectSystemBus(dbus.WithHandler(h))
	}
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
				addr = "unix:path=" + filepath.Join(dir, "bus")
			}
		}
	}
	if addr == "" {
		return nil, errors.New("DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist")
	}
	return dbus.Connect(addr, dbus.WithHandler(h))
}
