package driver

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Networks is a driver of virtual networks and their ports (libvirt's
// virNetworkDriver).
type Networks interface {
	// Lookups and lists.
	ConnectNumOfNetworks(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfNetworksRet, error)
	ConnectListNetworks(ctx context.Context, a libvirt.ConnectListNetworksArgs) (libvirt.ConnectListNetworksRet, error)
	ConnectNumOfDefinedNetworks(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDefinedNetworksRet, error)
	ConnectListDefinedNetworks(ctx context.Context, a libvirt.ConnectListDefinedNetworksArgs) (libvirt.ConnectListDefinedNetworksRet, error)
	ConnectListAllNetworks(ctx context.Context, a libvirt.ConnectListAllNetworksArgs) (libvirt.ConnectListAllNetworksRet, error)
	NetworkLookupByName(ctx context.Context, a libvirt.NetworkLookupByNameArgs) (libvirt.NetworkLookupByNameRet, error)
	NetworkLookupByUUID(ctx context.Context, a libvirt.NetworkLookupByUUIDArgs) (libvirt.NetworkLookupByUUIDRet, error)

	// Definitions and life cycle.
	NetworkDefineXML(ctx context.Context, a libvirt.NetworkDefineXMLArgs) (libvirt.NetworkDefineXMLRet, error)
	NetworkDefineXMLFlags(ctx context.Context, a libvirt.NetworkDefineXMLFlagsArgs) (libvirt.NetworkDefineXMLFlagsRet, error)
	NetworkCreateXML(ctx context.Context, a libvirt.NetworkCreateXMLArgs) (libvirt.NetworkCreateXMLRet, error)
	NetworkCreateXMLFlags(ctx context.Context, a libvirt.NetworkCreateXMLFlagsArgs) (libvirt.NetworkCreateXMLFlagsRet, error)
	NetworkCreate(ctx context.Context, a libvirt.NetworkCreateArgs) (struct{}, error)
	NetworkDestroy(ctx context.Context, a libvirt.NetworkDestroyArgs) (struct{}, error)
	NetworkUndefine(ctx context.Context, a libvirt.NetworkUndefineArgs) (struct{}, error)
	NetworkUpdate(ctx context.Context, a libvirt.NetworkUpdateArgs) (struct{}, error)
	NetworkSetAutostart(ctx context.Context, a libvirt.NetworkSetAutostartArgs) (struct{}, error)

	// State and description.
	NetworkGetXMLDesc(ctx context.Context, a libvirt.NetworkGetXMLDescArgs) (libvirt.NetworkGetXMLDescRet, error)
	NetworkGetBridgeName(ctx context.Context, a libvirt.NetworkGetBridgeNameArgs) (libvirt.NetworkGetBridgeNameRet, error)
	NetworkGetAutostart(ctx context.Context, a libvirt.NetworkGetAutostartArgs) (libvirt.NetworkGetAutostartRet, error)
	NetworkIsActive(ctx context.Context, a libvirt.NetworkIsActiveArgs) (libvirt.NetworkIsActiveRet, error)
	NetworkIsPersistent(ctx context.Context, a libvirt.NetworkIsPersistentArgs) (libvirt.NetworkIsPersistentRet, error)
	NetworkGetDHCPLeases(ctx context.Context, a libvirt.NetworkGetDhcpLeasesArgs) (libvirt.NetworkGetDhcpLeasesRet, error)

	// Ports: how a hypervisor driver plugs a guest's interface into a network.
	NetworkListAllPorts(ctx context.Context, a libvirt.NetworkListAllPortsArgs) (libvirt.NetworkListAllPortsRet, error)
	NetworkPortLookupByUUID(ctx context.Context, a libvirt.NetworkPortLookupByUUIDArgs) (libvirt.NetworkPortLookupByUUIDRet, error)
	NetworkPortCreateXML(ctx context.Context, a libvirt.NetworkPortCreateXMLArgs) (libvirt.NetworkPortCreateXMLRet, error)
	NetworkPortGetXMLDesc(ctx context.Context, a libvirt.NetworkPortGetXMLDescArgs) (libvirt.NetworkPortGetXMLDescRet, error)
	NetworkPortDelete(ctx context.Context, a libvirt.NetworkPortDeleteArgs) (struct{}, error)
}
