package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh update-device and change-media: what a disk holds changes, a CD-ROM's medium
// live (the tray opened, the old medium taken out, the new one put in and the tray
// closed, as libvirt's qemuDomainChangeMediaBlockdev), any disk's source in the
// definition.

func (d *Driver) DomainUpdateDeviceFlags(ctx context.Context, a libvirt.DomainUpdateDeviceFlagsArgs) (struct{}, error) {
	flags := uint32(a.Flags)
	if err := checkFlags(flags, affectLive|affectConfig|uint32(libvirt.DomainDeviceModifyForce), "qemuDomainUpdateDeviceFlags"); err != nil {
		return struct{}{}, err
	}
	dev, dom, live, config, err := d.lockForDevice(a.Dom, a.XML, flags)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	if dev.nic != nil {
		return struct{}{}, d.updateInterface(ctx, dom, dev, live, config)
	}
	if dev.disk == nil {
		return struct{}{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "device type '%s' cannot be updated", dev.kind)
	}
	v := dom.view()
	i, err := dev.locate(v, live, config)
	if err != nil {
		return struct{}{}, err
	}
	if live {
		old := &v.def.Devices.Disks[i]
		if old.Device != "cdrom" && old.Device != "floppy" {
			return struct{}{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "disk bus '%s' cannot be updated.", old.Target.Bus)
		}
		n, err := d.changeMedia(ctx, v, old, dev.disk)
		if err != nil {
			return struct{}{}, err
		}
		if err := d.modify(dom, affectLive, func(def *libvirtxml.Domain) error {
			disk := &def.Devices.Disks[findDevice(def, dev)]
			setMedia(disk, dev.disk)
			markMedium(disk, n)
			return nil
		}); err != nil {
			return struct{}{}, err
		}
	}
	if config {
		return struct{}{}, d.modify(dom, affectConfig, func(def *libvirtxml.Domain) error {
			setMedia(&def.Devices.Disks[findDevice(def, dev)], dev.disk)
			return nil
		})
	}
	return struct{}{}, nil
}

// setMedia gives disk the source (and format) of upd; no source is an empty drive.
func setMedia(disk, upd *libvirtxml.DomainDisk) {
	disk.Source = upd.Source
	disk.BackingStore = upd.BackingStore
	if upd.Driver != nil && upd.Driver.Type != "" {
		if disk.Driver == nil {
			disk.Driver = &libvirtxml.DomainDiskDriver{Name: "qemu"}
		}
		disk.Driver.Type = upd.Driver.Type
	}
	if disk.Driver != nil && disk.Driver.Type == "" {
		disk.Driver.Type = "raw"
	}
}

// changeMedia swaps the medium of a running guest's removable drive, and says which
// block node holds the new one.
func (d *Driver) changeMedia(ctx context.Context, v guestView, old, upd *libvirtxml.DomainDisk) (int, error) {
	r := v.run
	alias := aliasOfDisk(v.def, old)
	var blocks []struct {
		QDev     string `json:"qdev"`
		Inserted *struct {
			NodeName string `json:"node-name"`
		} `json:"inserted"`
	}
	if err := r.mon.Execute(ctx, "query-block", nil, &blocks); err != nil {
		return 0, monitorError(err)
	}
	oldNode := ""
	for _, b := range blocks {
		if (b.QDev == alias || qdevAlias(b.QDev) == alias) && b.Inserted != nil {
			oldNode = b.Inserted.NodeName
		}
	}
	id := map[string]any{"id": alias}
	if err := r.mon.Execute(ctx, "blockdev-open-tray", map[string]any{"id": alias, "force": true}, nil); err != nil {
		return 0, monitorError(err)
	}
	if err := r.mon.Execute(ctx, "blockdev-remove-medium", id, nil); err != nil {
		return 0, monitorError(err)
	}
	if m := nodeName.FindStringSubmatch(oldNode); m != nil {
		r.mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": "libvirt-" + m[1] + "-format"}, nil)
		r.mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": "libvirt-" + m[1] + "-storage"}, nil)
	}
	disk := *old
	setMedia(&disk, upd)
	// An empty drive takes a number too, as libvirt's does (its <source index='N'/>).
	n, err := freeNode(ctx, r, v.def)
	if err != nil {
		return 0, err
	}
	if path := diskSourcePath(&disk); path != "" {
		if err := d.ownImage(path); err != nil {
			return 0, err
		}
		opts, err := builtOptions(alone(v.def, &disk, nil), launch{}, d.cfg)
		if err != nil {
			return 0, err
		}
		format := ""
		for _, node := range opts["-blockdev"] {
			renumber(node, n)
			if err := r.mon.Execute(ctx, "blockdev-add", node, nil); err != nil {
				return 0, monitorError(err)
			}
			format = propString(node, "node-name")
		}
		if err := r.mon.Execute(ctx, "blockdev-insert-medium", map[string]any{"id": alias, "node-name": format}, nil); err != nil {
			return 0, monitorError(err)
		}
	}
	if err := r.mon.Execute(ctx, "blockdev-close-tray", id, nil); err != nil {
		return 0, monitorError(err)
	}
	return n, nil
}
