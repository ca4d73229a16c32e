package qemu

import (
	"context"
	"encoding/xml"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/qemu/qmp"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh update-device of an interface (and domif-setlink, which is one): on a running
// guest only the link state changes, through QEMU's set_link, as libvirt's
// qemuDomainChangeNet allows without replugging; the persistent definition takes the
// new interface whole.

// updateInterface applies the interface in dev to the guest; the caller holds its job.
func (d *Driver) updateInterface(ctx context.Context, dom *domain, dev device, live, config bool) error {
	v := dom.view()
	i, err := dev.locate(v, live, config)
	if err != nil {
		return err
	}
	if live {
		old := &v.def.Devices.Interfaces[i]
		if !onlyLinkDiffers(old, dev.nic) {
			return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "unable to change config on '%s' network type", interfaceType(old))
		}
		up := linkUp(dev.nic)
		if linkUp(old) != up {
			if err := v.run.mon.Execute(ctx, "set_link", map[string]any{"name": aliasOfNIC(i, old), "up": up}, nil); err != nil {
				return monitorError(err)
			}
		}
		if err := d.modify(dom, affectLive, func(def *libvirtxml.Domain) error {
			def.Devices.Interfaces[findDevice(def, dev)].Link = dev.nic.Link
			return nil
		}); err != nil {
			return err
		}
	}
	if config {
		return d.modify(dom, affectConfig, func(def *libvirtxml.Domain) error {
			i := findDevice(def, dev)
			nic := *dev.nic
			old := def.Devices.Interfaces[i]
			if nic.Address == nil {
				nic.Address = old.Address
			}
			if nic.Model == nil {
				nic.Model = old.Model
			}
			// What virsh took from the live XML names this run, not the configuration.
			if nic.Alias != nil && !strings.HasPrefix(nic.Alias.Name, "ua-") {
				nic.Alias = nil
			}
			if nic.Target != nil && strings.HasPrefix(nic.Target.Dev, "vnet") {
				nic.Target = nil
			}
			def.Devices.Interfaces[i] = nic
			return d.checkBuildable(def)
		})
	}
	return nil
}

// onlyLinkDiffers reports whether upd is old with at most another link state; what
// upd leaves out (address, alias, model, target) it keeps from old.
func onlyLinkDiffers(old, upd *libvirtxml.DomainInterface) bool {
	n := *upd
	n.Link = old.Link
	if n.Address == nil {
		n.Address = old.Address
	}
	if n.Alias == nil {
		n.Alias = old.Alias
	}
	if n.Model == nil {
		n.Model = old.Model
	}
	if n.Target == nil {
		n.Target = old.Target
	}
	a, errA := xml.Marshal(old)
	b, errB := xml.Marshal(&n)
	return errA == nil && errB == nil && string(a) == string(b)
}

func linkUp(nic *libvirtxml.DomainInterface) bool { return nic.Link == nil || nic.Link.State != "down" }

// interfaceType is the type attribute of nic, as libvirt names it in errors.
func interfaceType(nic *libvirtxml.DomainInterface) string {
	s := nic.Source
	switch {
	case s == nil:
		return "user"
	case s.Network != nil:
		return "network"
	case s.Bridge != nil:
		return "bridge"
	case s.Direct != nil:
		return "direct"
	case s.Ethernet != nil:
		return "ethernet"
	}
	return "user"
}

// setLinkStates takes down, before the vCPUs run, the links the definition has down,
// as libvirt's qemuProcessSetLinkStates does: QEMU's command line has no link state.
func setLinkStates(ctx context.Context, mon *qmp.Monitor, def *libvirtxml.Domain) error {
	for i := range def.Devices.Interfaces {
		nic := &def.Devices.Interfaces[i]
		if !linkUp(nic) {
			if err := mon.Execute(ctx, "set_link", map[string]any{"name": aliasOfNIC(i, nic), "up": false}, nil); err != nil {
				return monitorError(err)
			}
		}
	}
	return nil
}
