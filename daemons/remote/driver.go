package remote

import (
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Relay is a driver that serves procedures itself instead of through one of
// driver's API interfaces: virtqemud's pass-through of other drivers' calls to their
// daemons.
type Relay interface {
	Procedures() []rpc.Procedure
}

// procedures is the part of the REMOTE program a driver serves: the calls of every
// API it implements.
func procedures(d driver.Driver, hub *rpc.Hub) []rpc.Procedure {
	var ps []rpc.Procedure
	if hv, ok := d.(driver.Hypervisor); ok {
		ps = append(ps, domainProcedures(hv, hub)...)
	}
	if m, ok := d.(driver.Migrations); ok {
		ps = append(ps, migrationProcedures(m)...)
	}
	if n, ok := d.(driver.Networks); ok {
		ps = append(ps, networkProcedures(n, hub)...)
	}
	if i, ok := d.(driver.Interfaces); ok {
		ps = append(ps, interfaceProcedures(i)...)
	}
	if nd, ok := d.(driver.NodeDevices); ok {
		ps = append(ps, nodeDeviceProcedures(nd, hub)...)
	}
	if st, ok := d.(driver.Storage); ok {
		ps = append(ps, storageProcedures(st, hub)...)
	}
	if r, ok := d.(Relay); ok {
		ps = append(ps, r.Procedures()...)
	}
	return ps
}
