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
		case src != nil && (src.Bridge != nil || src.Ethernet != nil || src.Network != nil || src.Direct != nil):
			if i >= len(l.taps) || l.taps[i] < 0 {
				return fmt.Errorf("interface %d has no tap device", i)
			}
			c.add("-netdev", props{{"type", "tap"}, {"fd", strconv.Itoa(l.taps[i])}, {"id", id}}.String())
		default:
			return unsupported("interface %d: only types bridge, direct, ethernet, network and user are supported", i)
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
