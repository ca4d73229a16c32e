package network

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// admit checks a parsed definition against the networks the driver has
// (virNetworkObjAssignDef): a UUID taken by another name, or a name taken by another
// UUID, is refused; checkLive also refuses a network already running. It returns the
// existing network of that UUID, if any. Called with d.mu held.
func (d *Driver) admit(def *netDef, checkLive bool) (*network, error) {
	for _, n := range d.nets {
		if n.def.UUID != def.UUID {
			continue
		}
		if n.def.Name != def.Name {
			return nil, virerror.New(libvirt.ErrOperationFailed, virerror.FromNetwork, "network '%s' is already defined with uuid %s", n.def.Name, def.UUID)
		}
		if checkLive && n.active {
			return nil, virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "network is already active as '%s'", n.def.Name)
		}
		return n, nil
	}
	if n, ok := d.nets[def.Name]; ok {
		return nil, virerror.New(libvirt.ErrOperationFailed, virerror.FromNetwork, "network '%s' already exists with uuid %s", def.Name, n.def.UUID)
	}
	return nil, nil
}

// define is networkDefineXMLFlags: validate, save the config, and make it the network's
// persistent definition (the next one, if the network runs).
func (d *Driver) define(ctx context.Context, xml string) (libvirt.Network, error) {
	def, err := parseDef(xml)
	if err != nil {
		return libvirt.Network{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.admit(def, false)
	if err != nil {
		return libvirt.Network{}, err
	}
	if err := d.assignBridge(def); err != nil {
		return libvirt.Network{}, err
	}
	if err := d.saveConfig(def); err != nil {
		return libvirt.Network{}, err
	}
	switch {
	case n == nil:
		n = &network{def: def, persistent: true, ports: portMap()}
		d.nets[def.Name] = n
	case n.active:
		n.newDef, n.persistent = def, true
	default:
		n.def, n.persistent = def, true
	}
	d.publish(n.ref(), libvirt.NetworkEventDefined)
	return n.ref(), nil
}

func portMap() map[string]*libvirtxml.NetworkPort { return map[string]*libvirtxml.NetworkPort{} }

// undefine is networkUndefine: drop the config; a running network becomes transient.
func (d *Driver) undefine(ctx context.Context, ref libvirt.Network) error {
	n, err := d.lookup(ref)
	if err != nil {
		return err
	}
	n.op.Lock() // not while it starts or stops
	defer n.op.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !n.persistent {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "can't undefine transient network")
	}
	if err := d.deleteConfig(n.def.Name); err != nil {
		return err
	}
	ev := n.ref()
	n.persistent, n.autostart, n.newDef = false, false, nil
	if !n.active {
		d.forget(n)
	}
	d.publish(ev, libvirt.NetworkEventUndefined)
	return nil
}

// forget removes an inactive network and its files (networkRemoveInactive). Called
// with d.mu held.
func (d *Driver) forget(n *network) {
	delete(d.nets, n.def.Name)
	d.removeDnsmasqFiles(n.def)
}
