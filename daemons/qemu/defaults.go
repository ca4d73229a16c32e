package qemu

import (
	"fmt"
	"slices"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

func isQ35(def *libvirtxml.Domain) bool { return strings.Contains(def.OS.Type.Machine, "q35") }

// completeDevices adds and fills in what libvirt 9.0's post-parse step adds to a PC
// guest, so the stored definition reads as libvirt would store it: disk buses and
// drive addresses, the implicit controllers, PS/2 inputs, an audio backend, video
// and graphics defaults, a serial port behind a console, the default CPU model,
// virtio-serial and USB ports, then PCI addresses.
func completeDevices(def *libvirtxml.Domain, em *emulator) error {
	devs := def.Devices
	q35 := isQ35(def)
	if err := completeDisks(devs, q35); err != nil {
		return err
	}
	completeControllers(def, q35)
	completeInputs(devs)
	completeGraphics(devs)
	completeConsole(devs)
	if devs.MemBalloon == nil {
		devs.MemBalloon = &libvirtxml.DomainMemBalloon{Model: "virtio"}
	}
	for i := range devs.Interfaces {
		nic := &devs.Interfaces[i]
		if nic.MAC == nil {
			nic.MAC = &libvirtxml.DomainInterfaceMAC{Address: newMAC()}
		}
		// libvirt 9.0's default NIC on x86, q35 included (qemuDomainDefaultNetModel).
		if nic.Source == nil || nic.Source.Hostdev == nil {
			if nic.Model == nil || nic.Model.Type == "" {
				nic.Model = &libvirtxml.DomainInterfaceModel{Type: "rtl8139"}
			}
		}
	}
	for i := range devs.Watchdogs {
		if devs.Watchdogs[i].Action == "" {
			devs.Watchdogs[i].Action = "reset"
		}
	}
	for i := range devs.Channels {
		// A unix channel without a path gets one at start (channelSocket); until
		// then libvirt writes no <source> for it, and neither does libvirtxml once
		// the mode is unset.
		if src := devs.Channels[i].Source; src != nil && src.UNIX != nil && src.UNIX.Path == "" {
			src.UNIX.Mode = ""
		}
	}
	if err := completeCPU(def); err != nil {
		return err
	}
	if err := assignVirtioSerialPorts(devs); err != nil {
		return err
	}
	if err := assignUSBPorts(devs); err != nil {
		return err
	}
	return assignPCIAddresses(def, q35)
}

// completeCPU fills in the CPU libvirt writes out: QEMU's default model for PC
// machines when there is no <cpu> or no model in a custom one, the check (and
// migratability) each mode implies, and one die per socket.
func completeCPU(def *libvirtxml.Domain) error {
	if def.CPU == nil {
		def.CPU = &libvirtxml.DomainCPU{}
	}
	cpu := def.CPU
	switch cpu.Mode {
	case "", "custom":
		cpu.Mode = "custom"
		if cpu.Match == "" {
			cpu.Match = "exact"
		}
		switch {
		case cpu.Model == nil || cpu.Model.Value == "":
			fallback := "forbid"
			if cpu.Model != nil && cpu.Model.Fallback != "" {
				fallback = cpu.Model.Fallback
			}
			cpu.Model = &libvirtxml.DomainCPUModel{Fallback: fallback, Value: "qemu64"}
		case cpu.Model.Fallback == "":
			cpu.Model.Fallback = "allow"
		}
		if cpu.Check == "" {
			cpu.Check = "none" // nothing to check against under TCG
		}
	case "host-model":
		if cpu.Check == "" {
			cpu.Check = "partial"
		}
	case "host-passthrough":
		if cpu.Check == "" {
			cpu.Check = "none"
		}
		if cpu.Migratable == "" {
			cpu.Migratable = "on"
		}
	case "maximum":
		if cpu.Check == "" {
			cpu.Check = "none"
		}
	}
	if t := cpu.Topology; t != nil {
		if t.Dies == 0 {
			t.Dies = 1
		}
		if uint(t.Sockets*t.Dies*t.Cores*t.Threads) != def.VCPU.Value {
			return unsupported("CPU topology doesn't match maximum vcpu count")
		}
	}
	return nil
}

// diskBuses is the bus a disk without one gets from its target name's prefix.
var diskBuses = []struct{ prefix, bus string }{{"hd", "ide"}, {"sd", "scsi"}, {"vd", "virtio"}, {"fd", "fdc"}, {"xvd", "xen"}, {"ub", "usb"}}

// sortDisks puts disks in the order libvirt's parser keeps them
// (virDomainDiskInsertPreAlloced): each disk where diskInsertAt puts it. The bus is the one written, before defaults: disks
// that name none all count as one bus.
func sortDisks(disks []libvirtxml.DomainDisk) {
	out := make([]libvirtxml.DomainDisk, 0, len(disks))
	for _, d := range disks {
		out = slices.Insert(out, diskInsertAt(out, &d), d)
	}
	copy(disks, out)
}

// diskInsertAt is where libvirt puts a new disk among disks (virDomainDiskInsert):
// before the first disk on its bus with a higher target, else after the last disk on
// its bus, else at the end.
func diskInsertAt(disks []libvirtxml.DomainDisk, d *libvirtxml.DomainDisk) int {
	key := func(d *libvirtxml.DomainDisk) (string, int) {
		if d.Target == nil {
			return "", 0
		}
		return d.Target.Bus, diskIndex(d.Target.Dev)
	}
	bus, n := key(d)
	at := -1
	for i := len(disks) - 1; i >= 0; i-- {
		b, m := key(&disks[i])
		switch {
		case b == bus && m > n:
			at = i
		case b == bus && at == -1:
			at = i + 1
		}
	}
	if at < 0 {
		return len(disks)
	}
	return at
}

func completeDisks(devs *libvirtxml.DomainDeviceList, q35 bool) error {
	sortDisks(devs.Disks)
	for i := range devs.Disks {
		disk := &devs.Disks[i]
		if disk.Target == nil || disk.Target.Dev == "" {
			return virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "missing target information for device %s", diskSourcePath(disk))
		}
		if disk.Target.Bus == "" {
			for _, b := range diskBuses {
				if strings.HasPrefix(disk.Target.Dev, b.prefix) {
					disk.Target.Bus = b.bus
					break
				}
			}
			if disk.Target.Bus == "" {
				return virerror.New(libvirt.ErrInternalError, virerror.FromDomain, "cannot determine default bus for disk target %s", disk.Target.Dev)
			}
		}
		if disk.Target.Bus == "ide" && q35 {
			return unsupported("IDE controllers are unsupported for this QEMU binary or machine type")
		}
		if disk.Device == "" {
			disk.Device = "disk"
		}
		if disk.Device == "cdrom" && disk.ReadOnly == nil {
			disk.ReadOnly = &libvirtxml.DomainDiskReadOnly{}
		}
		if disk.Driver == nil {
			disk.Driver = &libvirtxml.DomainDiskDriver{}
		}
		if disk.Driver.Name == "" {
			disk.Driver.Name = "qemu"
		}
		if disk.Driver.Type == "" {
			disk.Driver.Type = "raw"
		}
		if disk.Source != nil {
			// A source's index names a running guest's block node: libvirt reads it
			// from its status files only.
			disk.Source.Index = 0
		}
		if disk.Address == nil {
			n := uint(diskIndex(disk.Target.Dev))
			zero := uint(0)
			var a *libvirtxml.DomainAddressDrive
			switch disk.Target.Bus {
			case "ide":
				ctl, bus, unit := n/4, (n%4)/2, n%2
				a = &libvirtxml.DomainAddressDrive{Controller: &ctl, Bus: &bus, Target: &zero, Unit: &unit}
			case "sata":
				ctl, unit := n/6, n%6
				a = &libvirtxml.DomainAddressDrive{Controller: &ctl, Bus: &zero, Target: &zero, Unit: &unit}
			case "scsi":
				ctl, unit := n/7, n%7
				a = &libvirtxml.DomainAddressDrive{Controller: &ctl, Bus: &zero, Target: &zero, Unit: &unit}
			case "fdc":
				unit := n
				a = &libvirtxml.DomainAddressDrive{Controller: &zero, Bus: &zero, Target: &zero, Unit: &unit}
			}
			if a != nil {
				disk.Address = &libvirtxml.DomainAddress{Drive: a}
			}
		}
		switch disk.Target.Bus {
		case "ide", "sata", "scsi", "fdc":
			// A controller's disk sits at a drive address; libvirt's command line
			// builder refuses any other kind.
			if disk.Address.Drive == nil {
				return unsupported("unexpected address type for %s disk", disk.Target.Bus)
			}
		}
	}
	return nil
}

func diskSourcePath(disk *libvirtxml.DomainDisk) string {
	if s := disk.Source; s != nil {
		switch {
		case s.File != nil:
			return s.File.File
		case s.Block != nil:
			return s.Block.Dev
		}
	}
	return "<null>"
}

// completeControllers gives every controller an index and adds the implicit ones:
// the default USB controller, the PCI root, Q35's SATA controller, the controllers
// disks' drive addresses name, and a virtio-serial controller for virtio channels
// and consoles.
func completeControllers(def *libvirtxml.Domain, q35 bool) {
	devs := def.Devices
	lastEHCI := uint(0)
	for i := range devs.Controllers {
		c := &devs.Controllers[i]
		if c.Type == "usb" && c.Model == "ich9-ehci1" && c.Index != nil {
			lastEHCI = *c.Index
		}
		if c.Index != nil {
			continue
		}
		var idx uint
		if c.Type == "usb" && strings.HasPrefix(c.Model, "ich9-uhci") {
			idx = lastEHCI // companions share their EHCI's index
		} else {
			idx = freeControllerIndex(devs, c.Type)
		}
		c.Index = &idx
		if c.Type == "usb" && c.Model == "ich9-ehci1" {
			lastEHCI = idx
		}
	}
	has := func(typ string, idx uint) bool {
		for _, c := range devs.Controllers {
			if c.Type == typ && index(c.Index) == idx {
				return true
			}
		}
		return false
	}
	addCtl := func(typ, model string, idx uint) {
		devs.Controllers = append(devs.Controllers, libvirtxml.DomainController{Type: typ, Index: &idx, Model: model})
	}
	hasUSB := false
	for _, c := range devs.Controllers {
		hasUSB = hasUSB || c.Type == "usb"
	}
	if !hasUSB {
		if q35 {
			addCtl("usb", "qemu-xhci", 0)
		} else {
			addCtl("usb", "piix3-uhci", 0)
		}
	}
	if q35 && !has("sata", 0) {
		addCtl("sata", "", 0)
	}
	if !has("pci", 0) {
		if q35 {
			addCtl("pci", "pcie-root", 0)
		} else {
			addCtl("pci", "pci-root", 0)
		}
	}
	// The disks' controllers, bus by bus in the order libvirt adds them
	// (virDomainDefAddImplicitControllers), each bus's in disk order.
	for _, typ := range []string{"scsi", "fdc", "ide", "sata"} {
		for _, disk := range devs.Disks {
			a := disk.Address
			if disk.Target == nil || disk.Target.Bus != typ || a == nil || a.Drive == nil || a.Drive.Controller == nil {
				continue
			}
			if !has(typ, *a.Drive.Controller) {
				model := ""
				if typ == "scsi" {
					model = "lsilogic"
				}
				addCtl(typ, model, *a.Drive.Controller)
			}
		}
	}
	for i := range devs.Controllers {
		if c := &devs.Controllers[i]; c.Type == "scsi" && c.Model == "" {
			c.Model = "lsilogic"
		}
	}
	needSerial := false
	for _, ch := range devs.Channels {
		needSerial = needSerial || (ch.Target != nil && ch.Target.VirtIO != nil)
	}
	for _, con := range devs.Consoles {
		needSerial = needSerial || (con.Target != nil && con.Target.Type == "virtio")
	}
	if needSerial && !has("virtio-serial", 0) {
		addCtl("virtio-serial", "", 0)
	}
}

func freeControllerIndex(devs *libvirtxml.DomainDeviceList, typ string) uint {
	for idx := uint(0); ; idx++ {
		used := false
		for _, c := range devs.Controllers {
			used = used || (c.Type == typ && c.Index != nil && *c.Index == idx)
		}
		if !used {
			return idx
		}
	}
}

// completeInputs gives inputs their default bus and adds the PS/2 mouse and
// keyboard every PC has.
func completeInputs(devs *libvirtxml.DomainDeviceList) {
	hasPS2 := map[string]bool{}
	for i := range devs.Inputs {
		in := &devs.Inputs[i]
		if in.Bus == "" {
			in.Bus = "ps2"
			if in.Type == "tablet" {
				in.Bus = "usb"
			}
		}
		if in.Bus == "ps2" {
			hasPS2[in.Type] = true
		}
	}
	for _, typ := range []string{"mouse", "keyboard"} {
		if !hasPS2[typ] {
			devs.Inputs = append(devs.Inputs, libvirtxml.DomainInput{Type: typ, Bus: "ps2"})
		}
	}
}

// completeGraphics: automatic ports, a listen element, an audio backend (SPICE's
// own with SPICE, none otherwise), and the default video with libvirt's sizes.
func completeGraphics(devs *libvirtxml.DomainDeviceList) {
	spice := false
	listen := func(addr string, ls []libvirtxml.DomainGraphicListener) []libvirtxml.DomainGraphicListener {
		if len(ls) > 0 {
			return ls
		}
		return []libvirtxml.DomainGraphicListener{{Address: &libvirtxml.DomainGraphicListenerAddress{Address: addr}}}
	}
	for i := range devs.Graphics {
		g := &devs.Graphics[i]
		switch {
		case g.VNC != nil:
			if g.VNC.Socket == "" {
				switch {
				case g.VNC.Port <= 0 && g.VNC.AutoPort == "":
					g.VNC.Port, g.VNC.AutoPort = -1, "yes"
				case g.VNC.AutoPort == "":
					g.VNC.AutoPort = "no"
				}
				g.VNC.Listeners = listen(g.VNC.Listen, g.VNC.Listeners)
			}
		case g.Spice != nil:
			spice = true
			if g.Spice.Port == 0 && g.Spice.TLSPort <= 0 && g.Spice.AutoPort == "" && g.Spice.Listen == "" && len(g.Spice.Listeners) == 0 {
				// Nothing says where to listen: libvirt listens nowhere (type
				// 'none', a client connects through the monitor's fd).
				g.Spice.Listeners = []libvirtxml.DomainGraphicListener{{}}
				continue
			}
			if g.Spice.Port <= 0 && g.Spice.TLSPort <= 0 && g.Spice.AutoPort == "" {
				g.Spice.AutoPort = "yes"
			}
			if g.Spice.AutoPort == "yes" {
				g.Spice.Port, g.Spice.TLSPort = 0, 0
			}
			g.Spice.Listeners = listen(g.Spice.Listen, g.Spice.Listeners)
		}
	}
	if len(devs.Audios) == 0 {
		a := libvirtxml.DomainAudio{ID: 1, None: &libvirtxml.DomainAudioNone{}}
		if spice {
			a = libvirtxml.DomainAudio{ID: 1, SPICE: &libvirtxml.DomainAudioSPICE{}}
		}
		devs.Audios = append(devs.Audios, a)
	}
	// libvirt 9.0's default model on x86 is cirrus (qemuDomainDeviceVideoDefPostParse).
	if len(devs.Graphics) > 0 && len(devs.Videos) == 0 {
		devs.Videos = append(devs.Videos, libvirtxml.DomainVideo{Model: libvirtxml.DomainVideoModel{Type: "cirrus"}})
	}
	for i := range devs.Videos {
		m := &devs.Videos[i].Model
		if m.Type == "" {
			m.Type = "cirrus"
		}
		switch m.Type {
		case "vga", "cirrus", "bochs", "vmvga":
			if m.VRam == 0 {
				m.VRam = 16384
			}
		case "qxl":
			if m.Ram == 0 {
				m.Ram = 65536
			}
			if m.VRam == 0 {
				m.VRam = 65536
			}
			if m.VGAMem == 0 {
				m.VGAMem = 16384
			}
		}
		if m.Type != "none" && m.Heads == 0 {
			m.Heads = 1
		}
		if i == 0 && m.Type != "none" && m.Primary == "" {
			m.Primary = "yes"
		}
	}
}

// completeConsole pairs consoles and serial ports as libvirt does: a console of
// target type serial (the default) is the first serial port, which is added when the
// definition has none, and the first serial port gets a console.
func completeConsole(devs *libvirtxml.DomainDeviceList) {
	for i := range devs.Consoles {
		con := &devs.Consoles[i]
		if con.Target == nil {
			con.Target = &libvirtxml.DomainConsoleTarget{}
		}
		if con.Target.Type == "" {
			con.Target.Type = "serial"
		}
		if i == 0 && con.Target.Type == "serial" && len(devs.Serials) == 0 {
			devs.Serials = append(devs.Serials, libvirtxml.DomainSerial{Source: copySource(con.Source), Protocol: con.Protocol, Log: con.Log})
		}
	}
	for i := range devs.Serials {
		s := &devs.Serials[i]
		if s.Target == nil {
			s.Target = &libvirtxml.DomainSerialTarget{}
		}
		if s.Target.Type == "" {
			s.Target.Type = "isa-serial"
		}
		if s.Target.Port == nil {
			port := uint(i)
			s.Target.Port = &port
		}
		if s.Target.Model == nil && s.Target.Type == "isa-serial" {
			s.Target.Model = &libvirtxml.DomainSerialTargetModel{Name: "isa-serial"}
		}
	}
	if len(devs.Serials) == 0 {
		return
	}
	if len(devs.Consoles) == 0 {
		first := devs.Serials[0]
		devs.Consoles = []libvirtxml.DomainConsole{{Source: copySource(first.Source), Protocol: first.Protocol, Log: first.Log,
			Target: &libvirtxml.DomainConsoleTarget{Type: "serial"}}}
	}
	if t := devs.Consoles[0].Target; t.Type == "serial" && t.Port == nil {
		port := uint(0)
		t.Port = &port
	}
}

// copySource copies a character device's source for its twin (a console's serial
// port, a serial port's console), so the two can change apart (the live pty path).
func copySource(src *libvirtxml.DomainChardevSource) *libvirtxml.DomainChardevSource {
	if src == nil {
		return nil
	}
	c := *src
	return &c
}

// assignVirtioSerialPorts numbers the virtio channels and consoles on controller 0,
// from port 1 (port 0 is the console's).
func assignVirtioSerialPorts(devs *libvirtxml.DomainDeviceList) error {
	next := uint(1)
	used := map[uint]bool{}
	for _, ch := range devs.Channels {
		if a := ch.Address; a != nil && a.VirtioSerial != nil && a.VirtioSerial.Port != nil {
			used[*a.VirtioSerial.Port] = true
		}
	}
	for i := range devs.Channels {
		ch := &devs.Channels[i]
		if ch.Target == nil || ch.Target.VirtIO == nil || ch.Address != nil {
			continue
		}
		for used[next] {
			next++
		}
		zero, port := uint(0), next
		used[port] = true
		ch.Address = &libvirtxml.DomainAddress{VirtioSerial: &libvirtxml.DomainAddressVirtioSerial{Controller: &zero, Bus: &zero, Port: &port}}
	}
	return nil
}

// usbPorts is how many ports a USB controller model has (libvirt's
// virDomainUSBAddressControllerModelToPorts).
func usbPorts(c libvirtxml.DomainController) int {
	if c.USB != nil && c.USB.Port != nil {
		return int(*c.USB.Port)
	}
	switch c.Model {
	case "piix3-uhci", "piix4-uhci", "vt82c686b-uhci":
		return 2
	case "ich9-ehci1":
		return 6
	case "qemu-xhci", "nec-xhci":
		return 4
	case "none":
		return 0
	}
	if strings.HasPrefix(c.Model, "ich9-uhci") {
		return 0 // a companion's ports are its EHCI's
	}
	return 8
}

// assignUSBPorts gives USB inputs and redirected devices the next port of bus 0.
func assignUSBPorts(devs *libvirtxml.DomainDeviceList) error {
	capacity := 0
	hasBus0 := false
	for _, c := range devs.Controllers {
		if c.Type == "usb" && index(c.Index) == 0 {
			capacity += usbPorts(c)
			hasBus0 = hasBus0 || c.Model != "none"
		}
	}
	used := map[string]bool{}
	var want []**libvirtxml.DomainAddress
	note := func(a **libvirtxml.DomainAddress) {
		if *a != nil && (*a).USB != nil && (*a).USB.Port != "" {
			used[(*a).USB.Port] = true
			return
		}
		want = append(want, a)
	}
	for i := range devs.Inputs {
		if devs.Inputs[i].Bus == "usb" {
			note(&devs.Inputs[i].Address)
		}
	}
	for i := range devs.RedirDevs {
		note(&devs.RedirDevs[i].Address)
	}
	if len(want) == 0 {
		return nil
	}
	if !hasBus0 {
		return unsupported("USB is disabled for this domain, but USB devices are present in the domain XML")
	}
	port := 1
	for _, a := range want {
		for used[fmt.Sprint(port)] {
			port++
		}
		if port > capacity {
			return unsupported("no free USB ports: the USB controller has %d; add a USB hub or a controller with more ports", capacity)
		}
		zero := uint(0)
		*a = &libvirtxml.DomainAddress{USB: &libvirtxml.DomainAddressUSB{Bus: &zero, Port: fmt.Sprint(port)}}
		used[fmt.Sprint(port)] = true
	}
	return nil
}
