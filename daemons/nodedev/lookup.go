package nodedev

import (
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// device returns the named device or libvirt's "not found" error.
func (d *Driver) device(name string) (*device, error) {
	dev, ok := d.reg.get(name)
	if !ok {
		return nil, errNoDevice(name)
	}
	return dev, nil
}

// currentXML describes the device as it is now: like nodeDeviceGetXMLDesc, which
// refreshes the driver name and the capabilities that change (link state, SR-IOV,
// sizes) before formatting, it reads the device again from sysfs. Name and parent stay
// as registered.
func (d *Driver) currentXML(name string) (string, error) {
	dev, err := d.device(name)
	if err != nil {
		return "", err
	}
	if dev.def.Path == "" {
		return dev.xml, nil
	}
	raw, err := d.sys.readDevice(dev.def.Path, d.db)
	if err != nil {
		return "", errNoDevice(name) // gone; its remove uevent is on the way
	}
	def, err := d.b.build(raw)
	if err != nil {
		return dev.xml, nil
	}
	def.Name, def.Parent = dev.def.Name, dev.def.Parent
	return xmlstyle.Marshal(def)
}

// matchFlags applies a list call's filters as virNodeDeviceObjMatch: any of the asked
// capabilities, then active/inactive, then persistent/transient. Every registered
// device is active: they exist while the kernel has them.
func matchFlags(dev *device, flags uint32) bool {
	if caps := flags & listCaps; caps != 0 {
		hit := false
		for _, c := range dev.caps {
			if caps&c.flag() != 0 {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	if flags&(listActive|listInactive) != 0 && flags&listActive == 0 {
		return false
	}
	if p := flags & (listPersistent | listTransient); p != 0 {
		if dev.persistent() && p&listPersistent == 0 || !dev.persistent() && p&listTransient == 0 {
			return false
		}
	}
	return true
}

// matchCapName is the filter of the legacy virNodeListDevices: devices with the named
// capability, or every device when none is named. An unknown name matches nothing.
func matchCapName(name libvirt.OptString) func(*device) bool {
	if len(name) == 0 {
		return nil
	}
	c, ok := capByName(name[0])
	return func(dev *device) bool { return ok && dev.has(c) }
}

// scsiHostByWWN finds the Fibre Channel SCSI host with the given port names.
func (d *Driver) scsiHostByWWN(wwnn, wwpn string) (*device, error) {
	for _, dev := range d.reg.list(func(dev *device) bool { return dev.has(capFCHost) }) {
		for _, sub := range dev.def.Capability.SCSIHost.Capability {
			if fc := sub.FCHost; fc != nil && strings.EqualFold(fc.WWNN, wwnn) && strings.EqualFold(fc.WWPN, wwpn) {
				return dev, nil
			}
		}
	}
	return nil, errNoWWN(wwnn, wwpn)
}
