package remote

import (
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// interfaceProcedures are the host-interface calls virsh's iface-* commands make, each
// passed to the interface driver.
func interfaceProcedures(d driver.Interfaces) []rpc.Procedure {
	ro, inline := rpc.ReadOnly, rpc.Inline
	return []rpc.Procedure{
		rpc.Handle(ConnectListAllInterfaces, d.ConnectListAllInterfaces, ro, inline),
		rpc.Handle(ConnectNumOfInterfaces, d.ConnectNumOfInterfaces, ro, inline),
		rpc.Handle(ConnectListInterfaces, d.ConnectListInterfaces, ro, inline),
		rpc.Handle(ConnectNumOfDefinedInterfaces, d.ConnectNumOfDefinedInterfaces, ro, inline),
		rpc.Handle(ConnectListDefinedInterfaces, d.ConnectListDefinedInterfaces, ro, inline),
		rpc.Handle(InterfaceLookupByName, d.InterfaceLookupByName, ro, inline),
		rpc.Handle(InterfaceLookupByMACString, d.InterfaceLookupByMACString, ro, inline),
		rpc.Handle(InterfaceGetXMLDesc, d.InterfaceGetXMLDesc, ro),
		rpc.Handle(InterfaceIsActive, d.InterfaceIsActive, ro, inline),

		rpc.Handle(InterfaceDefineXML, d.InterfaceDefineXML),
		rpc.Handle(InterfaceUndefine, d.InterfaceUndefine),
		rpc.Handle(InterfaceCreate, d.InterfaceCreate),
		rpc.Handle(InterfaceDestroy, d.InterfaceDestroy),
		rpc.Handle(InterfaceChangeBegin, d.InterfaceChangeBegin),
		rpc.Handle(InterfaceChangeCommit, d.InterfaceChangeCommit),
		rpc.Handle(InterfaceChangeRollback, d.InterfaceChangeRollback),
	}
}
