package remote

import (
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// networkProcedures are the network and network-port calls virsh and virtqemud send,
// each passed to the network driver.
func networkProcedures(d driver.Networks, hub *rpc.Hub) []rpc.Procedure {
	ro, inline := rpc.ReadOnly, rpc.Inline
	return append([]rpc.Procedure{
		rpc.Handle(ConnectNumOfNetworks, d.ConnectNumOfNetworks, ro, inline),
		rpc.Handle(ConnectListNetworks, d.ConnectListNetworks, ro, inline),
		rpc.Handle(ConnectNumOfDefinedNetworks, d.ConnectNumOfDefinedNetworks, ro, inline),
		rpc.Handle(ConnectListDefinedNetworks, d.ConnectListDefinedNetworks, ro, inline),
		rpc.Handle(ConnectListAllNetworks, d.ConnectListAllNetworks, ro, inline),
		rpc.Handle(NetworkLookupByName, d.NetworkLookupByName, ro, inline),
		rpc.Handle(NetworkLookupByUUID, d.NetworkLookupByUUID, ro, inline),

		rpc.Handle(NetworkDefineXML, d.NetworkDefineXML),
		rpc.Handle(NetworkDefineXMLFlags, d.NetworkDefineXMLFlags),
		rpc.Handle(NetworkCreateXML, d.NetworkCreateXML),
		rpc.Handle(NetworkCreateXMLFlags, d.NetworkCreateXMLFlags),
		rpc.Handle(NetworkCreate, d.NetworkCreate),
		rpc.Handle(NetworkDestroy, d.NetworkDestroy),
		rpc.Handle(NetworkUndefine, d.NetworkUndefine),
		rpc.Handle(NetworkUpdate, d.NetworkUpdate),
		rpc.Handle(NetworkSetAutostart, d.NetworkSetAutostart),

		rpc.Handle(NetworkGetXMLDesc, d.NetworkGetXMLDesc, ro),
		rpc.Handle(NetworkGetBridgeName, d.NetworkGetBridgeName, ro, inline),
		rpc.Handle(NetworkGetAutostart, d.NetworkGetAutostart, ro, inline),
		rpc.Handle(NetworkIsActive, d.NetworkIsActive, ro, inline),
		rpc.Handle(NetworkIsPersistent, d.NetworkIsPersistent, ro, inline),
		rpc.Handle(NetworkGetDHCPLeases, d.NetworkGetDHCPLeases, ro),

		rpc.Handle(NetworkListAllPorts, d.NetworkListAllPorts, ro),
		rpc.Handle(NetworkPortLookupByUUID, d.NetworkPortLookupByUUID, ro),
		rpc.Handle(NetworkPortCreateXML, d.NetworkPortCreateXML),
		rpc.Handle(NetworkPortGetXMLDesc, d.NetworkPortGetXMLDesc, ro),
		rpc.Handle(NetworkPortDelete, d.NetworkPortDelete),
	}, NetworkEventProcedures(hub)...)
}
