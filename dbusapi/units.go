package dbusapi

import (
	"context"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/units"
)

// noPath is the object path of "none" for an o property.
const noPath = dbus.ObjectPath("/")

// askTimeout bounds a question to systemd or machined on the bus.
const askTimeout = 2 * time.Second

// domainUnitProperties are org.virtunit.Domain's: the state and, while the guest runs,
// its unit and machine as the hypervisor driver names them, with the objects systemd
// and machined have for them.
func (s *Server) domainUnitProperties() map[string]getter[libvirt.Domain] {
	hv := s.cfg.Hypervisor
	du, _ := hv.(driver.DomainUnits)
	unit := func(ctx context.Context, d libvirt.Domain) driver.Unit {
		if du == nil || d.ID < 0 {
			return driver.Unit{}
		}
		u, err := du.DomainUnit(ctx, d)
		if err != nil {
			return driver.Unit{}
		}
		return u
	}
	machinePath := func(ctx context.Context, d libvirt.Domain) dbus.ObjectPath {
		if m := unit(ctx, d).Machine; m != "" {
			return s.ask(ctx, "org.freedesktop.machine1", "/org/freedesktop/machine1", "org.freedesktop.machine1.Manager.GetMachine", m)
		}
		return noPath
	}
	return map[string]getter[libvirt.Domain]{
		"State": func(ctx context.Context, d libvirt.Domain) (any, error) {
			r, err := hv.DomainGetState(ctx, libvirt.DomainGetStateArgs{Dom: d})
			return struct{ State, Reason int32 }{r.State, r.Reason}, err
		},
		"Unit": func(ctx context.Context, d libvirt.Domain) (any, error) { return unit(ctx, d).Name, nil },
		"UnitPath": func(ctx context.Context, d libvirt.Domain) (any, error) {
			return s.unitPath(ctx, unit(ctx, d).Name), nil
		},
		"Machine": func(ctx context.Context, d libvirt.Domain) (any, error) {
			if machinePath(ctx, d) == noPath {
				return "", nil
			}
			return unit(ctx, d).Machine, nil
		},
		"MachinePath": func(ctx context.Context, d libvirt.Domain) (any, error) { return machinePath(ctx, d), nil },
	}
}

// networkUnitProperties are org.virtunit.Network's: the unit of an active network, as
// the network driver names it (units.NetworkService).
func (s *Server) networkUnitProperties() map[string]getter[libvirt.Network] {
	unit := func(ctx context.Context, n libvirt.Network) string {
		r, err := s.cfg.Networks.NetworkIsActive(ctx, libvirt.NetworkIsActiveArgs{Net: n})
		if err != nil || r.Active == 0 {
			return ""
		}
		return units.NetworkService(n.Name)
	}
	return map[string]getter[libvirt.Network]{
		"Unit":     func(ctx context.Context, n libvirt.Network) (any, error) { return unit(ctx, n), nil },
		"UnitPath": func(ctx context.Context, n libvirt.Network) (any, error) { return s.unitPath(ctx, unit(ctx, n)), nil },
	}
}

// unitPath is systemd's object for a loaded unit, "/" when there is no systemd on the
// bus or it does not know the unit (the daemon supervises its units itself).
func (s *Server) unitPath(ctx context.Context, unit string) dbus.ObjectPath {
	if unit == "" {
		return noPath
	}
	return s.ask(ctx, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager.GetUnit", unit)
}

// ask calls a manager method that answers an object path, on the bus the API is on.
func (s *Server) ask(ctx context.Context, dest string, obj dbus.ObjectPath, method, name string) dbus.ObjectPath {
	c := s.conn.Load()
	if c == nil {
		return noPath
	}
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	var p dbus.ObjectPath
	// Never start the manager for this: a bus without it has no units of ours.
	if err := c.Object(dest, obj).CallWithContext(ctx, method, dbus.FlagNoAutoStart, name).Store(&p); err != nil {
		return noPath
	}
	return p
}
