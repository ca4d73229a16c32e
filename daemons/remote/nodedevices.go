package remote

import (
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// nodeDeviceProcedures are the node-device calls virsh's nodedev-* commands make, each
// passed to the node-device driver, and the node-device event registrations.
func nodeDeviceProcedures(d driver.NodeDevices, hub *rpc.Hub) []rpc.Procedure {
	ro, inline := rpc.ReadOnly, rpc.Inline
	return append([]rpc.Procedure{
		rpc.Handle(ConnectListAllNodeDevices, d.ConnectListAllNodeDevices, ro, inline),
		rpc.Handle(NodeNumOfDevices, d.NodeNumOfDevices, ro, inline),
		rpc.Handle(NodeListDevices, d.NodeListDevices, ro, inline),
		rpc.Handle(NodeDeviceLookupByName, d.NodeDeviceLookupByName, ro, inline),
		rpc.Handle(NodeDeviceLookupSCSIHostByWWN, d.NodeDeviceLookupSCSIHostByWWN, ro),
		rpc.Handle(NodeDeviceGetXMLDesc, d.NodeDeviceGetXMLDesc, ro),
		rpc.Handle(NodeDeviceGetParent, d.NodeDeviceGetParent, ro, inline),
		rpc.Handle(NodeDeviceNumOfCaps, d.NodeDeviceNumOfCaps, ro, inline),
		rpc.Handle(NodeDeviceListCaps, d.NodeDeviceListCaps, ro, inline),
		rpc.Handle(NodeDeviceIsActive, d.NodeDeviceIsActive, ro, inline),
		rpc.Handle(NodeDeviceIsPersistent, d.NodeDeviceIsPersistent, ro, inline),
		rpc.Handle(NodeDeviceGetAutostart, d.NodeDeviceGetAutostart, ro, inline),

		rpc.Handle(NodeDeviceSetAutostart, d.NodeDeviceSetAutostart),
		rpc.Handle(NodeDeviceDettach, d.NodeDeviceDettach),
		rpc.Handle(NodeDeviceDetachFlags, d.NodeDeviceDetachFlags),
		rpc.Handle(NodeDeviceReAttach, d.NodeDeviceReAttach),
		rpc.Handle(NodeDeviceReset, d.NodeDeviceReset),
	}, NodeDeviceEventProcedures(hub, d.NodeDevicesKnown)...)
}
