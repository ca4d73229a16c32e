package network

import (
	"context"
	"maps"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// defineValidate is VIR_NETWORK_DEFINE_VALIDATE (and CREATE_VALIDATE): every definition
// is validated anyway.
const defineValidate = 1

func (d *Driver) NetworkDefineXML(ctx context.Context, a libvirt.NetworkDefineXMLArgs) (libvirt.NetworkDefineXMLRet, error) {
	ref, err := d.define(ctx, a.XML)
	return libvirt.NetworkDefineXMLRet{Net: ref}, err
}

func (d *Driver) NetworkDefineXMLFlags(ctx context.Context, a libvirt.NetworkDefineXMLFlagsArgs) (libvirt.NetworkDefineXMLFlagsRet, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(defineValidate), remote.NetworkDefineXMLFlags); err != nil {
		return libvirt.NetworkDefineXMLFlagsRet{}, err
	}
	ref, err := d.define(ctx, a.XML)
	return libvirt.NetworkDefineXMLFlagsRet{Net: ref}, err
}

func (d *Driver) NetworkCreateXML(ctx context.Context, a libvirt.NetworkCreateXMLArgs) (libvirt.NetworkCreateXMLRet, error) {
	ref, err := d.createTransient(ctx, a.XML)
	return libvirt.NetworkCreateXMLRet{Net: ref}, err
}

func (d *Driver) NetworkCreateXMLFlags(ctx context.Context, a libvirt.NetworkCreateXMLFlagsArgs) (libvirt.NetworkCreateXMLFlagsRet, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(defineValidate), remote.NetworkCreateXMLFlags); err != nil {
		return libvirt.NetworkCreateXMLFlagsRet{}, err
	}
	ref, err := d.createTransient(ctx, a.XML)
	return libvirt.NetworkCreateXMLFlagsRet{Net: ref}, err
}

// createTransient is networkCreateXMLFlags: a network that exists while it runs. A
// persistent network of the same name and UUID may be started this way with another
// definition; its own returns when it stops.
func (d *Driver) createTransient(ctx context.Context, xml string) (libvirt.Network, error) {
	def, err := parseDef(xml)
	if err != nil {
		return libvirt.Network{}, err
	}
	d.mu.Lock()
	n, err := d.admit(def, true)
	if err != nil {
		d.mu.Unlock()
		return libvirt.Network{}, err
	}
	fresh := n == nil
	if fresh {
		n = &network{def: def, ports: portMap()}
		d.nets[def.Name] = n
	}
	d.mu.Unlock()
	n.op.Lock()
	defer n.op.Unlock()
	d.mu.Lock()
	_, err = d.admit(def, true) // the network may have started meanwhile
	if err == nil {
		err = d.assignBridge(def)
	}
	if err != nil {
		if fresh {
			delete(d.nets, def.Name)
		}
		d.mu.Unlock()
		return libvirt.Network{}, err
	}
	saved := n.def
	if !fresh {
		n.newDef, n.def = n.def, def // the persistent definition returns at stop
	}
	d.mu.Unlock()
	if err := d.start(ctx, n); err != nil {
		d.mu.Lock()
		if fresh {
			delete(d.nets, def.Name)
		} else {
			n.def, n.newDef = saved, nil
		}
		d.mu.Unlock()
		return libvirt.Network{}, err
	}
	d.publish(n.ref(), libvirt.NetworkEventStarted)
	return n.ref(), nil
}

func (d *Driver) NetworkCreate(ctx context.Context, a libvirt.NetworkCreateArgs) (struct{}, error) {
	n, err := d.lookup(a.Net)
	if err != nil {
		return struct{}{}, err
	}
	n.op.Lock()
	defer n.op.Unlock()
	if err := d.start(ctx, n); err != nil {
		return struct{}{}, err
	}
	d.publish(n.ref(), libvirt.NetworkEventStarted)
	return struct{}{}, nil
}

func (d *Driver) NetworkDestroy(ctx context.Context, a libvirt.NetworkDestroyArgs) (struct{}, error) {
	n, err := d.lookup(a.Net)
	if err != nil {
		return struct{}{}, err
	}
	n.op.Lock()
	defer n.op.Unlock()
	if err := d.stop(ctx, n); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	ref := n.ref()
	if !n.persistent {
		d.forget(n)
	}
	d.mu.Unlock()
	d.publish(ref, libvirt.NetworkEventStopped)
	return struct{}{}, nil
}

func (d *Driver) NetworkUndefine(ctx context.Context, a libvirt.NetworkUndefineArgs) (struct{}, error) {
	return struct{}{}, d.undefine(ctx, a.Net)
}

// xmlInactive is VIR_NETWORK_XML_INACTIVE.
const xmlInactive = uint32(libvirt.NetworkXMLInactive)

func (d *Driver) NetworkGetXMLDesc(ctx context.Context, a libvirt.NetworkGetXMLDescArgs) (libvirt.NetworkGetXMLDescRet, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(xmlInactive), remote.NetworkGetXMLDesc); err != nil {
		return libvirt.NetworkGetXMLDescRet{}, err
	}
	d.mu.Lock()
	n, err := d.get(a.Net)
	if err != nil {
		d.mu.Unlock()
		return libvirt.NetworkGetXMLDescRet{}, err
	}
	def := n.def
	if a.Flags&xmlInactive != 0 && n.newDef != nil {
		def = n.newDef
	}
	var ports map[string]*libvirtxml.NetworkPort
	if n.active && a.Flags&xmlInactive == 0 {
		ports = maps.Clone(n.ports)
	}
	d.mu.Unlock()
	s, err := formatLive(def, ports)
	if err != nil {
		return libvirt.NetworkGetXMLDescRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNetwork, "%v", err)
	}
	return libvirt.NetworkGetXMLDescRet{XML: s}, nil
}

func (d *Driver) NetworkGetBridgeName(ctx context.Context, a libvirt.NetworkGetBridgeNameArgs) (libvirt.NetworkGetBridgeNameRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.get(a.Net)
	if err != nil {
		return libvirt.NetworkGetBridgeNameRet{}, err
	}
	if bridgeOf(n.def) == "" {
		return libvirt.NetworkGetBridgeNameRet{}, internalErr("network '%s' does not have a bridge name.", n.def.Name)
	}
	return libvirt.NetworkGetBridgeNameRet{Name: n.def.Bridge.Name}, nil
}

func (d *Driver) NetworkGetAutostart(ctx context.Context, a libvirt.NetworkGetAutostartArgs) (libvirt.NetworkGetAutostartRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.get(a.Net)
	if err != nil {
		return libvirt.NetworkGetAutostartRet{}, err
	}
	return libvirt.NetworkGetAutostartRet{Autostart: b2i(n.autostart)}, nil
}

func (d *Driver) NetworkSetAutostart(ctx context.Context, a libvirt.NetworkSetAutostartArgs) (struct{}, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.get(a.Net)
	if err != nil {
		return struct{}{}, err
	}
	if !n.persistent {
		return struct{}{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "cannot set autostart for transient network")
	}
	on := a.Autostart != 0
	if on != n.autostart {
		if err := d.setAutostartLink(n.def.Name, on); err != nil {
			return struct{}{}, err
		}
		n.autostart = on
	}
	return struct{}{}, nil
}

func (d *Driver) NetworkIsActive(ctx context.Context, a libvirt.NetworkIsActiveArgs) (libvirt.NetworkIsActiveRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.get(a.Net)
	if err != nil {
		return libvirt.NetworkIsActiveRet{}, err
	}
	return libvirt.NetworkIsActiveRet{Active: b2i(n.active)}, nil
}

func (d *Driver) NetworkIsPersistent(ctx context.Context, a libvirt.NetworkIsPersistentArgs) (libvirt.NetworkIsPersistentRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.get(a.Net)
	if err != nil {
		return libvirt.NetworkIsPersistentRet{}, err
	}
	return libvirt.NetworkIsPersistentRet{Persistent: b2i(n.persistent)}, nil
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
