package network

import (
	"context"
	"errors"
	"maps"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// The flags of virNetworkPortCreateXML.
const (
	portReclaim  = uint32(libvirt.NetworkPortCreateReclaim)
	portValidate = uint32(libvirt.NetworkPortCreateValidate)
)

// parsePort is virNetworkPortDefParseString: a port must name its UUID, its owner (the
// guest's name and UUID) and the guest's MAC.
func parsePort(doc string) (*libvirtxml.NetworkPort, error) {
	if err := checkRoot(doc, "networkport"); err != nil {
		return nil, err
	}
	p := &libvirtxml.NetworkPort{}
	if err := p.Unmarshal(doc); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromNetwork, "(networkport_definition): %v", err)
	}
	switch {
	case p.UUID == "":
		return nil, internalErr("network port has no uuid")
	case p.Owner == nil || p.Owner.Name == "":
		return nil, internalErr("network port has no owner name")
	case p.Owner.UUID == "":
		return nil, internalErr("network port has no owner UUID")
	case p.MAC == nil || p.MAC.Address == "":
		return nil, internalErr("network port has no mac")
	}
	for _, s := range []string{p.UUID, p.Owner.UUID} {
		if _, err := parseUUID(s); err != nil {
			return nil, internalErr("Unable to parse UUID '%s'", s)
		}
	}
	u, _ := parseUUID(p.UUID)
	p.UUID = formatUUID(u)
	if !confSafe(p.Owner.Name) {
		return nil, internalErr("invalid owner name in network port")
	}
	hw, err := net.ParseMAC(p.MAC.Address)
	if err != nil || len(hw) != 6 {
		return nil, internalErr("Unable to parse mac '%s'", p.MAC.Address)
	}
	p.MAC.Address = hw.String()
	if err := checkBandwidth(p.Bandwidth, bandwidthRule{allowFloor: true}); err != nil {
		return nil, err
	}
	if p.Bandwidth != nil && p.Bandwidth.Inbound == nil && p.Bandwidth.Outbound == nil {
		p.Bandwidth = nil
	}
	switch {
	case p.VLAN != nil && len(p.VLAN.Tags) > 0:
		return nil, unsupported("a VLAN tag on a network port needs an SR-IOV virtual function or Open vSwitch; virtunit supports neither")
	case p.VirtualPort != nil:
		return nil, unsupported("<virtualport> of network ports is not supported by virtunit")
	case p.PortOptions != nil && p.PortOptions.Isolated == "yes":
		return nil, unsupported("<port isolated='yes'> of network ports is not supported by virtunit")
	}
	return p, nil
}

// formatPort is virNetworkPortDefFormat: libvirtxml's order but for <group> before the
// MAC, and <bandwidth> in libvirt's attribute order.
func formatPort(p *libvirtxml.NetworkPort) (string, error) {
	c := *p
	c.Bandwidth = nil
	s, err := xmlstyle.Marshal(&c)
	if err != nil {
		return "", internalErr("cannot format network port: %v", err)
	}
	lines := strings.SplitAfter(s, "\n")
	group := ""
	for _, l := range lines {
		if strings.HasPrefix(l, "  <group>") {
			group = l
		}
	}
	var out []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "  <group>"):
			continue
		case strings.HasPrefix(l, "    <uuid>") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    <name>"):
			// <owner>: libvirt writes the name first.
			out = append(out, lines[i+1], l)
			i++
			continue
		case strings.HasPrefix(l, "  <mac "):
			out = append(out, group, l, bandwidthLines(p.Bandwidth, "  "))
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, ""), nil
}

// plugFor is networkAllocatePort's answer for the bridge modes: the bridge a guest's
// tap must join.
func plugFor(def *netDef) *libvirtxml.NetworkPortPlug {
	br, mgr := bridgeOf(def), ""
	if def.Bridge != nil {
		mgr = def.Bridge.MACTableManager
	}
	if virtual(def) {
		return &libvirtxml.NetworkPortPlug{Network: &libvirtxml.NetworkPortPlugNetwork{Bridge: br, MacTableManager: mgr}}
	}
	return &libvirtxml.NetworkPortPlug{Bridge: &libvirtxml.NetworkPortPlugBridge{Bridge: br, MacTableManager: mgr}}
}

func (d *Driver) NetworkPortCreateXML(ctx context.Context, a libvirt.NetworkPortCreateXMLArgs) (libvirt.NetworkPortCreateXMLRet, error) {
	var ret libvirt.NetworkPortCreateXMLRet
	if err := remote.CheckFlags(uint32(a.Flags), uint32(portReclaim|portValidate), remote.NetworkPortCreateXML); err != nil {
		return ret, err
	}
	p, err := parsePort(a.XML)
	if err != nil {
		return ret, err
	}
	n, err := d.lookup(a.OptNetwork)
	if err != nil {
		return ret, err
	}
	// Ports of one network are allocated one at a time (the pool's counts, the floor
	// classes); the state read here changes only under n.op.
	n.op.Lock()
	defer n.op.Unlock()
	d.mu.Lock()
	active, name := n.active, n.def.Name
	_, exists := n.ports[p.UUID]
	d.mu.Unlock()
	switch {
	case !active:
		return ret, opInvalid("network '%s' is not active", name)
	case p.Plug == nil && a.Flags&portReclaim != 0:
		return ret, virerror.New(libvirt.ErrInvalidArg, virerror.FromNetwork, "Port reclaim requested but plug type is none")
	case p.Plug != nil && a.Flags&portReclaim == 0:
		return ret, virerror.New(libvirt.ErrInvalidArg, virerror.FromNetwork, "Port reclaim not requested but plug type is not none")
	case exists:
		return ret, virerror.New(libvirt.ErrNetworkPortExist, virerror.FromNetwork, "Network port with UUID %s already exists", p.UUID)
	}
	if p.Plug != nil {
		if err := checkPlugType(n.def, p.Plug); err != nil {
			return ret, err
		}
		err = d.notifyPort(n, p)
	} else {
		err = d.allocatePort(n, p)
	}
	if err != nil {
		return ret, err
	}
	after := maps.Clone(n.ports)
	after[p.UUID] = p
	if err := d.runHook(ctx, n.def, after, p, hookPortCreated, hookBegin); err != nil {
		d.unplugFloor(n, p, n.ports)
		return ret, err
	}
	if err := d.savePort(name, p); err != nil {
		d.unplugFloor(n, p, n.ports)
		return ret, err
	}
	d.mu.Lock()
	n.ports[p.UUID] = p
	d.mu.Unlock()
	d.log.Info("network port created", "network", name, "owner", p.Owner.Name, "mac", p.MAC.Address, "plug", plugDesc(p.Plug))
	return libvirt.NetworkPortCreateXMLRet{Port: portRef(n, p)}, nil
}

// plugDesc names a port's plug for the log.
func plugDesc(p *libvirtxml.NetworkPortPlug) string {
	switch {
	case p == nil:
		return ""
	case p.Direct != nil:
		return "direct " + p.Direct.Dev + " " + p.Direct.Mode
	case p.HostDevPCI != nil:
		return "hostdev-pci"
	case p.Network != nil:
		return "network " + p.Network.Bridge
	case p.Bridge != nil:
		return "bridge " + p.Bridge.Bridge
	}
	return ""
}

func portRef(n *network, p *libvirtxml.NetworkPort) libvirt.NetworkPort {
	u, _ := parseUUID(p.UUID)
	return libvirt.NetworkPort{Net: n.ref(), UUID: u}
}

// savePort keeps a port across daemon restarts (libvirt's stateDir/NET/UUID.xml).
func (d *Driver) savePort(net string, p *libvirtxml.NetworkPort) error {
	s, err := formatPort(p)
	if err != nil {
		return err
	}
	dir := d.paths.portDir(net)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return writeErr(err, dir)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, p.UUID+".xml"), []byte(s), 0o600); err != nil {
		return writeErr(err, dir)
	}
	return nil
}

// port finds a port of an active network. Called with d.mu held.
func (d *Driver) port(ref libvirt.Network, id libvirt.UUID) (*network, *libvirtxml.NetworkPort, error) {
	n, err := d.get(ref)
	if err != nil {
		return nil, nil, err
	}
	p, ok := n.ports[formatUUID(id)]
	if !ok {
		return nil, nil, virerror.New(libvirt.ErrNoNetworkPort, virerror.FromNetwork, "Network port with UUID %s does not exist", formatUUID(id))
	}
	if !n.active {
		return nil, nil, opInvalid("network '%s' is not active", n.def.Name)
	}
	return n, p, nil
}

func (d *Driver) NetworkPortLookupByUUID(ctx context.Context, a libvirt.NetworkPortLookupByUUIDArgs) (libvirt.NetworkPortLookupByUUIDRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, p, err := d.port(a.OptNetwork, a.UUID)
	if err != nil {
		return libvirt.NetworkPortLookupByUUIDRet{}, err
	}
	return libvirt.NetworkPortLookupByUUIDRet{Port: portRef(n, p)}, nil
}

func (d *Driver) NetworkPortGetXMLDesc(ctx context.Context, a libvirt.NetworkPortGetXMLDescArgs) (libvirt.NetworkPortGetXMLDescRet, error) {
	if err := remote.CheckFlags(uint32(a.Flags), 0, remote.NetworkPortGetXMLDesc); err != nil {
		return libvirt.NetworkPortGetXMLDescRet{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, p, err := d.port(a.Port.Net, a.Port.UUID)
	if err != nil {
		return libvirt.NetworkPortGetXMLDescRet{}, err
	}
	s, err := formatPort(p)
	if err != nil {
		return libvirt.NetworkPortGetXMLDescRet{}, err
	}
	return libvirt.NetworkPortGetXMLDescRet{XML: s}, nil
}

func (d *Driver) NetworkPortDelete(ctx context.Context, a libvirt.NetworkPortDeleteArgs) (struct{}, error) {
	if err := remote.CheckFlags(uint32(a.Flags), 0, remote.NetworkPortDelete); err != nil {
		return struct{}{}, err
	}
	n, err := d.lookup(a.Port.Net)
	if err != nil {
		return struct{}{}, err
	}
	n.op.Lock()
	defer n.op.Unlock()
	d.mu.Lock()
	_, p, err := d.port(a.Port.Net, a.Port.UUID)
	d.mu.Unlock()
	if err != nil {
		return struct{}{}, err
	}
	after := maps.Clone(n.ports)
	delete(after, p.UUID)
	if err := d.unplugFloor(n, p, after); err != nil {
		return struct{}{}, err
	}
	path := filepath.Join(d.paths.portDir(n.def.Name), p.UUID+".xml")
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "Unable to delete %s: %v", path, virerror.Strerror(err))
	}
	d.mu.Lock()
	delete(n.ports, p.UUID)
	d.mu.Unlock()
	// As libvirt, a failing hook does not keep the port.
	if err := d.runHook(ctx, n.def, after, p, hookPortDeleted, hookBegin); err != nil {
		d.log.Warn("network hook failed", "network", n.def.Name, "op", hookPortDeleted, "err", err)
	}
	d.log.Info("network port deleted", "network", n.def.Name, "owner", p.Owner.Name, "mac", p.MAC.Address)
	return struct{}{}, nil
}

func (d *Driver) NetworkListAllPorts(ctx context.Context, a libvirt.NetworkListAllPortsArgs) (libvirt.NetworkListAllPortsRet, error) {
	var ret libvirt.NetworkListAllPortsRet
	if err := remote.CheckFlags(uint32(a.Flags), 0, remote.NetworkListAllPorts); err != nil {
		return ret, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.get(a.OptNetwork)
	if err != nil {
		return ret, err
	}
	if !n.active {
		return ret, opInvalid("network '%s' is not active", n.def.Name)
	}
	var ids []string
	for id := range n.ports {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ret.Ports = append(ret.Ports, portRef(n, n.ports[id]))
	}
	ret.Ret = uint32(len(ids))
	if a.NeedResults == 0 {
		ret.Ports = nil
	}
	return ret, nil
}
