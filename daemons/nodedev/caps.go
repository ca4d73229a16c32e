package nodedev

import "libvirt.org/go/libvirtxml"

// capType is a node-device capability, numbered as libvirt's virNodeDevCapType so that
// bit capType of a list call's flags (VIR_CONNECT_LIST_NODE_DEVICES_CAP_*) selects it.
type capType uint

// The capabilities, in virNodeDevCapType order.
const (
	capSystem capType = iota
	capPCI
	capUSBDev
	capUSBInterface
	capNet
	capSCSIHost
	capSCSITarget
	capSCSI
	capStorage
	capFCHost
	capVPorts
	capSCSIGeneric
	capDRM
	capMdevTypes
	capMdev
	capCCW
	capCSS
	capVDPA
	capAPCard
	capAPQueue
	capAPMatrix
	capVPD
	capLast
)

var capNames = [capLast]string{
	"system", "pci", "usb_device", "usb", "net", "scsi_host", "scsi_target", "scsi",
	"storage", "fc_host", "vports", "scsi_generic", "drm", "mdev_types", "mdev", "ccw",
	"css", "vdpa", "ap_card", "ap_queue", "ap_matrix", "vpd",
}

func (c capType) String() string {
	if c < capLast {
		return capNames[c]
	}
	return "unknown"
}

// flag is the capability's bit in the list flags.
func (c capType) flag() uint32 { return 1 << c }

// capByName maps a capability name, as virNodeNumOfDevices takes it, to its type.
func capByName(name string) (capType, bool) {
	for i, n := range capNames {
		if n == name {
			return capType(i), true
		}
	}
	return 0, false
}

// The list flags that are not capabilities (VIR_CONNECT_LIST_NODE_DEVICES_*).
const (
	listPersistent uint32 = 1 << 28
	listTransient  uint32 = 1 << 29
	listInactive   uint32 = 1 << 30
	listActive     uint32 = 1 << 31
	// listCaps covers every capability bit; bits 22 and 23 (CCW groups) are accepted and
	// never match, as on a host without them.
	listCaps uint32 = 1<<24 - 1
)

// capsOf lists the capabilities a device has, its main one first, then those nested in
// it that libvirt also matches list filters against (virNodeDeviceObjHasCap): a PCI
// device's mdev_types and vpd, a SCSI host's fc_host and vports.
func capsOf(dev *libvirtxml.NodeDevice) []capType {
	c := dev.Capability
	switch {
	case c.System != nil:
		return []capType{capSystem}
	case c.PCI != nil:
		caps := []capType{capPCI}
		for _, sub := range c.PCI.Capabilities {
			switch {
			case sub.MDevTypes != nil:
				caps = append(caps, capMdevTypes)
			case sub.VPD != nil:
				caps = append(caps, capVPD)
			}
		}
		return caps
	case c.USBDevice != nil:
		return []capType{capUSBDev}
	case c.USB != nil:
		return []capType{capUSBInterface}
	case c.Net != nil:
		return []capType{capNet}
	case c.SCSIHost != nil:
		caps := []capType{capSCSIHost}
		for _, sub := range c.SCSIHost.Capability {
			switch {
			case sub.FCHost != nil:
				caps = append(caps, capFCHost)
			case sub.VPortOps != nil:
				caps = append(caps, capVPorts)
			}
		}
		return caps
	case c.SCSITarget != nil:
		return []capType{capSCSITarget}
	case c.SCSI != nil:
		return []capType{capSCSI}
	case c.Storage != nil:
		return []capType{capStorage}
	case c.DRM != nil:
		return []capType{capDRM}
	case c.MDev != nil:
		return []capType{capMdev}
	}
	return nil
}

// deviceName is libvirt's nodeDeviceGenerateName: subsystem_sysname, then _extra when
// given (a MAC address, a serial number, a parent's address), with every character that
// byte that is not an ASCII letter or digit turned into '_'.
func deviceName(subsystem, sysname, extra string) string {
	s := subsystem + "_" + sysname
	if extra != "" {
		s += "_" + extra
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}
