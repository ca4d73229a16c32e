package network

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"

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
	if p.Bandwidth != nil || p.VLAN != nil || p.VirtualPort != nil {
		return nil, unsupported("bandwidth, vlan and virtualport of network ports are not supported by virtunit")
	}
	return p, nil
}

// plugFor is networkAllocatePort's answer for the bridge modes: the bridge a guest's
// tap must join.
func plugFor(def *libvirtxml.Network) *libvirtxml.NetworkPortPlug {
	br, mgr := def.Bridge.Name, def.Bridge.MACTableManager
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
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.get(a.OptNetwork)
	if err != nil {
		return ret, err
	}
	if !n.active {
		return ret, opInvalid("network '%s' is not active", n.def.Name)
	}
	switch {
	case p.Plug == nil && a.Flags&portReclaim != 0:
		return ret, virerror.New(libvirt.ErrInvalidArg, virerror.FromNetwork, "Port reclaim requested but plug type is none")
	case p.Plug != nil && a.Flags&portReclaim == 0:
		return ret, virerror.New(libvirt.ErrInvalidArg, virerror.FromNetwork, "Port reclaim not requested but plug type is not none")
	case p.Plug == nil:
		p.Plug = plugFor(n.def)
	}
	if _, ok := n.ports[p.UUID]; ok {
		return ret, virerror.New(libvirt.ErrNetworkPortExist, virerror.FromNetwork, "Network port with UUID %s already exists", p.UUID)
	}
	if err := d.savePort(n.def.Name, p); err != nil {
		return ret, err
	}
	n.ports[p.UUID] = p
	d.log.Info("network port created", "network", n.def.Name, "owner", p.Owner.Name, "mac", p.MAC.Address)
	return libvirt.NetworkPortCreateXMLRet{Port: portRef(n, p)}, nil
}

func portRef(n *network, p *libvirtxml.NetworkPort) libvirt.NetworkPort {
	u, _ := parseUUID(p.UUID)
	return libvirt.NetworkPort{Net: n.ref(), UUID: u}
}

// savePort keeps a port across daemon restarts (libvirt's stateDir/NET/UUID.xml).
func (d *Driver) savePort(net string, p *libvirtxml.NetworkPort) error {
	s, err := xmlstyle.Marshal(p)
	if err != nil {
		return internalErr("cannot format network port: %v", err)
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
	s, err := xmlstyle.Marshal(p)
	if err != nil {
		return libvirt.NetworkPortGetXMLDescRet{}, internalErr("cannot format network port: %v", err)
	}
	return libvirt.NetworkPortGetXMLDescRet{XML: s}, nil
}

func (d *Driver) NetworkPortDelete(ctx context.Context, a libvirt.NetworkPortDeleteArgs) (struct{}, error) {
	if err := remote.CheckFlags(uint32(a.Flags), 0, remote.NetworkPortDelete); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n, p, err := d.port(a.Port.Net, a.Port.UUID)
	if err != nil {
		return struct{}{}, err
	}
	path := filepath.Join(d.paths.portDir(n.def.Name), p.UUID+".xml")
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "Unable to delete %s: %v", path, virerror.Strerror(err))
	}
	delete(n.ports, p.UUID)
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
