package network

import (
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Procedures is the driver's dispatch table: one line per procedure virsh and
// virtqemud send for networks and network ports.
func (d *Driver) Procedures() []rpc.Procedure {
	ro := rpc.ReadOnly
	procs := []rpc.Procedure{
		rpc.Handle(remote.ConnectNumOfNetworks, d.numOfNetworks, ro, rpc.Inline),
		rpc.Handle(remote.ConnectListNetworks, d.listNetworks, ro, rpc.Inline),
		rpc.Handle(remote.ConnectNumOfDefinedNetworks, d.numOfDefinedNetworks, ro, rpc.Inline),
		rpc.Handle(remote.ConnectListDefinedNetworks, d.listDefinedNetworks, ro, rpc.Inline),
		rpc.Handle(remote.ConnectListAllNetworks, d.listAllNetworks, ro, rpc.Inline),
		rpc.Handle(remote.NetworkLookupByName, d.lookupByName, ro, rpc.Inline),
		rpc.Handle(remote.NetworkLookupByUUID, d.lookupByUUID, ro, rpc.Inline),
		rpc.Handle(remote.NetworkDefineXML, d.defineXML),
		rpc.Handle(remote.NetworkDefineXMLFlags, d.defineXMLFlags),
		rpc.Handle(remote.NetworkCreateXML, d.createXML),
		rpc.Handle(remote.NetworkCreateXMLFlags, d.createXMLFlags),
		rpc.Handle(remote.NetworkCreate, d.create),
		rpc.Handle(remote.NetworkDestroy, d.destroy),
		rpc.Handle(remote.NetworkUndefine, d.undefineProc),
		rpc.Handle(remote.NetworkUpdate, d.update),
		rpc.Handle(remote.NetworkGetXMLDesc, d.getXMLDesc, ro),
		rpc.Handle(remote.NetworkGetBridgeName, d.getBridgeName, ro, rpc.Inline),
		rpc.Handle(remote.NetworkGetAutostart, d.getAutostart, ro, rpc.Inline),
		rpc.Handle(remote.NetworkSetAutostart, d.setAutostart),
		rpc.Handle(remote.NetworkIsActive, d.isActive, ro, rpc.Inline),
		rpc.Handle(remote.NetworkIsPersistent, d.isPersistent, ro, rpc.Inline),
		rpc.Handle(remote.NetworkGetDHCPLeases, d.getDHCPLeases, ro),
		rpc.Handle(remote.NetworkListAllPorts, d.listAllPorts, ro),
		rpc.Handle(remote.NetworkPortLookupByUUID, d.portLookupByUUID, ro),
		rpc.Handle(remote.NetworkPortCreateXML, d.portCreateXML),
		rpc.Handle(remote.NetworkPortGetXMLDesc, d.portGetXMLDesc, ro),
		rpc.Handle(remote.NetworkPortDelete, d.portDelete),
	}
	return append(procs, remote.NetworkEventProcedures(d.env.Events)...)
}
