package nodedev

import (
	"fmt"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// scsiHost describes a SCSI host adapter ("hostN"), with its Fibre Channel port names
// and NPIV vport counts when the fc_host class has it, as udevProcessSCSIHost and
// virNodeDeviceGetSCSIHostCaps.
func (b *builder) scsiHost(d *rawDevice, def *libvirtxml.NodeDevice) error {
	n, err := strconv.ParseUint(strings.TrimPrefix(d.Sysname, "host"), 10, 32)
	if err != nil || !strings.HasPrefix(d.Sysname, "host") {
		return fmt.Errorf("failed to parse SCSI host '%s': %w", d.Sysname, errSkip)
	}
	hc := &libvirtxml.NodeDeviceSCSIHostCapability{Host: uint(n)}
	if id, ok := b.sys.attrInt("/sys/class/scsi_host/"+d.Sysname, "unique_id", 10); ok && id >= 0 {
		u := uint(id)
		hc.UniqueID = &u
	}
	fc := "/sys/class/fc_host/" + d.Sysname
	if b.sys.exists(fc, "port_name") {
		hc.Capability = append(hc.Capability, libvirtxml.NodeDeviceSCSIHostSubCapability{
			FCHost: &libvirtxml.NodeDeviceSCSIFCHostCapability{
				WWNN:      strings.TrimPrefix(b.sys.attr(fc, "node_name"), "0x"),
				WWPN:      strings.TrimPrefix(b.sys.attr(fc, "port_name"), "0x"),
				FabricWWN: strings.TrimPrefix(b.sys.attr(fc, "fabric_name"), "0x"),
			},
		})
	}
	if b.sys.exists(fc, "vport_create") {
		maxV, _ := b.sys.attrInt(fc, "max_npiv_vports", 10)
		inUse, _ := b.sys.attrInt(fc, "npiv_vports_inuse", 10)
		hc.Capability = append(hc.Capability, libvirtxml.NodeDeviceSCSIHostSubCapability{
			VPortOps: &libvirtxml.NodeDeviceSCSIVPortOpsCapability{MaxVPorts: int(maxV), VPorts: int(inUse)},
		})
	}
	def.Name = deviceName(d.Subsystem, d.Sysname, "")
	def.Capability.SCSIHost = hc
	return nil
}

// scsiTarget describes a SCSI target ("targetH:B:T").
func (b *builder) scsiTarget(d *rawDevice, def *libvirtxml.NodeDevice) error {
	def.Name = deviceName(d.Subsystem, d.Sysname, "")
	def.Capability.SCSITarget = &libvirtxml.NodeDeviceSCSITargetCapability{Target: d.Sysname}
	return nil
}

// scsiTypes names the peripheral device types of the SCSI "type" attribute
// (udevGetSCSIType).
var scsiTypes = map[int64]string{
	0x00: "disk", 0x01: "tape", 0x03: "processor", 0x04: "worm", 0x05: "cdrom",
	0x06: "scanner", 0x07: "mod", 0x08: "changer", 0x0d: "enclosure", 0x0c: "raid",
}

// scsi describes a SCSI device ("H:B:T:L").
func (b *builder) scsi(d *rawDevice, def *libvirtxml.NodeDevice) error {
	parts := strings.Split(d.Sysname, ":")
	if len(parts) != 4 {
		return fmt.Errorf("failed to parse the SCSI address from filename: '%s': %w", d.Sysname, errSkip)
	}
	var n [4]int
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 31)
		if err != nil {
			return fmt.Errorf("failed to parse the SCSI address from filename: '%s': %w", d.Sysname, errSkip)
		}
		n[i] = int(v)
	}
	sc := &libvirtxml.NodeDeviceSCSICapability{Host: n[0], Bus: n[1], Target: n[2], Lun: n[3]}
	if t, ok := b.sys.attrInt(d.Path, "type", 10); ok {
		sc.Type = scsiTypes[t]
	}
	def.Name = deviceName(d.Subsystem, d.Sysname, "")
	def.Capability.SCSI = sc
	return nil
}
