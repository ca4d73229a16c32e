package qemu

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// addDevices writes the device options in libvirt 9.0's order (qemuBuildCommandLine):
// controllers, disks, network interfaces, serial ports, channels, inputs, audio,
// graphics, video, sound, watchdog, redirected USB, balloon, RNG, panic.
func addDevices(c *command, def *libvirtxml.Domain, l launch, cfg *Config) error {
	d := def.Devices
	if err := addControllers(c, def); err != nil {
		return err
	}
	boot := bootOrder(def)
	if err := addDisks(c, def, boot); err != nil {
		return err
	}
	if err := addInterfaces(c, def, l, boot); err != nil {
		return err
	}
	if err := addSerials(c, d, l); err != nil {
		return err
	}
	if err := addChannels(c, def, l); err != nil {
		return err
	}
	if err := addInputs(c, def); err != nil {
		return err
	}
	audio, err := addAudio(c, d)
	if err != nil {
		return err
	}
	if err := addGraphics(c, d, l, cfg, audio); err != nil {
		return err
	}
	if err := addVideos(c, def); err != nil {
		return err
	}
	if err := addSounds(c, def, audio); err != nil {
		return err
	}
	if err := addWatchdogs(c, def); err != nil {
		return err
	}
	if err := addRedirdevs(c, d); err != nil {
		return err
	}
	if b := d.MemBalloon; b != nil && b.Model != "none" {
		if b.Model != "virtio" {
			return unsupported("memballoon model '%s' is not supported", b.Model)
		}
		c.add("-device", append(props{{"driver", "virtio-balloon-pci"}, {"id", "balloon0"}}, pciProps(def, b.Address)...).String())
	}
	for i, r := range d.RNGs {
		if r.Model != "virtio" || r.Backend == nil || r.Backend.Random == nil {
			return unsupported("only virtio RNGs with a random backend are supported")
		}
		src := r.Backend.Random.Device
		if src == "" {
			src = "/dev/urandom"
		}
		obj := fmt.Sprintf("objrng%d", i)
		c.add("-object", props{{"qom-type", "rng-random"}, {"id", obj}, {"filename", src}}.String())
		c.add("-device", append(props{{"driver", "virtio-rng-pci"}, {"rng", obj}, {"id", fmt.Sprintf("rng%d", i)}}, pciProps(def, r.Address)...).String())
	}
	for _, p := range d.Panics {
		if p.Model != "" && p.Model != "isa" {
			return unsupported("panic model '%s' is not supported", p.Model)
		}
		c.add("-device", props{{"driver", "pvpanic"}}.String())
	}
	return nil
}

// pciBusName is QEMU's name of PCI bus n: the root is "pci.0" on i440FX and
// "pcie.0" on Q35, every other bus is named after its controller.
func pciBusName(def *libvirtxml.Domain, n int) string {
	if n == 0 && isQ35(def) {
		return "pcie.0"
	}
	return fmt.Sprintf("pci.%d", n)
}

// pciProps are the bus, multifunction and addr properties of a PCI address.
func pciProps(def *libvirtxml.Domain, a *libvirtxml.DomainAddress) props {
	p, ok := addressOf(a)
	if !ok {
		return nil
	}
	out := props{{"bus", pciBusName(def, p.bus)}}
	if a.PCI.MultiFunction == "on" {
		out = append(out, prop{"multifunction", true})
	}
	addr := fmt.Sprintf("0x%x", p.slot)
	if p.function != 0 {
		addr += fmt.Sprintf(".0x%x", p.function)
	}
	return append(out, prop{"addr", addr})
}

// controllerOrder is the order libvirt writes controllers in, by type.
var controllerOrder = []string{"pci", "usb", "scsi", "ide", "sata", "fdc", "virtio-serial", "ccid"}

func addControllers(c *command, def *libvirtxml.Domain) error {
	q35 := isQ35(def)
	ctls := def.Devices.Controllers
	for _, ctl := range ctls {
		found := false
		for _, t := range controllerOrder {
			found = found || t == ctl.Type
		}
		if !found {
			return unsupported("controller type '%s' is not supported", ctl.Type)
		}
	}
	for _, typ := range controllerOrder {
		var these []libvirtxml.DomainController
		for _, ctl := range ctls {
			if ctl.Type == typ {
				these = append(these, ctl)
			}
		}
		sort.SliceStable(these, func(i, j int) bool { return index(these[i].Index) < index(these[j].Index) })
		for _, ctl := range these {
			p, err := controllerDevice(def, ctl, q35)
			if err != nil {
				return err
			}
			if p != nil {
				c.add("-device", p.String())
			}
		}
	}
	return nil
}

// controllerDevice is a controller's -device, or nil for one the machine has built in.
func controllerDevice(def *libvirtxml.Domain, ctl libvirtxml.DomainController, q35 bool) (props, error) {
	idx := index(ctl.Index)
	addr := pciProps(def, ctl.Address)
	switch ctl.Type {
	case "pci":
		switch ctl.Model {
		case "pci-root", "pcie-root":
			return nil, nil
		case "pcie-root-port":
			t := ctl.PCI.Target
			return append(props{{"driver", "pcie-root-port"}, {"port", *t.Port}, {"chassis", *t.Chassis}, {"id", fmt.Sprintf("pci.%d", idx)}}, addr...), nil
		case "pcie-to-pci-bridge":
			return append(props{{"driver", "pcie-pci-bridge"}, {"id", fmt.Sprintf("pci.%d", idx)}}, addr...), nil
		case "pci-bridge":
			return append(props{{"driver", "pci-bridge"}, {"chassis_nr", *ctl.PCI.Target.ChassisNr}, {"id", fmt.Sprintf("pci.%d", idx)}}, addr...), nil
		}
		return nil, unsupported("PCI controller model '%s' is not supported", ctl.Model)
	case "usb":
		id := "usb"
		if idx > 0 {
			id = fmt.Sprintf("usb%d", idx)
		}
		switch m := ctl.Model; {
		case m == "none":
			return nil, nil
		case m == "piix3-uhci":
			return append(props{{"driver", "piix3-usb-uhci"}, {"id", id}}, addr...), nil
		case m == "qemu-xhci" || m == "nec-xhci":
			p := props{{"driver", map[string]string{"qemu-xhci": "qemu-xhci", "nec-xhci": "nec-usb-xhci"}[m]}}
			if ctl.USB != nil && ctl.USB.Port != nil {
				p = append(p, prop{"p2", *ctl.USB.Port}, prop{"p3", *ctl.USB.Port})
			}
			return append(append(p, prop{"id", id}), addr...), nil
		case m == "ich9-ehci1":
			return append(props{{"driver", "ich9-usb-ehci1"}, {"id", id}}, addr...), nil
		case strings.HasPrefix(m, "ich9-uhci") && len(m) == len("ich9-uhci1"):
			first := 2 * (int(m[len(m)-1]-'0') - 1)
			if ctl.USB != nil && ctl.USB.Master != nil {
				first = int(ctl.USB.Master.StartPort)
			}
			return append(props{{"driver", "ich9-usb-" + m[len("ich9-"):]}, {"masterbus", id + ".0"}, {"firstport", first}}, addr...), nil
		}
		return nil, unsupported("USB controller model '%s' is not supported", ctl.Model)
	case "scsi":
		drv := map[string]string{"virtio-scsi": "virtio-scsi-pci", "lsilogic": "lsi"}[ctl.Model]
		if drv == "" {
			return nil, unsupported("SCSI controller model '%s' is not supported", ctl.Model)
		}
		return append(props{{"driver", drv}, {"id", fmt.Sprintf("scsi%d", idx)}}, addr...), nil
	case "ide":
		if idx == 0 && !q35 {
			return nil, nil
		}
		return nil, unsupported("only the built-in IDE controller is supported")
	case "sata":
		if idx == 0 && q35 {
			return nil, nil
		}
		return append(props{{"driver", "ich9-ahci"}, {"id", fmt.Sprintf("sata%d", idx)}}, addr...), nil
	case "fdc":
		return nil, nil
	case "virtio-serial":
		return append(props{{"driver", "virtio-serial-pci"}, {"id", fmt.Sprintf("virtio-serial%d", idx)}}, addr...), nil
	}
	return nil, unsupported("controller type '%s' is not supported", ctl.Type)
}

func index(i *uint) uint {
	if i == nil {
		return 0
	}
	return *i
}

// nicModels maps libvirt's interface models to QEMU devices.
var nicModels = map[string]string{"virtio": "virtio-net-pci", "e1000": "e1000", "e1000e": "e1000e", "rtl8139": "rtl8139"}

func addInterfaces(c *command, def *libvirtxml.Domain, l launch, boot map[any]uint) error {
	d := def.Devices
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
		if isQ35(def) {
			model = "e1000e"
		}
		if nic.Model != nil && nic.Model.Type != "" {
			model = nic.Model.Type
		}
		drv, ok := nicModels[model]
		if !ok {
			return unsupported("interface model '%s' is not supported", model)
		}
		p := props{{"driver", drv}, {"netdev", id}, {"id", fmt.Sprintf("net%d", i)}}
		if nic.MAC != nil {
			p = append(p, prop{"mac", nic.MAC.Address})
		}
		p = append(p, pciProps(def, nic.Address)...)
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
			return unsupported("serial target type '%s' is not supported", s.Target.Type)
		}
		c.add("-device", props{{"driver", "isa-serial"}, {"chardev", id}, {"id", fmt.Sprintf("serial%d", i)}, {"index", i}}.String())
	}
	for _, con := range d.Consoles {
		if con.Target != nil && con.Target.Type != "" && con.Target.Type != "serial" {
			return unsupported("console target type '%s' is not supported", con.Target.Type)
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
		if src.File.Append != "" {
			spec += ",append=" + src.File.Append
		}
	case src.UNIX != nil:
		spec = "socket,id=" + id + ",path=" + escapeComma(src.UNIX.Path)
		if src.UNIX.Mode != "connect" {
			spec += ",server=on,wait=off"
		}
	case src.Null != nil:
		return "null,id=" + id, nil
	case src.SpiceVMC != nil:
		return "spicevmc,id=" + id + ",name=vdagent", nil
	default:
		return "", unsupported("character device source of %s is not supported", id)
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

// addChannels: virtio channels (the guest agent's, SPICE's vdagent) on their
// virtio-serial port, over a unix socket (by default in the guest's directory, named
// after the channel), a pty, a file or SPICE.
func addChannels(c *command, def *libvirtxml.Domain, l launch) error {
	for i := range def.Devices.Channels {
		ch := &def.Devices.Channels[i]
		if ch.Target == nil || ch.Target.VirtIO == nil {
			return unsupported("channel %d: only virtio channels are supported", i)
		}
		id := fmt.Sprintf("charchannel%d", i)
		src := ch.Source
		if src != nil && src.UNIX != nil && src.UNIX.Path == "" {
			cp := *src.UNIX
			cp.Path, cp.Mode = channelSocket(l.dir, ch, i), "bind"
			src = &libvirtxml.DomainChardevSource{UNIX: &cp}
		}
		spec, err := chardev(id, src, ch.Log, "", false)
		if err != nil {
			return err
		}
		c.add("-chardev", spec)
		p := props{{"driver", "virtserialport"}}
		if a := ch.Address; a != nil && a.VirtioSerial != nil {
			p = append(p, prop{"bus", fmt.Sprintf("virtio-serial%d.%d", index(a.VirtioSerial.Controller), index(a.VirtioSerial.Bus))},
				prop{"nr", index(a.VirtioSerial.Port)})
		}
		p = append(p, prop{"chardev", id}, prop{"id", fmt.Sprintf("channel%d", i)})
		if ch.Target.VirtIO.Name != "" {
			p = append(p, prop{"name", ch.Target.VirtIO.Name})
		}
		c.add("-device", p.String())
	}
	return nil
}

// channelSocket is where a unix channel without a path listens: in the guest's
// directory, named after the channel, as libvirt names them under channel/target.
func channelSocket(dir string, ch *libvirtxml.DomainChannel, i int) string {
	name := ch.Target.VirtIO.Name
	if name == "" {
		name = fmt.Sprintf("channel%d", i)
	}
	return dir + "/" + name
}

// fillChannelSockets writes those paths into a live definition, which shows them as
// libvirt's does.
func fillChannelSockets(live *libvirtxml.Domain, dir string) {
	for i := range live.Devices.Channels {
		ch := &live.Devices.Channels[i]
		if ch.Target != nil && ch.Target.VirtIO != nil && ch.Source != nil && ch.Source.UNIX != nil && ch.Source.UNIX.Path == "" {
			ch.Source.UNIX.Path, ch.Source.UNIX.Mode = channelSocket(dir, ch, i), "bind"
		}
	}
}

// usbProps are the bus and port properties of a USB address.
func usbProps(a *libvirtxml.DomainAddress) props {
	if a == nil || a.USB == nil {
		return props{{"bus", "usb.0"}}
	}
	bus := "usb.0"
	if b := index(a.USB.Bus); b > 0 {
		bus = fmt.Sprintf("usb%d.0", b)
	}
	p := props{{"bus", bus}}
	if a.USB.Port != "" {
		p = append(p, prop{"port", a.USB.Port})
	}
	return p
}

func addInputs(c *command, def *libvirtxml.Domain) error {
	for i, in := range def.Devices.Inputs {
		switch in.Bus {
		case "", "ps2":
			// Built into the PC machine types.
		case "usb":
			drv := map[string]string{"tablet": "usb-tablet", "mouse": "usb-mouse", "keyboard": "usb-kbd"}[in.Type]
			if drv == "" {
				return unsupported("USB input type '%s' is not supported", in.Type)
			}
			c.add("-device", append(props{{"driver", drv}, {"id", fmt.Sprintf("input%d", i)}}, usbProps(in.Address)...).String())
		case "virtio":
			drv := map[string]string{"tablet": "virtio-tablet-pci", "mouse": "virtio-mouse-pci", "keyboard": "virtio-keyboard-pci"}[in.Type]
			if drv == "" {
				return unsupported("virtio input type '%s' is not supported", in.Type)
			}
			c.add("-device", append(props{{"driver", drv}, {"id", fmt.Sprintf("input%d", i)}}, pciProps(def, in.Address)...).String())
		default:
			return unsupported("input bus '%s' is not supported", in.Bus)
		}
	}
	return nil
}

// addAudio writes the audio backends and returns the id sound devices and graphics
// use ("audio1").
func addAudio(c *command, d *libvirtxml.DomainDeviceList) (string, error) {
	first := ""
	for _, a := range d.Audios {
		drv := ""
		switch {
		case a.None != nil:
			drv = "none"
		case a.SPICE != nil:
			drv = "spice"
		default:
			return "", unsupported("audio backend of <audio id='%d'> is not supported: only 'none' and 'spice'", a.ID)
		}
		id := fmt.Sprintf("audio%d", a.ID)
		c.add("-audiodev", props{{"id", id}, {"driver", drv}}.String())
		if first == "" {
			first = id
		}
	}
	return first, nil
}

// listenAddress is where a display listens: the definition's address, or
// qemu.conf's.
func listenAddress(attr string, ls []libvirtxml.DomainGraphicListener, dflt string) string {
	addr := dflt
	if attr != "" {
		addr = attr
	}
	for _, l := range ls {
		if l.Address != nil && l.Address.Address != "" {
			addr = l.Address.Address
		}
	}
	return addr
}

// spiceListensNowhere: a listen of type 'none' (libvirtxml's listener with no type).
func spiceListensNowhere(sp *libvirtxml.DomainGraphicSpice) bool {
	for _, l := range sp.Listeners {
		if l.Address == nil && l.Network == nil && l.Socket == nil {
			return true
		}
	}
	return false
}

// addGraphics: VNC on a unix socket, a fixed port, or (autoport) the first free
// port from 5900, which QEMU itself picks so two starts cannot race for it; SPICE on
// the port the start chose (l.spicePort) without TLS.
func addGraphics(c *command, d *libvirtxml.DomainDeviceList, l launch, cfg *Config, audio string) error {
	for _, g := range d.Graphics {
		switch {
		case g.VNC != nil:
			vnc := g.VNC
			addr := listenAddress(vnc.Listen, vnc.Listeners, cfg.VNCListen)
			if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
				addr = "[" + addr + "]"
			}
			var arg string
			switch {
			// The display is named as a key (vnc=unix:PATH), so an '=' in the path
			// cannot make QEMU read the path as a key of its own.
			case vnc.Socket != "":
				arg = "vnc=unix:" + escapeComma(vnc.Socket)
			case cfg.VNCAutoUnixSocket:
				arg = "vnc=unix:" + escapeComma(l.dir+"/vnc.sock")
			case vnc.Port >= 5900 && vnc.AutoPort != "yes":
				arg = fmt.Sprintf("%s:%d", addr, vnc.Port-5900)
			default:
				arg = addr + ":0,to=99"
			}
			if _, _, _, ok := graphicsPassword(g, cfg); ok {
				arg += ",password=on" // the password itself goes over the monitor
			}
			if audio != "" {
				arg += ",audiodev=" + audio
			}
			c.add("-vnc", arg)
		case g.Spice != nil:
			sp := g.Spice
			if sp.TLSPort > 0 || len(sp.Channel) > 0 {
				return unsupported("SPICE with TLS or channel settings is not supported")
			}
			port := sp.Port
			if sp.AutoPort == "yes" || port <= 0 {
				port = l.spicePort
			}
			arg := fmt.Sprintf("port=%d,addr=%s", port, listenAddress(sp.Listen, sp.Listeners, cfg.SpiceListen))
			if spiceListensNowhere(sp) {
				arg = "port=0"
			}
			if _, _, _, ok := graphicsPassword(g, cfg); !ok {
				arg += ",disable-ticketing=on"
			}
			if sp.Image != nil && sp.Image.Compression != "" {
				arg += ",image-compression=" + sp.Image.Compression
			}
			c.add("-spice", arg+",seamless-migration=on")
		default:
			return unsupported("graphics other than VNC and SPICE are not supported")
		}
	}
	return nil
}

func addVideos(c *command, def *libvirtxml.Domain) error {
	for i, v := range def.Devices.Videos {
		m := v.Model
		if m.Type == "none" {
			continue
		}
		primary := i == 0
		if !primary && m.Type != "qxl" && m.Type != "virtio" {
			return unsupported("video type '%s' is only valid as primary video device", m.Type)
		}
		id := fmt.Sprintf("video%d", i)
		var p props
		switch m.Type {
		case "vga":
			p = props{{"driver", "VGA"}, {"id", id}, {"vgamem_mb", m.VRam / 1024}}
		case "cirrus":
			p = props{{"driver", "cirrus-vga"}, {"id", id}}
		case "bochs":
			p = props{{"driver", "bochs-display"}, {"id", id}, {"vgamem", uint64(m.VRam) * 1024}}
		case "virtio":
			drv := "virtio-gpu-pci"
			if primary {
				drv = "virtio-vga"
			}
			p = props{{"driver", drv}, {"id", id}, {"max_outputs", m.Heads}}
		case "qxl":
			drv := "qxl"
			if primary {
				drv = "qxl-vga"
			}
			p = props{{"driver", drv}, {"id", id}, {"max_outputs", m.Heads}, {"ram_size", uint64(m.Ram) * 1024},
				{"vram_size", uint64(m.VRam) * 1024}, {"vram64_size_mb", m.VRam64 / 1024}, {"vgamem_mb", m.VGAMem / 1024}}
		default:
			return unsupported("video model '%s' is not supported", m.Type)
		}
		c.add("-device", append(p, pciProps(def, v.Address)...).String())
	}
	return nil
}

func addSounds(c *command, def *libvirtxml.Domain, audio string) error {
	for i, s := range def.Devices.Sounds {
		id := fmt.Sprintf("sound%d", i)
		switch s.Model {
		case "ich6", "ich9":
			drv := map[string]string{"ich6": "intel-hda", "ich9": "ich9-intel-hda"}[s.Model]
			c.add("-device", append(props{{"driver", drv}, {"id", id}}, pciProps(def, s.Address)...).String())
			codec := "hda-duplex"
			if len(s.Codec) > 0 {
				codec = map[string]string{"duplex": "hda-duplex", "micro": "hda-micro", "output": "hda-output"}[s.Codec[0].Type]
				if codec == "" || len(s.Codec) > 1 {
					return unsupported("sound codecs other than one of duplex, micro and output are not supported")
				}
			}
			c.add("-device", props{{"driver", codec}, {"id", id + "-codec0"}, {"bus", id + ".0"}, {"cad", 0}, {"audiodev", audio}}.String())
		case "ac97":
			c.add("-device", append(props{{"driver", "AC97"}, {"id", id}, {"audiodev", audio}}, pciProps(def, s.Address)...).String())
		default:
			return unsupported("sound model '%s' is not supported", s.Model)
		}
	}
	return nil
}

func addWatchdogs(c *command, def *libvirtxml.Domain) error {
	ws := def.Devices.Watchdogs
	if len(ws) > 1 {
		return unsupported("more than one watchdog is not supported")
	}
	for i, w := range ws {
		id := fmt.Sprintf("watchdog%d", i)
		switch w.Model {
		case "i6300esb":
			c.add("-device", append(props{{"driver", "i6300esb"}, {"id", id}}, pciProps(def, w.Address)...).String())
		case "ib700":
			c.add("-device", props{{"driver", "ib700"}, {"id", id}}.String())
		default:
			return unsupported("watchdog model '%s' is not supported", w.Model)
		}
		action := w.Action
		switch action {
		case "reset", "shutdown", "poweroff", "pause", "none":
		case "destroy":
			action = "poweroff"
		default:
			return unsupported("watchdog action '%s' is not supported", action)
		}
		c.add("-watchdog-action", action)
	}
	return nil
}

func addRedirdevs(c *command, d *libvirtxml.DomainDeviceList) error {
	for i, r := range d.RedirDevs {
		if r.Bus != "usb" || r.Source == nil || r.Source.SpiceVMC == nil {
			return unsupported("only USB redirection over SPICE is supported")
		}
		id := fmt.Sprintf("charredir%d", i)
		c.add("-chardev", "spicevmc,id="+id+",name=usbredir")
		c.add("-device", append(props{{"driver", "usb-redir"}, {"chardev", id}, {"id", fmt.Sprintf("redir%d", i)}}, usbProps(r.Address)...).String())
	}
	return nil
}
