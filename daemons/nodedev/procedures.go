package nodedev

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Procedures is the driver's part of the REMOTE program: the node-device calls virsh's
// nodedev-* commands make, and the node-device event registrations.
func (d *Driver) Procedures() []rpc.Procedure {
	return append([]rpc.Procedure{
		rpc.Handle(remote.ConnectListAllNodeDevices, whenReady(d, d.listAll), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeNumOfDevices, whenReady(d, d.numOfDevices), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeListDevices, whenReady(d, d.listDevices), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeDeviceLookupByName, whenReady(d, d.lookupByName), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeDeviceLookupSCSIHostByWWN, whenReady(d, d.lookupSCSIHostByWWN), rpc.ReadOnly),
		rpc.Handle(remote.NodeDeviceGetXMLDesc, whenReady(d, d.getXMLDesc), rpc.ReadOnly),
		rpc.Handle(remote.NodeDeviceGetParent, whenReady(d, d.getParent), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeDeviceNumOfCaps, whenReady(d, d.numOfCaps), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeDeviceListCaps, whenReady(d, d.listCaps), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeDeviceIsActive, whenReady(d, d.isActive), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeDeviceIsPersistent, whenReady(d, d.isPersistent), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeDeviceGetAutostart, whenReady(d, d.getAutostart), rpc.ReadOnly, rpc.Inline),
		rpc.Handle(remote.NodeDeviceSetAutostart, whenReady(d, d.setAutostart)),
		rpc.Handle(remote.NodeDeviceDettach, whenReady(d, d.dettach)),
		rpc.Handle(remote.NodeDeviceDetachFlags, whenReady(d, d.detachFlags)),
		rpc.Handle(remote.NodeDeviceReAttach, whenReady(d, d.reAttach)),
		rpc.Handle(remote.NodeDeviceReset, whenReady(d, d.reset)),
	}, remote.NodeDeviceEventProcedures(d.events, d.awaitDevices)...)
}

func (d *Driver) listAll(ctx context.Context, a libvirt.ConnectListAllNodeDevicesArgs) (libvirt.ConnectListAllNodeDevicesRet, error) {
	if err := checkFlags(a.Flags, listCaps|listPersistent|listTransient|listInactive|listActive, "nodeConnectListAllNodeDevices"); err != nil {
		return libvirt.ConnectListAllNodeDevicesRet{}, err
	}
	devs := d.reg.list(func(dev *device) bool { return matchFlags(dev, a.Flags) })
	ret := libvirt.ConnectListAllNodeDevicesRet{Ret: uint32(len(devs))}
	if a.NeedResults != 0 {
		ret.Devices = make([]libvirt.NodeDevice, len(devs))
		for i, dev := range devs {
			ret.Devices[i] = libvirt.NodeDevice{Name: dev.def.Name}
		}
	}
	return ret, nil
}

func (d *Driver) numOfDevices(ctx context.Context, a libvirt.NodeNumOfDevicesArgs) (libvirt.NodeNumOfDevicesRet, error) {
	if err := checkFlags(a.Flags, 0, "nodeNumOfDevices"); err != nil {
		return libvirt.NodeNumOfDevicesRet{}, err
	}
	return libvirt.NodeNumOfDevicesRet{Num: int32(len(d.reg.list(matchCapName(a.Cap))))}, nil
}

func (d *Driver) listDevices(ctx context.Context, a libvirt.NodeListDevicesArgs) (libvirt.NodeListDevicesRet, error) {
	if err := checkFlags(a.Flags, 0, "nodeListDevices"); err != nil {
		return libvirt.NodeListDevicesRet{}, err
	}
	var ret libvirt.NodeListDevicesRet
	for _, dev := range d.reg.list(matchCapName(a.Cap)) {
		if len(ret.Names) >= int(a.Maxnames) {
			break
		}
		ret.Names = append(ret.Names, dev.def.Name)
	}
	return ret, nil
}

func (d *Driver) lookupByName(ctx context.Context, a libvirt.NodeDeviceLookupByNameArgs) (libvirt.NodeDeviceLookupByNameRet, error) {
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceLookupByNameRet{}, err
	}
	return libvirt.NodeDeviceLookupByNameRet{Dev: libvirt.NodeDevice{Name: dev.def.Name}}, nil
}

func (d *Driver) lookupSCSIHostByWWN(ctx context.Context, a libvirt.NodeDeviceLookupScsiHostByWwnArgs) (libvirt.NodeDeviceLookupScsiHostByWwnRet, error) {
	if err := checkFlags(a.Flags, 0, "nodeDeviceLookupSCSIHostByWWN"); err != nil {
		return libvirt.NodeDeviceLookupScsiHostByWwnRet{}, err
	}
	dev, err := d.scsiHostByWWN(a.Wwnn, a.Wwpn)
	if err != nil {
		return libvirt.NodeDeviceLookupScsiHostByWwnRet{}, err
	}
	return libvirt.NodeDeviceLookupScsiHostByWwnRet{Dev: libvirt.NodeDevice{Name: dev.def.Name}}, nil
}

func (d *Driver) getXMLDesc(ctx context.Context, a libvirt.NodeDeviceGetXMLDescArgs) (libvirt.NodeDeviceGetXMLDescRet, error) {
	// VIR_NODE_DEVICE_XML_INACTIVE asks for the persistent definition; every device
	// here is as the kernel has it, so both views are the same.
	if err := checkFlags(a.Flags, 1, "nodeDeviceGetXMLDesc"); err != nil {
		return libvirt.NodeDeviceGetXMLDescRet{}, err
	}
	x, err := d.currentXML(a.Name)
	return libvirt.NodeDeviceGetXMLDescRet{XML: x}, err
}

func (d *Driver) getParent(ctx context.Context, a libvirt.NodeDeviceGetParentArgs) (libvirt.NodeDeviceGetParentRet, error) {
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceGetParentRet{}, err
	}
	if dev.def.Parent == "" {
		return libvirt.NodeDeviceGetParentRet{}, errNoParent()
	}
	return libvirt.NodeDeviceGetParentRet{ParentName: libvirt.OptString{dev.def.Parent}}, nil
}

func (d *Driver) numOfCaps(ctx context.Context, a libvirt.NodeDeviceNumOfCapsArgs) (libvirt.NodeDeviceNumOfCapsRet, error) {
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceNumOfCapsRet{}, err
	}
	return libvirt.NodeDeviceNumOfCapsRet{Num: int32(len(dev.caps))}, nil
}

func (d *Driver) listCaps(ctx context.Context, a libvirt.NodeDeviceListCapsArgs) (libvirt.NodeDeviceListCapsRet, error) {
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceListCapsRet{}, err
	}
	var ret libvirt.NodeDeviceListCapsRet
	for _, c := range dev.caps {
		if len(ret.Names) >= int(a.Maxnames) {
			break
		}
		ret.Names = append(ret.Names, c.String())
	}
	return ret, nil
}

func (d *Driver) isActive(ctx context.Context, a libvirt.NodeDeviceIsActiveArgs) (libvirt.NodeDeviceIsActiveRet, error) {
	_, err := d.device(a.Name)
	return libvirt.NodeDeviceIsActiveRet{Active: boolInt(err == nil)}, err
}

func (d *Driver) isPersistent(ctx context.Context, a libvirt.NodeDeviceIsPersistentArgs) (libvirt.NodeDeviceIsPersistentRet, error) {
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceIsPersistentRet{}, err
	}
	return libvirt.NodeDeviceIsPersistentRet{Persistent: boolInt(dev.persistent())}, nil
}

// getAutostart reports the computer as autostarted, as libvirt marks the system device.
func (d *Driver) getAutostart(ctx context.Context, a libvirt.NodeDeviceGetAutostartArgs) (libvirt.NodeDeviceGetAutostartRet, error) {
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceGetAutostartRet{}, err
	}
	return libvirt.NodeDeviceGetAutostartRet{Autostart: boolInt(dev.persistent())}, nil
}

func (d *Driver) setAutostart(ctx context.Context, a libvirt.NodeDeviceSetAutostartArgs) (struct{}, error) {
	dev, err := d.device(a.Name)
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, errAutostart(dev)
}

func (d *Driver) dettach(ctx context.Context, a libvirt.NodeDeviceDettachArgs) (struct{}, error) {
	return struct{}{}, d.detachPCI(ctx, a.Name, "")
}

func (d *Driver) detachFlags(ctx context.Context, a libvirt.NodeDeviceDetachFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "nodeDeviceDetachFlags"); err != nil {
		return struct{}{}, err
	}
	driver := ""
	if len(a.DriverName) > 0 {
		driver = a.DriverName[0]
	}
	return struct{}{}, d.detachPCI(ctx, a.Name, driver)
}

func (d *Driver) reAttach(ctx context.Context, a libvirt.NodeDeviceReAttachArgs) (struct{}, error) {
	return struct{}{}, d.reattachPCI(ctx, a.Name)
}

func (d *Driver) reset(ctx context.Context, a libvirt.NodeDeviceResetArgs) (struct{}, error) {
	return struct{}{}, d.resetPCI(ctx, a.Name)
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
