package qemu

import (
	"fmt"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// PCI addresses are assigned as libvirt assigns them (qemu_domain_address.c,
// conf/domain_addr.c), so a definition from virt-install gets the same slots here as
// under libvirt, and a definition moved between the two keeps its hardware. The
// addresses are written into the definition when it is defined.

// conn is what a device can plug into, or what a bus accepts (libvirt's
// virDomainPCIConnectFlags).
type conn uint

const (
	connPCIDevice       conn = 1 << iota // a conventional PCI endpoint
	connPCIeDevice                       // a PCI Express endpoint
	connRootPort                         // a pcie-root-port controller
	connPCIeToPCIBridge                  // a pcie-to-pci-bridge controller
	connPCIBridge                        // a pci-bridge controller
	connAggregate                        // may share a slot with others of its kind (functions 0-7)
	connTypes           = connPCIDevice | connPCIeDevice | connRootPort | connPCIeToPCIBridge | connPCIBridge
)

type pciSlot struct {
	functions uint8 // bit n: function n in use
	aggregate bool
}

type pciBus struct {
	model            string
	accepts          conn
	minSlot, maxSlot int
	slots            [32]pciSlot
}

func newPCIBus(model string) pciBus {
	b := pciBus{model: model, minSlot: 1, maxSlot: 31}
	switch model {
	case "pci-root", "pci-bridge":
		b.accepts = connPCIDevice | connPCIBridge
	case "pcie-root":
		b.accepts = connRootPort
	case "pcie-root-port":
		b.accepts = connPCIeDevice | connPCIeToPCIBridge
		b.minSlot, b.maxSlot = 0, 0
	case "pcie-to-pci-bridge":
		b.accepts = connPCIDevice
	}
	return b
}

// pciSet is the guest's PCI buses and the functions in use on them.
type pciSet struct {
	buses []pciBus
	// grow lets a search that finds no slot add buses (libvirt's dry run); the
	// buses it adds become controllers of the definition.
	grow bool
}

type pciAddr struct{ bus, slot, function int }

func (s *pciSet) inUse(a pciAddr) bool { return s.buses[a.bus].slots[a.slot].functions != 0 }

func (s *pciSet) reserve(a pciAddr, flags conn) error {
	if a.bus >= len(s.buses) {
		return virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "a PCI slot is needed on bus 0x%02x, which does not exist", a.bus)
	}
	sl := &s.buses[a.bus].slots[a.slot]
	if sl.functions&(1<<a.function) != 0 {
		return virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "Attempted double use of PCI Address 0000:%02x:%02x.%x", a.bus, a.slot, a.function)
	}
	if sl.functions == 0 && flags&connAggregate != 0 {
		sl.aggregate = true
	}
	sl.functions |= 1 << a.function
	return nil
}

// next finds the first free slot for a device of flags, in bus order, and reserves
// function fn of it (fn < 0: function 0, or any free function of a slot shared with
// devices of the same kind).
func (s *pciSet) next(flags conn, fn int) (pciAddr, error) {
	for bi := range s.buses {
		b := &s.buses[bi]
		if b.accepts&flags&connTypes == 0 {
			continue
		}
		for sl := b.minSlot; sl <= b.maxSlot; sl++ {
			slot := &b.slots[sl]
			if slot.functions == 0 {
				f := max(fn, 0)
				return pciAddr{bi, sl, f}, s.reserve(pciAddr{bi, sl, f}, flags)
			}
			if flags&connAggregate != 0 && slot.aggregate && fn < 0 {
				for f := 0; f < 8; f++ {
					if slot.functions&(1<<f) == 0 {
						return pciAddr{bi, sl, f}, s.reserve(pciAddr{bi, sl, f}, flags)
					}
				}
			}
		}
	}
	full := virerror.New(libvirt.ErrInternalError, virerror.FromDomain, "No more available PCI slots")
	if !s.grow || len(s.buses) >= maxPCIBuses {
		return pciAddr{}, full
	}
	added := len(s.buses)
	s.addBusFor(flags)
	// A device no bus libvirt would add can take (one whose bus a controller of an
	// unknown model was to give) finds no slot, rather than growing buses forever.
	for _, b := range s.buses[added:] {
		if b.accepts&flags&connTypes != 0 {
			return s.next(flags, fn)
		}
	}
	return pciAddr{}, full
}

// maxPCIBuses is how many buses a PCI domain numbers (0x00-0xff).
const maxPCIBuses = 256

// addBusFor adds the bus a device of flags needs when none has room, as libvirt's
// virDomainPCIAddressSetGrow: a pcie-root-port for a PCIe device; for a PCI device a
// pci-bridge, or on a PCIe-only guest a pcie-root-port holding a pcie-to-pci-bridge.
func (s *pciSet) addBusFor(flags conn) {
	if flags&connPCIDevice == 0 {
		s.buses = append(s.buses, newPCIBus("pcie-root-port"))
		return
	}
	for _, b := range s.buses {
		if b.accepts&connPCIBridge != 0 {
			s.buses = append(s.buses, newPCIBus("pci-bridge"))
			return
		}
	}
	port := newPCIBus("pcie-root-port")
	port.accepts = connPCIeToPCIBridge // only the bridge goes there
	s.buses = append(s.buses, port, newPCIBus("pcie-to-pci-bridge"))
}

// pciDevice is one device that wants a PCI address, in libvirt's assignment order.
type pciDevice struct {
	addr  **libvirtxml.DomainAddress
	flags conn
	fn    int    // a fixed function (USB2 companions), or -1
	group string // USB2 controllers of one index share their slot
}

func addressOf(a *libvirtxml.DomainAddress) (pciAddr, bool) {
	if a == nil || a.PCI == nil || a.PCI.Slot == nil {
		return pciAddr{}, false
	}
	v := func(p *uint) int {
		if p == nil {
			return 0
		}
		return int(*p)
	}
	return pciAddr{v(a.PCI.Bus), v(a.PCI.Slot), v(a.PCI.Function)}, true
}

func setAddress(a **libvirtxml.DomainAddress, p pciAddr) {
	dom, bus, slot, fn := uint(0), uint(p.bus), uint(p.slot), uint(p.function)
	*a = &libvirtxml.DomainAddress{PCI: &libvirtxml.DomainAddressPCI{Domain: &dom, Bus: &bus, Slot: &slot, Function: &fn}}
}

// wantsPCI: a device without an address, or with an incomplete PCI one, is placed.
func wantsPCI(a *libvirtxml.DomainAddress) bool {
	if a == nil {
		return true
	}
	_, ok := addressOf(a)
	return a.PCI != nil && !ok
}

// assignPCIAddresses places every PCI device of def that has no address, adds the
// controllers the placement needs, and completes the PCI controllers' model names
// and targets, in two passes as libvirt does: the first counts the buses needed, the
// second places the devices on them.
func assignPCIAddresses(def *libvirtxml.Domain, q35 bool) error {
	devs := def.Devices
	explicit := 0
	for _, c := range devs.Controllers {
		if c.Type == "pci" && index(c.Index) > 0 {
			explicit++
		}
	}
	dry, err := placePCI(def, q35, true, explicit == 0)
	if err != nil {
		return err
	}
	have := map[uint]bool{}
	for _, c := range devs.Controllers {
		if c.Type == "pci" {
			have[index(c.Index)] = true
		}
	}
	for i := 1; i < len(dry.buses); i++ {
		if have[uint(i)] {
			continue
		}
		idx := uint(i)
		devs.Controllers = append(devs.Controllers, libvirtxml.DomainController{Type: "pci", Index: &idx, Model: dry.buses[i].model})
	}
	if _, err := placePCI(def, q35, false, false); err != nil {
		return err
	}
	completePCIControllers(def)
	return nil
}

// placePCI runs one pass. In the dry run the addresses go to scratch copies, so only
// the buses it adds remain.
func placePCI(def *libvirtxml.Domain, q35 bool, dry, spareRootPort bool) (*pciSet, error) {
	devs := def.Devices
	s := &pciSet{grow: dry}
	root := "pci-root"
	if q35 {
		root = "pcie-root"
	}
	maxIdx := uint(0)
	models := map[uint]string{0: root}
	for _, c := range devs.Controllers {
		if c.Type == "pci" {
			maxIdx = max(maxIdx, index(c.Index))
			if c.Model != "" {
				models[index(c.Index)] = c.Model
			}
		}
	}
	for i := uint(0); i <= maxIdx; i++ {
		m := models[i]
		if m == "" {
			m = "pcie-root-port"
			if !q35 {
				m = "pci-bridge"
			}
		}
		s.buses = append(s.buses, newPCIBus(m))
	}
	list := pciDevices(def, q35)
	// Addresses already in the definition are taken first, then the chipset's.
	for _, d := range list {
		if a, ok := addressOf(*d.addr); ok {
			if err := s.reserve(a, d.flags); err != nil {
				return nil, err
			}
		}
	}
	if err := reserveChipset(s, def, q35); err != nil {
		return nil, err
	}
	// USB2 controllers of one index share the slot of whichever has an address.
	groups := map[string]pciAddr{}
	for _, d := range list {
		if a, ok := addressOf(*d.addr); ok && d.group != "" {
			groups[d.group] = a
		}
	}
	if dry {
		// The dry run places copies: only the buses it adds are kept.
		for i := range list {
			var cp *libvirtxml.DomainAddress
			if *list[i].addr != nil {
				c := **list[i].addr
				cp = &c
			}
			list[i].addr = &cp
		}
		if !q35 {
			// Keep a slot free for a bridge, so a full bus gets one.
			s.next(connPCIDevice, -1)
		}
	}
	for _, d := range list {
		if !wantsPCI(*d.addr) {
			continue
		}
		var a pciAddr
		var err error
		if g, ok := groups[d.group]; ok && d.group != "" {
			a = pciAddr{g.bus, g.slot, d.fn}
			err = s.reserve(a, d.flags)
		} else {
			a, err = s.next(d.flags, d.fn)
			if d.group != "" {
				groups[d.group] = a
			}
		}
		if err != nil {
			return nil, err
		}
		setAddress(d.addr, a)
	}
	if dry && q35 && spareRootPort && len(s.buses) > int(maxIdx)+1 {
		// A guest whose PCI controllers libvirt manages gets one empty root port
		// to hotplug into.
		s.next(connPCIeDevice, -1)
	}
	if !dry {
		setMultifunction(list, s)
	}
	return s, nil
}

// reserveChipset places the devices the machine type has at fixed addresses:
// i440FX's PIIX3 (slot 1) and first video (slot 2); Q35's ICH9 (slot 0x1f), first
// video (slot 1), USB2 (0x1d) and HD audio (0x1b).
func reserveChipset(s *pciSet, def *libvirtxml.Domain, q35 bool) error {
	devs := def.Devices
	fixed := func(a **libvirtxml.DomainAddress, p pciAddr) error {
		if err := s.reserve(p, connPCIDevice); err != nil {
			return err
		}
		setAddress(a, p)
		return nil
	}
	if !q35 {
		for i := range devs.Controllers {
			c := &devs.Controllers[i]
			switch {
			case c.Type == "ide" && index(c.Index) == 0:
				if err := chipsetAddress(s, &c.Address, pciAddr{0, 1, 1}, "Primary IDE controller must have PCI address 0:0:1.1"); err != nil {
					return err
				}
			case c.Type == "usb" && index(c.Index) == 0 && (c.Model == "piix3-uhci" || c.Model == ""):
				if err := chipsetAddress(s, &c.Address, pciAddr{0, 1, 2}, "PIIX3 USB controller at index 0 must have PCI address 0:0:1.2"); err != nil {
					return err
				}
			}
		}
		s.reserve(pciAddr{0, 1, 0}, connPCIDevice)
		s.reserve(pciAddr{0, 1, 3}, connPCIDevice)
		if v := primaryVideo(devs); v != nil && wantsPCI(v.Address) {
			if s.inUse(pciAddr{0, 2, 0}) {
				a, err := s.next(connPCIDevice, -1)
				if err != nil {
					return err
				}
				setAddress(&v.Address, a)
			} else if err := fixed(&v.Address, pciAddr{0, 2, 0}); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range devs.Controllers {
		c := &devs.Controllers[i]
		switch {
		case c.Type == "sata" && index(c.Index) == 0:
			if err := chipsetAddress(s, &c.Address, pciAddr{0, 0x1f, 2}, "Primary SATA controller must have PCI address 0:0:1f.2"); err != nil {
				return err
			}
		case c.Type == "usb" && c.Model == "ich9-uhci1" && c.Address == nil:
			for _, slot := range []int{0x1d, 0x1a} {
				if !s.inUse(pciAddr{0, slot, 0}) {
					if err := fixed(&c.Address, pciAddr{0, slot, 0}); err != nil {
						return err
					}
					c.Address.PCI.MultiFunction = "on"
					break
				}
			}
		}
	}
	s.reserve(pciAddr{0, 0x1f, 0}, connPCIDevice)
	s.reserve(pciAddr{0, 0x1f, 3}, connPCIDevice)
	if v := primaryVideo(devs); v != nil && wantsPCI(v.Address) {
		if s.inUse(pciAddr{0, 1, 0}) {
			a, err := s.next(videoConn(v.Model.Type, true), -1)
			if err != nil {
				return err
			}
			setAddress(&v.Address, a)
		} else if err := fixed(&v.Address, pciAddr{0, 1, 0}); err != nil {
			return err
		}
	}
	if !s.inUse(pciAddr{0, 0x1b, 0}) {
		for i := range devs.Sounds {
			if devs.Sounds[i].Model == "ich9" && wantsPCI(devs.Sounds[i].Address) {
				if err := fixed(&devs.Sounds[i].Address, pciAddr{0, 0x1b, 0}); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// chipsetAddress gives a built-in controller its fixed address, or checks the one it
// has.
func chipsetAddress(s *pciSet, a **libvirtxml.DomainAddress, want pciAddr, wrong string) error {
	if got, ok := addressOf(*a); ok {
		if got != want {
			return virerror.New(libvirt.ErrInternalError, virerror.FromDomain, "%s", wrong)
		}
		return nil
	}
	setAddress(a, want)
	return s.reserve(want, connPCIDevice)
}

func primaryVideo(devs *libvirtxml.DomainDeviceList) *libvirtxml.DomainVideo {
	if len(devs.Videos) == 0 || devs.Videos[0].Model.Type == "none" || devs.Videos[0].Model.Type == "ramfb" {
		return nil
	}
	return &devs.Videos[0]
}

// pciDevices lists the devices that take a PCI slot, in the order libvirt's
// qemuDomainAssignDevicePCISlots places them.
func pciDevices(def *libvirtxml.Domain, q35 bool) []pciDevice {
	devs := def.Devices
	var list []pciDevice
	add := func(a **libvirtxml.DomainAddress, pcie bool) {
		f := connPCIDevice
		if pcie && q35 {
			f = connPCIeDevice
		}
		list = append(list, pciDevice{addr: a, flags: f, fn: -1})
	}
	for i := range devs.Controllers {
		c := &devs.Controllers[i]
		if c.Type != "pci" || c.Model == "pci-root" || c.Model == "pcie-root" || index(c.Index) == 0 {
			continue
		}
		switch c.Model {
		case "pcie-root-port":
			list = append(list, pciDevice{addr: &c.Address, flags: connRootPort | connAggregate, fn: -1})
		case "pcie-to-pci-bridge":
			list = append(list, pciDevice{addr: &c.Address, flags: connPCIeToPCIBridge, fn: -1})
		default:
			list = append(list, pciDevice{addr: &c.Address, flags: connPCIBridge, fn: -1})
		}
	}
	for i := range devs.Filesystems {
		add(&devs.Filesystems[i].Address, true)
	}
	for i := range devs.Interfaces {
		n := &devs.Interfaces[i]
		model := ""
		if n.Model != nil {
			model = n.Model.Type
		}
		add(&n.Address, model == "virtio" || model == "e1000e")
	}
	for i := range devs.Sounds {
		if m := devs.Sounds[i].Model; m != "sb16" && m != "pcspk" && m != "usb" {
			add(&devs.Sounds[i].Address, false)
		}
	}
	for i := range devs.Controllers {
		c := &devs.Controllers[i]
		switch {
		case c.Type == "pci", c.Type == "fdc", c.Type == "ccid", c.Type == "usb" && c.Model == "none",
			c.Type == "ide" && index(c.Index) == 0, c.Type == "sata" && q35 && index(c.Index) == 0:
			continue
		case c.Type == "usb" && strings.HasPrefix(c.Model, "ich9-"):
			fn := map[string]int{"ich9-ehci1": 7, "ich9-uhci1": 0, "ich9-uhci2": 1, "ich9-uhci3": 2}[c.Model]
			list = append(list, pciDevice{addr: &c.Address, flags: connPCIDevice, fn: fn, group: fmt.Sprintf("usb%d", index(c.Index))})
		default:
			add(&c.Address, controllerIsPCIe(c))
		}
	}
	for i := range devs.Disks {
		if t := devs.Disks[i].Target; t != nil && t.Bus == "virtio" {
			add(&devs.Disks[i].Address, true)
		}
	}
	for i := range devs.Hostdevs {
		add(&devs.Hostdevs[i].Address, true)
	}
	if b := devs.MemBalloon; b != nil && b.Model != "none" {
		add(&b.Address, true)
	}
	for i := range devs.RNGs {
		add(&devs.RNGs[i].Address, true)
	}
	for i := range devs.Watchdogs {
		if devs.Watchdogs[i].Model == "i6300esb" {
			add(&devs.Watchdogs[i].Address, false)
		}
	}
	for i := range devs.Videos {
		if t := devs.Videos[i].Model.Type; t != "none" && t != "ramfb" {
			list = append(list, pciDevice{addr: &devs.Videos[i].Address, flags: videoConn(t, q35), fn: -1})
		}
	}
	for i := range devs.Inputs {
		if devs.Inputs[i].Bus == "virtio" {
			add(&devs.Inputs[i].Address, true)
		}
	}
	return list
}

func controllerIsPCIe(c *libvirtxml.DomainController) bool {
	switch c.Type {
	case "usb":
		return c.Model == "qemu-xhci" || c.Model == "nec-xhci"
	case "scsi":
		return strings.HasPrefix(c.Model, "virtio")
	case "virtio-serial", "sata":
		return true
	}
	return false
}

func videoConn(model string, q35 bool) conn {
	if q35 && (model == "virtio" || model == "bochs") {
		return connPCIeDevice
	}
	return connPCIDevice
}

// setMultifunction marks function 0 of every slot that has other functions in use,
// as libvirt's virDomainPCIAddressSetAllMulti.
func setMultifunction(list []pciDevice, s *pciSet) {
	for _, d := range list {
		a, ok := addressOf(*d.addr)
		if !ok || a.function != 0 || (*d.addr).PCI.MultiFunction != "" {
			continue
		}
		if s.buses[a.bus].slots[a.slot].functions&^1 != 0 {
			(*d.addr).PCI.MultiFunction = "on"
		}
	}
}

// completePCIControllers fills in what libvirt fills in for PCI controllers: the
// QEMU device model name, a root port's chassis and port, a bridge's chassis number.
func completePCIControllers(def *libvirtxml.Domain) {
	for i := range def.Devices.Controllers {
		c := &def.Devices.Controllers[i]
		if c.Type != "pci" {
			continue
		}
		name := map[string]string{"pcie-root-port": "pcie-root-port", "pcie-to-pci-bridge": "pcie-pci-bridge",
			"pci-bridge": "pci-bridge", "dmi-to-pci-bridge": "i82801b11-bridge"}[c.Model]
		if name == "" {
			continue
		}
		if c.PCI == nil {
			c.PCI = &libvirtxml.DomainControllerPCI{}
		}
		if c.PCI.Model == nil {
			c.PCI.Model = &libvirtxml.DomainControllerPCIModel{Name: name}
		}
		a, _ := addressOf(c.Address)
		idx := index(c.Index)
		switch c.Model {
		case "pcie-root-port":
			if c.PCI.Target == nil {
				c.PCI.Target = &libvirtxml.DomainControllerPCITarget{}
			}
			if c.PCI.Target.Chassis == nil {
				c.PCI.Target.Chassis = &idx
			}
			if c.PCI.Target.Port == nil {
				port := uint(a.slot<<3 + a.function)
				c.PCI.Target.Port = &port
			}
		case "pci-bridge":
			if c.PCI.Target == nil {
				c.PCI.Target = &libvirtxml.DomainControllerPCITarget{}
			}
			if c.PCI.Target.ChassisNr == nil {
				c.PCI.Target.ChassisNr = &idx
			}
		}
	}
}
