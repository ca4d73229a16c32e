package qemu

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// addDevices writes the device options in libvirt's order: controllers, disks,
// network interfaces, character devices, graphics and video, inputs, then the small
// virtio and ISA devices.
func addDevices(c *command, def *libvirtxml.Domain, l launch, cfg *Config) error {
	d := def.Devices
	q35 := strings.Contains(def.OS.Type.Machine, "q35")
	if err := addControllers(c, d, q35); err != nil {
		return err
	}
	boot := bootOrder(def)
	if err := addDisks(c, d, boot, q35); err != nil {
		return err
	}
	if err := addInterfaces(c, d, l, boot); err != nil {
		return err
	}
	if err := addSerials(c, d, l); err != nil {
		return err
	}
	if err := addChannels(c, d, l); err != nil {
		return err
	}
	if err := addGraphics(c, d, l, cfg); err != nil {
		return err
	}
	if err := addInputs(c, d); err != nil {
		return err
	}
	for _, a := range d.Audios {
		if a.None == nil {
			return unsupported("audio backends other than 'none'")
		}
		c.add("-audiodev", props{{"id", fmt.Sprintf("audio%d", a.ID)}, {"driver", "none"}}.String())
	}
	if len(d.Sounds) > 0 {
		return unsupported("<sound> devices are not supported by virtunit yet")
	}
	if len(d.Watchdogs) > 0 {
		return unsupported("<watchdog> devices are not supported by virtunit yet")
	}
	if b := d.MemBalloon; b != nil && b.Model != "none" {
		if b.Model != "virtio" {
			return unsupported("memballoon model '%s'", b.Model)
		}
		c.add("-device", props{{"driver", "virtio-balloon-pci"}, {"id", "balloon0"}}.String())
	}
	for i, r := range d.RNGs {
		if r.Model != "virtio" || r.Backend == nil || r.Backend.Random == nil {
			return unsupported("only virtio RNGs with a random backend are supported")
		}
		src := r.Backend.Random.Device
		if src == "" {
			src = "/dev/urandom"
		}
		c.add("-object", props{{"qom-type", "rng-random"}, {"id", fmt.Sprintf("objrng%d", i)}, {"filename", src}}.String())
		c.add("-device", props{{"driver", "virtio-rng-pci"}, {"rng", fmt.Sprintf("objrng%d", i)}, {"id", fmt.Sprintf("rng%d", i)}}.String())
	}
	for _, p := range d.Panics {
		if p.Model != "" && p.Model != "isa" {
			return unsupported("panic model '%s'", p.Model)
		}
		c.add("-device", props{{"driver", "pvpanic"}}.String())
	}
	return nil
}

func addControllers(c *command, d *libvirtxml.DomainDeviceList, q35 bool) error {
	for _, ctl := range d.Controllers {
		switch ctl.Type {
		case "pci", "ide", "fdc":
			// The machine type has them built in.
		case "usb":
			switch ctl.Model {
			case "none":
			case "", "piix3-uhci":
				if q35 {
					c.add("-device", props{{"driver", "qemu-xhci"}, {"id", "usb"}}.String())
				} else {
					c.add("-device", props{{"driver", "piix3-usb-uhci"}, {"id", "usb"}}.String())
				}
			case "qemu-xhci", "nec-xhci":
				drv := map[string]string{"qemu-xhci": "qemu-xhci", "nec-xhci": "nec-usb-xhci"}[ctl.Model]
				c.add("-device", props{{"driver", drv}, {"id", "usb"}}.String())
			default:
				return unsupported("USB controller model '%s'", ctl.Model)
			}
		case "sata":
			if !q35 {
				c.add("-device", props{{"driver", "ahci"}, {"id", fmt.Sprintf("sata%d", index(ctl.Index))}}.String())
			}
		case "scsi":
			if ctl.Model != "" && ctl.Model != "virtio-scsi" {
				return unsupported("SCSI controller model '%s'", ctl.Model)
			}
			c.add("-device", props{{"driver", "virtio-scsi-pci"}, {"id", fmt.Sprintf("scsi%d", index(ctl.Index))}}.String())
		case "virtio-serial":
			c.add("-device", props{{"driver", "virtio-serial-pci"}, {"id", fmt.Sprintf("virtio-serial%d", index(ctl.Index))}}.String())
		default:
			return unsupported("controller type '%s'", ctl.Type)
		}
	}
	return nil
}

func index(i *uint) uint {
	if i == nil {
		return 0
	}
	return *i
}

// bootOrder gives each bootable device its bootindex: per-device <boot order>, or the
// <os><boot dev> list applied to the first disk, CD-ROM and interface, as libvirt does.
func bootOrder(def *libvirtxml.Domain) map[any]uint {
	boot := map[any]uint{}
	d := def.Devices
	for i := range d.Disks {
		if b := d.Disks[i].Boot; b != nil {
			boot[&d.Disks[i]] = b.Order
		}
	}
	for i := range d.Interfaces {
		if b := d.Interfaces[i].Boot; b != nil {
			boot[&d.Interfaces[i]] = b.Order
		}
	}
	if len(boot) > 0 {
		return boot
	}
	n := uint(0)
	for _, bd := range def.OS.BootDevices {
		var target any
		switch bd.Dev {
		case "hd", "cdrom":
			want := "disk"
			if bd.Dev == "cdrom" {
				want = "cdrom"
			}
			for i := range d.Disks {
				dev := d.Disks[i].Device
				if dev == "" {
					dev = "disk"
				}
				if dev == want {
					target = &d.Disks[i]
					break
				}
			}
		case "network":
			if len(d.Interfaces) > 0 {
				target = &d.Interfaces[0]
			}
		}
		if target != nil {
			n++
			boot[target] = n
		}
	}
	return boot
}

func addDisks(c *command, d *libvirtxml.DomainDeviceList, boot map[any]uint, q35 bool) error {
	for i := range d.Disks {
		disk := &d.Disks[i]
		if disk.Target == nil || disk.Target.Dev == "" {
			return unsupported("disk without a target device")
		}
		dev := disk.Device
		if dev == "" {
			dev = "disk"
		}
		if dev != "disk" && dev != "cdrom" {
			return unsupported("disk device '%s'", dev)
		}
		node := fmt.Sprintf("libvirt-%d", i+1)
		readOnly := dev == "cdrom" || disk.ReadOnly != nil
		hasMedia := false
		if src := disk.Source; src != nil {
			var storage props
			switch {
			case src.File != nil && src.File.File != "":
				storage = props{{"driver", "file"}, {"filename", src.File.File}}
			case src.Block != nil && src.Block.Dev != "":
				storage = props{{"driver", "host_device"}, {"filename", src.Block.Dev}}
			case src.File != nil || src.Block != nil:
			default:
				return unsupported("disk source of %s: only files and block devices are supported", disk.Target.Dev)
			}
			if storage != nil {
				hasMedia = true
				format := "raw"
				if disk.Driver != nil && disk.Driver.Type != "" {
					format = disk.Driver.Type
				}
				if format != "raw" && format != "qcow2" {
					return unsupported("disk format '%s' of %s", format, disk.Target.Dev)
				}
				storage = append(storage, prop{"node-name", node + "-storage"}, prop{"read-only", readOnly})
				c.add("-blockdev", storage.String())
				c.add("-blockdev", props{{"node-name", node + "-format"}, {"read-only", readOnly},
					{"driver", format}, {"file", node + "-storage"}}.String())
			}
		}
		dp, err := diskDevice(disk, dev, q35)
		if err != nil {
			return err
		}
		if hasMedia {
			dp = append(dp, prop{"drive", node + "-format"})
		}
		dp = append(dp, prop{"id", diskAlias(disk)})
		if n, ok := boot[disk]; ok {
			dp = append(dp, prop{"bootindex", n})
		}
		c.add("-device", dp.String())
	}
	return nil
}

// diskDevice is the front end of a disk by its bus.
func diskDevice(disk *libvirtxml.DomainDisk, dev string, q35 bool) (props, error) {
	bus := disk.Target.Bus
	n := diskIndex(disk.Target.Dev)
	kind := "hd"
	if dev == "cdrom" {
		kind = "cd"
	}
	switch bus {
	case "virtio":
		if dev == "cdrom" {
			return nil, unsupported("virtio CD-ROM %s", disk.Target.Dev)
		}
		return props{{"driver", "virtio-blk-pci"}}, nil
	case "ide":
		return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("ide.%d", n/2)}, {"unit", n % 2}}, nil
	case "sata":
		if q35 {
			return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("ide.%d", n)}}, nil
		}
		return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("sata0.%d", n)}}, nil
	case "scsi":
		return props{{"driver", "scsi-" + kind}, {"bus", "scsi0.0"}, {"lun", n}}, nil
	}
	return nil, unsupported("disk bus '%s' of %s", bus, disk.Target.Dev)
}

// diskIndex is the position a target name encodes: vda=0, vdb=1, ..., vdaa=26.
func diskIndex(dev string) int {
	for _, prefix := range []string{"xvd", "hd", "sd", "vd"} {
		if rest, ok := strings.CutPrefix(dev, prefix); ok {
			dev = rest
			break
		}
	}
	n := 0
	for _, ch := range dev {
		if ch < 'a' || ch > 'z' {
			return 0
		}
		n = n*26 + int(ch-'a') + 1
	}
	return max(n-1, 0)
}

func diskAlias(disk *libvirtxml.DomainDisk) string {
	n := diskIndex(disk.Target.Dev)
	switch disk.Target.Bus {
	case "virtio":
		return "virtio-disk" + strconv.Itoa(n)
	case "ide":
		return fmt.Sprintf("ide0-%d-%d", n/2, n%2)
	case "sata":
		return fmt.Sprintf("sata0-0-%d", n)
	}
	return fmt.Sprintf("scsi0-0-0-%d", n)
}

// nicModels maps libvirt's interface models to QEMU devices.
var nicModels = map[string]string{"virtio": "virtio-net-pci", "e1000": "e1000", "e1000e": "e1000e", "rtl8139": "rtl8139"}

func addInterfaces(c *command, d *libvirtxml.DomainDeviceList, l launch, boot map[any]uint) error {
	for i := range d.Interfaces {
		nic := &d.Interfaces[i]
		id := fmt.Sprintf("hostnet%d", i)
		src := nic.Source
		switch {
		case src != nil && src.User != nil:
			c.add("-netdev", props{{"type", "user"}, {"id", id}}.String())
		case src != nil && (src.Bridge != nil || src.Ethernet != nil || src.Network != nil):
			if i >= len(l.taps) || l.taps[i] < 0 {
				return fmt.Errorf("interface %d has no tap device", i)
			}
			c.add("-netdev", props{{"type", "tap"}, {"fd", strconv.Itoa(l.taps[i])}, {"id", id}}.String())
		default:
			return unsupported("interface %d: only types bridge, ethernet, network and user are supported", i)
		}
		model := "rtl8139"
		if nic.Model != nil && nic.Model.Type != "" {
			model = nic.Model.Type
		}
		drv, ok := nicModels[model]
		if !ok {
			return unsupported("interface model '%s'", model)
		}
		p := props{{"driver", drv}, {"netdev", id}, {"id", fmt.Sprintf("net%d", i)}}
		if nic.MAC != nil {
			p = append(p, prop{"mac", nic.MAC.Address})
		}
		if n, ok := boot[nic]; ok {
			p = append(p, prop{"bootindex", n})
		}
		c.add("-device", p.String())
	}
	return nil
}

// addSerials: a pty console keeps a copy of everything the guest writes in
// l.consoleLog (or the file the definition's <log> names), so the console's history
// outlives the pty.
func addSerials(c *command, d *libvirtxml.DomainDeviceList, l launch) error {
	for i, s := range d.Serials {
		id := fmt.Sprintf("charserial%d", i)
		spec, err := chardev(id, s.Source, s.Log, l.consoleLog, i == 0)
		if err != nil {
			return fmt.Errorf("serial %d: %w", i, err)
		}
		c.add("-chardev", spec)
		if s.Target != nil && s.Target.Type != "" && s.Target.Type != "isa-serial" {
			return unsupported("serial target type '%s'", s.Target.Type)
		}
		c.add("-device", props{{"driver", "isa-serial"}, {"chardev", id}, {"id", fmt.Sprintf("serial%d", i)}, {"index", i}}.String())
	}
	for _, con := range d.Consoles {
		if con.Target != nil && con.Target.Type != "" && con.Target.Type != "serial" {
			return unsupported("console target type '%s'", con.Target.Type)
		}
	}
	return nil
}

// chardev is a -chardev backend for a libvirt character device source.
func chardev(id string, src *libvirtxml.DomainChardevSource, log *libvirtxml.DomainChardevLog, defaultLog string, useDefault bool) (string, error) {
	spec := ""
	switch {
	case src == nil || src.Pty != nil:
		spec = "pty,id=" + id
	case src.File != nil:
		spec = "file,id=" + id + ",path=" + escapeComma(src.File.Path)
	case src.UNIX != nil:
		spec = "socket,id=" + id + ",path=" + escapeComma(src.UNIX.Path)
		if src.UNIX.Mode != "connect" {
			spec += ",server=on,wait=off"
		}
	case src.Null != nil:
		return "null,id=" + id, nil
	default:
		return "", unsupported("character device source of %s", id)
	}
	switch {
	case log != nil && log.File != "":
		spec += ",logfile=" + escapeComma(log.File) + ",logappend=" + onOff(log.Append != "off")
	case useDefault && defaultLog != "" && (src == nil || src.Pty != nil):
		spec += ",logfile=" + escapeComma(defaultLog) + ",logappend=on"
	}
	return spec, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// addChannels supports the usual one: a guest agent channel over a unix socket on a
// virtio-serial port.
func addChannels(c *command, d *libvirtxml.DomainDeviceList, l launch) error {
	for i, ch := range d.Channels {
		if ch.Target == nil || ch.Target.VirtIO == nil || ch.Source == nil || ch.Source.UNIX == nil {
			return unsupported("channel %d: only virtio channels over unix sockets are supported", i)
		}
		path := ch.Source.UNIX.Path
		if path == "" {
			path = fmt.Sprintf("%s/channel%d.sock", l.dir, i)
		}
		id := fmt.Sprintf("charchannel%d", i)
		c.add("-chardev", "socket,id="+id+",path="+escapeComma(path)+",server=on,wait=off")
		p := props{{"driver", "virtserialport"}, {"bus", "virtio-serial0.0"}, {"nr", i + 1}, {"chardev", id}, {"id", fmt.Sprintf("channel%d", i)}}
		if ch.Target.VirtIO.Name != "" {
			p = append(p, prop{"name", ch.Target.VirtIO.Name})
		}
		c.add("-device", p.String())
	}
	return nil
}

// addGraphics supports VNC: on a unix socket, a fixed port, or (autoport) the first
// free port from 5900, which QEMU itself picks so two starts cannot race for it.
func addGraphics(c *command, d *libvirtxml.DomainDeviceList, l launch, cfg *Config) error {
	for _, g := range d.Graphics {
		vnc := g.VNC
		if vnc == nil {
			return unsupported("graphics other than VNC")
		}
		addr := cfg.VNCListen
		if vnc.Listen != "" {
			addr = vnc.Listen
		}
		for _, ls := range vnc.Listeners {
			if ls.Address != nil && ls.Address.Address != "" {
				addr = ls.Address.Address
			}
		}
		if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
			addr = "[" + addr + "]"
		}
		switch {
		case vnc.Socket != "":
			c.add("-vnc", "unix:"+escapeComma(vnc.Socket))
		case cfg.VNCAutoUnixSocket:
			c.add("-vnc", "unix:"+escapeComma(l.dir+"/vnc.sock"))
		case vnc.Port >= 5900 && vnc.AutoPort != "yes":
			c.add("-vnc", fmt.Sprintf("%s:%d", addr, vnc.Port-5900))
		default:
			c.add("-vnc", addr+":0,to=99")
		}
	}
	for i, v := range d.Videos {
		drv, ok := map[string]string{"vga": "VGA", "cirrus": "cirrus-vga", "virtio": "virtio-vga", "bochs": "bochs-display"}[v.Model.Type]
		if v.Model.Type == "none" {
			continue
		}
		if !ok {
			return unsupported("video model '%s'", v.Model.Type)
		}
		c.add("-device", props{{"driver", drv}, {"id", fmt.Sprintf("video%d", i)}}.String())
	}
	if len(d.Graphics) > 0 && len(d.Videos) == 0 {
		c.add("-device", props{{"driver", "VGA"}, {"id", "video0"}}.String())
	}
	return nil
}

func addInputs(c *command, d *libvirtxml.DomainDeviceList) error {
	for i, in := range d.Inputs {
		switch in.Bus {
		case "", "ps2":
			// Built into the PC machine types.
		case "usb":
			drv := map[string]string{"tablet": "usb-tablet", "mouse": "usb-mouse", "keyboard": "usb-kbd"}[in.Type]
			if drv == "" {
				return unsupported("USB input type '%s'", in.Type)
			}
			c.add("-device", props{{"driver", drv}, {"id", fmt.Sprintf("input%d", i)}, {"bus", "usb.0"}}.String())
		case "virtio":
			drv := map[string]string{"tablet": "virtio-tablet-pci", "mouse": "virtio-mouse-pci", "keyboard": "virtio-keyboard-pci"}[in.Type]
			if drv == "" {
				return unsupported("virtio input type '%s'", in.Type)
			}
			c.add("-device", props{{"driver", drv}, {"id", fmt.Sprintf("input%d", i)}}.String())
		default:
			return unsupported("input bus '%s'", in.Bus)
		}
	}
	return nil
}
