package forward

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
)

// NodeDevices is driver.NodeDevices over a Client to virtnodedevd: each method is the
// REMOTE procedure of its name.
type NodeDevices struct{ *Client }

var _ driver.NodeDevices = NodeDevices{}

// NodeDevicesKnown waits for nothing: virtnodedevd answers each call once it knows
// its devices.
func (c NodeDevices) NodeDevicesKnown(ctx context.Context) error { return nil }

func (c NodeDevices) ConnectListAllNodeDevices(ctx context.Context, a libvirt.ConnectListAllNodeDevicesArgs) (libvirt.ConnectListAllNodeDevicesRet, error) {
	return call[libvirt.ConnectListAllNodeDevicesRet](ctx, c.Client, remote.ConnectListAllNodeDevices, a)
}

func (c NodeDevices) NodeNumOfDevices(ctx context.Context, a libvirt.NodeNumOfDevicesArgs) (libvirt.NodeNumOfDevicesRet, error) {
	return call[libvirt.NodeNumOfDevicesRet](ctx, c.Client, remote.NodeNumOfDevices, a)
}

func (c NodeDevices) NodeListDevices(ctx context.Context, a libvirt.NodeListDevicesArgs) (libvirt.NodeListDevicesRet, error) {
	return call[libvirt.NodeListDevicesRet](ctx, c.Client, remote.NodeListDevices, a)
}

func (c NodeDevices) NodeDeviceLookupByName(ctx context.Context, a libvirt.NodeDeviceLookupByNameArgs) (libvirt.NodeDeviceLookupByNameRet, error) {
	return call[libvirt.NodeDeviceLookupByNameRet](ctx, c.Client, remote.NodeDeviceLookupByName, a)
}

func (c NodeDevices) NodeDeviceLookupSCSIHostByWWN(ctx context.Context, a libvirt.NodeDeviceLookupScsiHostByWwnArgs) (libvirt.NodeDeviceLookupScsiHostByWwnRet, error) {
	return call[libvirt.NodeDeviceLookupScsiHostByWwnRet](ctx, c.Client, remote.NodeDeviceLookupSCSIHostByWWN, a)
}

func (c NodeDevices) NodeDeviceGetXMLDesc(ctx context.Context, a libvirt.NodeDeviceGetXMLDescArgs) (libvirt.NodeDeviceGetXMLDescRet, error) {
	return call[libvirt.NodeDeviceGetXMLDescRet](ctx, c.Client, remote.NodeDeviceGetXMLDesc, a)
}

func (c NodeDevices) NodeDeviceGetParent(ctx context.Context, a libvirt.NodeDeviceGetParentArgs) (libvirt.NodeDeviceGetParentRet, error) {
	return call[libvirt.NodeDeviceGetParentRet](ctx, c.Client, remote.NodeDeviceGetParent, a)
}

func (c NodeDevices) NodeDeviceNumOfCaps(ctx context.Context, a libvirt.NodeDeviceNumOfCapsArgs) (libvirt.NodeDeviceNumOfCapsRet, error) {
	return call[libvirt.NodeDeviceNumOfCapsRet](ctx, c.Client, remote.NodeDeviceNumOfCaps, a)
}

func (c NodeDevices) NodeDeviceListCaps(ctx context.Context, a libvirt.NodeDeviceListCapsArgs) (libvirt.NodeDeviceListCapsRet, error) {
	return call[libvirt.NodeDeviceListCapsRet](ctx, c.Client, remote.NodeDeviceListCaps, a)
}

func (c NodeDevices) NodeDeviceIsActive(ctx context.Context, a libvirt.NodeDeviceIsActiveArgs) (libvirt.NodeDeviceIsActiveRet, error) {
	return call[libvirt.NodeDeviceIsActiveRet](ctx, c.Client, remote.NodeDeviceIsActive, a)
}

func (c NodeDevices) NodeDeviceIsPersistent(ctx context.Context, a libvirt.NodeDeviceIsPersistentArgs) (libvirt.NodeDeviceIsPersistentRet, error) {
	return call[libvirt.NodeDeviceIsPersistentRet](ctx, c.Client, remote.NodeDeviceIsPersistent, a)
}

func (c NodeDevices) NodeDeviceGetAutostart(ctx context.Context, a libvirt.NodeDeviceGetAutostartArgs) (libvirt.NodeDeviceGetAutostartRet, error) {
	return call[libvirt.NodeDeviceGetAutostartRet](ctx, c.Client, remote.NodeDeviceGetAutostart, a)
}

func (c NodeDevices) NodeDeviceSetAutostart(ctx context.Context, a libvirt.NodeDeviceSetAutostartArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NodeDeviceSetAutostart, a)
}

func (c NodeDevices) NodeDeviceDettach(ctx context.Context, a libvirt.NodeDeviceDettachArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NodeDeviceDettach, a)
}

func (c NodeDevices) NodeDeviceDetachFlags(ctx context.Context, a libvirt.NodeDeviceDetachFlagsArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NodeDeviceDetachFlags, a)
}

func (c NodeDevices) NodeDeviceReAttach(ctx context.Context, a libvirt.NodeDeviceReAttachArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NodeDeviceReAttach, a)
}

func (c NodeDevices) NodeDeviceReset(ctx context.Context, a libvirt.NodeDeviceResetArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.NodeDeviceReset, a)
}
