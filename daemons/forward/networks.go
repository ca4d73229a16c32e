package forward

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
)

// Networks is driver.Networks over a Client to virtnetworkd: each method is the
// REMOTE procedure of its name.
type Networks struct{ *Client }

var _ driver.Networks = Networks{}

func (c Networks) ConnectNumOfNetworks(ctx context.Context, a struct{}) (libvirt.ConnectNumOfNetworksRet, error) {
	return call[libvirt.ConnectNumOfNetworksRet](ctx, c.Client, remote.ConnectNumOfNetworks, a)
}

func (c Networks) ConnectListNetworks(ctx context.Context, a libvirt.ConnectListNetworksArgs) (libvirt.ConnectListNetworksRet, error) {
	return call[libvirt.ConnectListNetworksRet](ctx, c.Client, remote.ConnectListNetworks, a)
}

func (c Networks) ConnectNumOfDefinedNetworks(ctx context.Context, a struct{}) (libvirt.ConnectNumOfDefinedNetworksRet, error) {
	return call[libvirt.ConnectNumOfDefinedNetworksRet](ctx, c.Client, remote.ConnectNumOfDefinedNetworks, a)
}

func (c Networks) ConnectListDefinedNetworks(ctx context.Context, a libvirt.ConnectListDefinedNetworksArgs) (libvirt.ConnectListDefinedNetworksRet, error) {
	return call[libvirt.ConnectListDefinedNetworksRet](ctx, c.Client, remote.ConnectListDefinedNetworks, a)
}

func (c Networks) ConnectListAllNetworks(ctx context.Context, a libvirt.ConnectListAllNetworksArgs) (libvirt.ConnectListAllNetworksRet, error) {
	return call[libvirt.ConnectListAllNetworksRet](ctx, c.Client, remote.ConnectListAllNetworks, a)
}

func (c Networks) NetworkLookupByName(ctx context.Context, a libvirt.NetworkLookupByNameArgs) (libvirt.NetworkLookupByNameRet, error) {
	return call[libvirt.NetworkLookupByNameRet](ctx, c.Client, remote.NetworkLookupByName, a)
}

func (c Networks) NetworkLookupByUUID(ctx context.Context, a libvirt.NetworkLookupByUUIDArgs) (libvirt.NetworkLookupByUUIDRet, error) {
	return call[libvirt.NetworkLookupByUUIDRet](ctx, c.Client, remote.NetworkLookupByUUID, a)
}

func (c Networks) NetworkDefineXML(ctx context.Context, a libvirt.NetworkDefineXMLArgs) (libvirt.NetworkDefineXMLRet, error) {
	return call[libvirt.NetworkDefineXMLRet](ctx, c.Client, remote.NetworkDefineXML, a)
}

func (c Networks) NetworkDefineXMLFlags(ctx context.Context, a libvirt.NetworkDefineXMLFlagsArgs) (libvirt.NetworkDefineXMLFlagsRet, error) {
	return call[libvirt.NetworkDefineXMLFlagsRet](ctx, c.Client, remote.NetworkDefineXMLFlags, a)
}

func (c Networks) NetworkCreateXML(ctx context.Context, a libvirt.NetworkCreateXMLArgs) (libvirt.NetworkCreateXMLRet, error) {
	return call[libvirt.NetworkCreateXMLRet](ctx, c.Client, remote.NetworkCreateXML, a)
}

func (c Networks) NetworkCreateXMLFlags(ctx context.Context, a libvirt.NetworkCreateXMLFlagsArgs) (libvirt.NetworkCreateXMLFlagsRet, error) {
	return call[libvirt.NetworkCreateXMLFlagsRet](ctx, c.Client, remote.NetworkCreateXMLFlags, a)
}

func (c Networks) NetworkCreate(ctx context.Context, a libvirt.NetworkCreateArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NetworkCreate, a)
}

func (c Networks) NetworkDestroy(ctx context.Context, a libvirt.NetworkDestroyArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NetworkDestroy, a)
}

func (c Networks) NetworkUndefine(ctx context.Context, a libvirt.NetworkUndefineArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NetworkUndefine, a)
}

func (c Networks) NetworkUpdate(ctx context.Context, a libvirt.NetworkUpdateArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NetworkUpdate, a)
}

func (c Networks) NetworkSetAutostart(ctx context.Context, a libvirt.NetworkSetAutostartArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NetworkSetAutostart, a)
}

func (c Networks) NetworkGetXMLDesc(ctx context.Context, a libvirt.NetworkGetXMLDescArgs) (libvirt.NetworkGetXMLDescRet, error) {
	return call[libvirt.NetworkGetXMLDescRet](ctx, c.Client, remote.NetworkGetXMLDesc, a)
}

func (c Networks) NetworkGetBridgeName(ctx context.Context, a libvirt.NetworkGetBridgeNameArgs) (libvirt.NetworkGetBridgeNameRet, error) {
	return call[libvirt.NetworkGetBridgeNameRet](ctx, c.Client, remote.NetworkGetBridgeName, a)
}

func (c Networks) NetworkGetAutostart(ctx context.Context, a libvirt.NetworkGetAutostartArgs) (libvirt.NetworkGetAutostartRet, error) {
	return call[libvirt.NetworkGetAutostartRet](ctx, c.Client, remote.NetworkGetAutostart, a)
}

func (c Networks) NetworkIsActive(ctx context.Context, a libvirt.NetworkIsActiveArgs) (libvirt.NetworkIsActiveRet, error) {
	return call[libvirt.NetworkIsActiveRet](ctx, c.Client, remote.NetworkIsActive, a)
}

func (c Networks) NetworkIsPersistent(ctx context.Context, a libvirt.NetworkIsPersistentArgs) (libvirt.NetworkIsPersistentRet, error) {
	return call[libvirt.NetworkIsPersistentRet](ctx, c.Client, remote.NetworkIsPersistent, a)
}

func (c Networks) NetworkGetDHCPLeases(ctx context.Context, a libvirt.NetworkGetDhcpLeasesArgs) (libvirt.NetworkGetDhcpLeasesRet, error) {
	return call[libvirt.NetworkGetDhcpLeasesRet](ctx, c.Client, remote.NetworkGetDHCPLeases, a)
}

func (c Networks) NetworkListAllPorts(ctx context.Context, a libvirt.NetworkListAllPortsArgs) (libvirt.NetworkListAllPortsRet, error) {
	return call[libvirt.NetworkListAllPortsRet](ctx, c.Client, remote.NetworkListAllPorts, a)
}

func (c Networks) NetworkPortLookupByUUID(ctx context.Context, a libvirt.NetworkPortLookupByUUIDArgs) (libvirt.NetworkPortLookupByUUIDRet, error) {
	return call[libvirt.NetworkPortLookupByUUIDRet](ctx, c.Client, remote.NetworkPortLookupByUUID, a)
}

func (c Networks) NetworkPortCreateXML(ctx context.Context, a libvirt.NetworkPortCreateXMLArgs) (libvirt.NetworkPortCreateXMLRet, error) {
	return call[libvirt.NetworkPortCreateXMLRet](ctx, c.Client, remote.NetworkPortCreateXML, a)
}

func (c Networks) NetworkPortGetXMLDesc(ctx context.Context, a libvirt.NetworkPortGetXMLDescArgs) (libvirt.NetworkPortGetXMLDescRet, error) {
	return call[libvirt.NetworkPortGetXMLDescRet](ctx, c.Client, remote.NetworkPortGetXMLDesc, a)
}

func (c Networks) NetworkPortDelete(ctx context.Context, a libvirt.NetworkPortDeleteArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NetworkPortDelete, a)
}
