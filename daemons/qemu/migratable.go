package qemu

import (
	"libvirt.org/go/libvirtxml"
)

// migratableCopy is def as dumpxml --migratable writes it (VIR_DOMAIN_XML_MIGRATABLE),
// the form a migration's destination or an older libvirt reads: without what this
// run of QEMU chose (forgetRun, and automatic display ports), and without the devices
// libvirt adds by itself and older libvirt did not know it added, as
// qemuDomainDefFormatBufInternal removes them: an i440fx's piix3-uhci USB controller
// and pci-root, the PS/2 keyboard, and the 'none' audio backend.
func migratableCopy(def *libvirtxml.Domain) (*libvirtxml.Domain, error) {
	cp, err := copyDefinition(def)
	if err != nil {
		return nil, err
	}
	forgetRun(cp)
	devs := cp.Devices
	for i := range devs.Graphics {
		g := &devs.Graphics[i]
		if g.VNC != nil && g.VNC.AutoPort == "yes" {
			g.VNC.Port = -1
		}
		if g.Spice != nil && g.Spice.AutoPort == "yes" {
			g.Spice.Port, g.Spice.TLSPort = 0, 0
		}
	}
	i440fx := !isQ35(cp)
	ctls := devs.Controllers[:0]
	for _, c := range devs.Controllers {
		switch {
		case i440fx && c.Type == "usb" && index(c.Index) == 0 && c.Model == "piix3-uhci" && isPCISlot(c.Address, 1, 2):
		case c.Type == "pci" && index(c.Index) == 0 && c.Model == "pci-root":
		default:
			ctls = append(ctls, c)
		}
	}
	devs.Controllers = ctls
	inputs := devs.Inputs[:0]
	for _, in := range devs.Inputs {
		if !(in.Type == "keyboard" && in.Bus == "ps2") {
			inputs = append(inputs, in)
		}
	}
	devs.Inputs = inputs
	if len(devs.Audios) == 1 && devs.Audios[0].ID == 1 && devs.Audios[0].None != nil {
		devs.Audios = nil
	}
	return cp, nil
}

// isPCISlot reports whether a is the PCI address 00:slot.function of bus 0.
func isPCISlot(a *libvirtxml.DomainAddress, slot, function uint) bool {
	if a == nil || a.PCI == nil {
		return false
	}
	p := a.PCI
	return index(p.Domain) == 0 && index(p.Bus) == 0 && index(p.Slot) == slot && index(p.Function) == function
}
