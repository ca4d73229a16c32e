package driver

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// NodeDevices is a driver of the host's devices (libvirt's virNodeDeviceDriver).
type NodeDevices interface {
	// NodeDevicesKnown returns once the driver knows the host's devices, so that a
	// front end that subscribes to device events after it misses no change.
	NodeDevicesKnown(ctx context.Context) error

	// Lookups and lists.
	ConnectListAllNodeDevices(ctx context.Context, a libvirt.ConnectListAllNodeDevicesArgs) (libvirt.ConnectListAllNodeDevicesRet, error)
	NodeNumOfDevices(ctx context.Context, a libvirt.NodeNumOfDevicesArgs) (libvirt.NodeNumOfDevicesRet, error)
	NodeListDevices(ctx context.Context, a libvirt.NodeListDevicesArgs) (libvirt.NodeListDevicesRet, error)
	NodeDeviceLookupByName(ctx context.Context, a libvirt.NodeDeviceLookupByNameArgs) (libvirt.NodeDeviceLookupByNameRet, error)
	NodeDeviceLookupSCSIHostByWWN(ctx context.Context, a libvirt.NodeDeviceLookupScsiHostByWwnArgs) (libvirt.NodeDeviceLookupScsiHostByWwnRet, error)

	// State and description.
	NodeDeviceGetXMLDesc(ctx context.Context, a libvirt.NodeDeviceGetXMLDescArgs) (libvirt.NodeDeviceGetXMLDescRet, error)
	NodeDeviceGetParent(ctx context.Context, a libvirt.NodeDeviceGetParentArgs) (libvirt.NodeDeviceGetParentRet, error)
	NodeDeviceNumOfCaps(ctx context.Context, a libvirt.NodeDeviceNumOfCapsArgs) (libvirt.NodeDeviceNumOfCapsRet, error)
	NodeDeviceListCaps(ctx context.Context, a libvirt.NodeDeviceListCapsArgs) (libvirt.NodeDeviceListCapsRet, error)
	NodeDeviceIsActive(ctx context.Context, a libvirt.NodeDeviceIsActiveArgs) (libvirt.NodeDeviceIsActiveRet, error)
	NodeDeviceIsPersistent(ctx context.Context, a libvirt.NodeDeviceIsPersistentArgs) (libvirt.NodeDeviceIsPersistentRet, error)
	NodeDeviceGetAutostart(ctx context.Context, a libvirt.NodeDeviceGetAutostartArgs) (libvirt.NodeDeviceGetAutostartRet, error)
	NodeDeviceSetAutostart(ctx context.Context, a libvirt.NodeDeviceSetAutostartArgs) (struct{}, error)

	// PCI passthrough preparation.
	NodeDeviceDettach(ctx context.Context, a libvirt.NodeDeviceDettachArgs) (struct{}, error)
	NodeDeviceDetachFlags(ctx context.Context, a libvirt.NodeDeviceDetachFlagsArgs) (struct{}, error)
	NodeDeviceReAttach(ctx context.Context, a libvirt.NodeDeviceReAttachArgs) (struct{}, error)
	NodeDeviceReset(ctx context.Context, a libvirt.NodeDeviceResetArgs) (struct{}, error)
}
