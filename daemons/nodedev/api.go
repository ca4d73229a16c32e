package nodedev

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

func (d *Driver) ConnectListAllNodeDevices(ctx context.Context, a libvirt.ConnectListAllNodeDevicesArgs) (libvirt.ConnectListAllNodeDevicesRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.ConnectListAllNodeDevicesRet{}, err
	}
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

func (d *Driver) NodeNumOfDevices(ctx context.Context, a libvirt.NodeNumOfDevicesArgs) (libvirt.NodeNumOfDevicesRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeNumOfDevicesRet{}, err
	}
	if err := checkFlags(a.Flags, 0, "nodeNumOfDevices"); err != nil {
		return libvirt.NodeNumOfDevicesRet{}, err
	}
	return libvirt.NodeNumOfDevicesRet{Num: int32(len(d.reg.list(matchCapName(a.Cap))))}, nil
}

func (d *Driver) NodeListDevices(ctx context.Context, a libvirt.NodeListDevicesArgs) (libvirt.NodeListDevicesRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeListDevicesRet{}, err
	}
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

func (d *Driver) NodeDeviceLookupByName(ctx context.Context, a libvirt.NodeDeviceLookupByNameArgs) (libvirt.NodeDeviceLookupByNameRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceLookupByNameRet{}, err
	}
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceLookupByNameRet{}, err
	}
	return libvirt.NodeDeviceLookupByNameRet{Dev: libvirt.NodeDevice{Name: dev.def.Name}}, nil
}

func (d *Driver) NodeDeviceLookupSCSIHostByWWN(ctx context.Context, a libvirt.NodeDeviceLookupScsiHostByWwnArgs) (libvirt.NodeDeviceLookupScsiHostByWwnRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceLookupScsiHostByWwnRet{}, err
	}
	if err := checkFlags(a.Flags, 0, "nodeDeviceLookupSCSIHostByWWN"); err != nil {
		return libvirt.NodeDeviceLookupScsiHostByWwnRet{}, err
	}
	dev, err := d.scsiHostByWWN(a.Wwnn, a.Wwpn)
	if err != nil {
		return libvirt.NodeDeviceLookupScsiHostByWwnRet{}, err
	}
	return libvirt.NodeDeviceLookupScsiHostByWwnRet{Dev: libvirt.NodeDevice{Name: dev.def.Name}}, nil
}

func (d *Driver) NodeDeviceGetXMLDesc(ctx context.Context, a libvirt.NodeDeviceGetXMLDescArgs) (libvirt.NodeDeviceGetXMLDescRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceGetXMLDescRet{}, err
	}
	// VIR_NODE_DEVICE_XML_INACTIVE asks for the persistent definition; every device
	// here is as the kernel has it, so both views are the same.
	if err := checkFlags(a.Flags, 1, "nodeDeviceGetXMLDesc"); err != nil {
		return libvirt.NodeDeviceGetXMLDescRet{}, err
	}
	x, err := d.currentXML(a.Name)
	return libvirt.NodeDeviceGetXMLDescRet{XML: x}, err
}

func (d *Driver) NodeDeviceGetParent(ctx context.Context, a libvirt.NodeDeviceGetParentArgs) (libvirt.NodeDeviceGetParentRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceGetParentRet{}, err
	}
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceGetParentRet{}, err
	}
	if dev.def.Parent == "" {
		return libvirt.NodeDeviceGetParentRet{}, errNoParent()
	}
	return libvirt.NodeDeviceGetParentRet{ParentName: libvirt.OptString{dev.def.Parent}}, nil
}

func (d *Driver) NodeDeviceNumOfCaps(ctx context.Context, a libvirt.NodeDeviceNumOfCapsArgs) (libvirt.NodeDeviceNumOfCapsRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceNumOfCapsRet{}, err
	}
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceNumOfCapsRet{}, err
	}
	return libvirt.NodeDeviceNumOfCapsRet{Num: int32(len(dev.caps))}, nil
}

func (d *Driver) NodeDeviceListCaps(ctx context.Context, a libvirt.NodeDeviceListCapsArgs) (libvirt.NodeDeviceListCapsRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceListCapsRet{}, err
	}
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

func (d *Driver) NodeDeviceIsActive(ctx context.Context, a libvirt.NodeDeviceIsActiveArgs) (libvirt.NodeDeviceIsActiveRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceIsActiveRet{}, err
	}
	_, err := d.device(a.Name)
	return libvirt.NodeDeviceIsActiveRet{Active: boolInt(err == nil)}, err
}

func (d *Driver) NodeDeviceIsPersistent(ctx context.Context, a libvirt.NodeDeviceIsPersistentArgs) (libvirt.NodeDeviceIsPersistentRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceIsPersistentRet{}, err
	}
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceIsPersistentRet{}, err
	}
	return libvirt.NodeDeviceIsPersistentRet{Persistent: boolInt(dev.persistent())}, nil
}

// NodeDeviceGetAutostart reports the computer as autostarted, as libvirt marks the system device.
func (d *Driver) NodeDeviceGetAutostart(ctx context.Context, a libvirt.NodeDeviceGetAutostartArgs) (libvirt.NodeDeviceGetAutostartRet, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return libvirt.NodeDeviceGetAutostartRet{}, err
	}
	dev, err := d.device(a.Name)
	if err != nil {
		return libvirt.NodeDeviceGetAutostartRet{}, err
	}
	return libvirt.NodeDeviceGetAutostartRet{Autostart: boolInt(dev.persistent())}, nil
}

func (d *Driver) NodeDeviceSetAutostart(ctx context.Context, a libvirt.NodeDeviceSetAutostartArgs) (struct{}, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return struct{}{}, err
	}
	dev, err := d.device(a.Name)
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, errAutostart(dev)
}

func (d *Driver) NodeDeviceDettach(ctx context.Context, a libvirt.NodeDeviceDettachArgs) (struct{}, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.detachPCI(ctx, a.Name, "")
}

func (d *Driver) NodeDeviceDetachFlags(ctx context.Context, a libvirt.NodeDeviceDetachFlagsArgs) (struct{}, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return struct{}{}, err
	}
	if err := checkFlags(a.Flags, 0, "nodeDeviceDetachFlags"); err != nil {
		return struct{}{}, err
	}
	driver := ""
	if len(a.DriverName) > 0 {
		driver = a.DriverName[0]
	}
	return struct{}{}, d.detachPCI(ctx, a.Name, driver)
}

func (d *Driver) NodeDeviceReAttach(ctx context.Context, a libvirt.NodeDeviceReAttachArgs) (struct{}, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.reattachPCI(ctx, a.Name)
}

func (d *Driver) NodeDeviceReset(ctx context.Context, a libvirt.NodeDeviceResetArgs) (struct{}, error) {
	if err := d.NodeDevicesKnown(ctx); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.resetPCI(ctx, a.Name)
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
