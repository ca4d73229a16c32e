package network

import (
	"errors"
	"net"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/network/qos"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// toQoS converts a <bandwidth> for package qos.
func toQoS(b *libvirtxml.NetworkBandwidth) *qos.Bandwidth { return qos.FromXML(b) }

// floorSupported is virNetDevBandwidthSupportsFloor: floors are guaranteed through the
// class hierarchy on bridges virtunit builds.
func floorSupported(def *netDef) bool { return virtual(def) }

// floorUse recounts what libvirt keeps in a network's status file: the sum of the
// floors of its ports and the class IDs they hold.
func floorUse(ports map[string]*libvirtxml.NetworkPort) (sum uint64, ids map[uint]bool) {
	ids = map[uint]bool{}
	for _, p := range ports {
		if p.Bandwidth == nil || p.Bandwidth.ClassID == 0 {
			continue
		}
		ids[p.Bandwidth.ClassID] = true
		sum += toQoS(p.Bandwidth).In.Floor
	}
	return sum, ids
}

// checkFloor is networkCheckBandwidth: whether a port's floor can be had on the
// network, and if so the rate left for the unguaranteed class. plug is false when
// there is nothing to guarantee.
func checkFloor(def *netDef, ports map[string]*libvirtxml.NetworkPort, b *qos.Bandwidth, mac string) (plug bool, rest uint64, err error) {
	netBand := toQoS(def.Bandwidth)
	if b.HasFloor() && !floorSupported(def) {
		return false, 0, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNetwork,
			"Invalid use of 'floor' on interface with MAC address %s - 'floor' is only supported for interface type 'network' with forward type 'nat', 'route', 'open' or none", mac)
	}
	if b.HasFloor() && (netBand == nil || netBand.In == nil) {
		return false, 0, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNetwork,
			"Invalid use of 'floor' on interface with MAC address %s - network '%s' has no inbound QoS set", mac, def.Name)
	}
	if netBand == nil || netBand.In == nil || !b.HasFloor() {
		return false, 0, nil
	}
	sum, _ := floorUse(ports)
	sum += b.In.Floor
	limit, what := netBand.In.Average, "average"
	if netBand.In.Peak != 0 {
		limit, what = netBand.In.Peak, "peak"
	}
	if sum > limit {
		return false, 0, virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork,
			"Cannot plug '%s' interface into '%s' because new combined inbound floor=%d would overcommit %s=%d on network '%s'",
			mac, bridgeOf(def), sum, what, limit, def.Name)
	}
	return true, limit - sum, nil
}

// nextClassID is networkNextClassID: the smallest free class ID, 1:1 and 1:2 being the
// network's own.
func nextClassID(ids map[uint]bool) uint {
	id := uint(3)
	for ids[id] {
		id++
	}
	return id
}

// plugFloor is networkPlugBandwidth for a new port p of the active network n: its
// floor class on the bridge, and the unguaranteed class's rate lowered by it. Called
// with n.op held.
func (d *Driver) plugFloor(n *network, p *libvirtxml.NetworkPort) error {
	b := toQoS(p.Bandwidth)
	plug, rest, err := checkFloor(n.def, n.ports, b, p.MAC.Address)
	if err != nil || !plug {
		return err
	}
	_, ids := floorUse(n.ports)
	id := nextClassID(ids)
	mac, _ := net.ParseMAC(p.MAC.Address)
	br := bridgeOf(n.def)
	if err := d.qos.Plug(br, toQoS(n.def.Bandwidth), mac, b, uint32(id)); err != nil {
		d.qos.Unplug(br, uint32(id))
		if errors.Is(err, qos.ErrSession) {
			return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNone, "%v", err)
		}
		return internalErr("cannot guarantee the floor of %s on '%s': %v", p.MAC.Address, br, err)
	}
	p.Bandwidth.ClassID = id
	if err := d.qos.UpdateRate(br, 2, toQoS(n.def.Bandwidth), rest); err != nil {
		d.log.Warn("Unable to update rate for 1:2 class", "bridge", br, "err", err)
	}
	return nil
}

// unplugFloor is networkUnplugBandwidth: the port's class goes, and its floor returns
// to the unguaranteed class. ports no longer holds p. Called with n.op held.
func (d *Driver) unplugFloor(n *network, p *libvirtxml.NetworkPort, ports map[string]*libvirtxml.NetworkPort) error {
	if p.Bandwidth == nil || p.Bandwidth.ClassID == 0 {
		return nil
	}
	netBand := toQoS(n.def.Bandwidth)
	if netBand == nil || netBand.In == nil {
		d.log.Warn("Network has no bandwidth but unplug requested", "network", n.def.Name)
		return nil
	}
	br := bridgeOf(n.def)
	if err := d.qos.Unplug(br, uint32(p.Bandwidth.ClassID)); err != nil {
		return internalErr("cannot remove the floor of %s from '%s': %v", p.MAC.Address, br, err)
	}
	limit := netBand.In.Average
	if netBand.In.Peak != 0 {
		limit = netBand.In.Peak
	}
	sum, _ := floorUse(ports)
	if err := d.qos.UpdateRate(br, 2, netBand, limit-sum); err != nil {
		d.log.Warn("Unable to update rate for 1:2 class", "bridge", br, "err", err)
	}
	p.Bandwidth.ClassID = 0
	return nil
}

// setNetworkBandwidth is the end of networkStartNetworkVirtual and of
// networkStartNetworkBridge: the network's <bandwidth> on its bridge, hierarchical so
// that floors can be plugged below it.
func (d *Driver) setNetworkBandwidth(live *netDef) error {
	b := toQoS(live.Bandwidth)
	if b.Empty() {
		return nil
	}
	if err := d.qos.Set(bridgeOf(live), b, true, true); err != nil {
		if errors.Is(err, qos.ErrSession) {
			return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNone, "%v", err)
		}
		return internalErr("%v", err)
	}
	return nil
}

// clearNetworkBandwidth undoes setNetworkBandwidth; the bridge may be gone already, the
// ifb standing in for its policer is removed all the same.
func (d *Driver) clearNetworkBandwidth(live *netDef) {
	if live.Bandwidth != nil && bridgeOf(live) != "" {
		d.qos.Clear(bridgeOf(live))
	}
}
