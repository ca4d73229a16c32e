package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// networkPorts plugs interfaces of type 'network' into their network through the
// network driver's ports, as libvirt's QEMU driver does: a port per interface, owned by
// the guest, naming the bridge the tap joins; the port is deleted when the guest stops.
type networkPorts interface {
	// Plug creates a port on network for the interface with mac of the guest
	// name/uuid and returns the bridge to attach the tap to and the port's UUID.
	Plug(ctx context.Context, network, name string, uuid libvirt.UUID, mac string) (bridge, port string, err error)
	// Unplug deletes the port.
	Unplug(ctx context.Context, network, port string) error
}

// connector opens a connection to another driver (driver.Env.Connect).
type connector interface {
	Connect(ctx context.Context, scheme string) (rpc.Caller, error)
}

// portClient speaks to the network driver with the REMOTE procedures libvirt's own
// virtqemud uses (NETWORK_PORT_CREATE_XML and friends): over virtnetworkd's socket
// from virtqemud, in-process in libvirtd.
type portClient struct{ conns connector }

func (p portClient) network(ctx context.Context, name string) (rpc.Caller, libvirt.Network, error) {
	c, err := p.conns.Connect(ctx, "network")
	if err != nil {
		return nil, libvirt.Network{}, err
	}
	var ret libvirt.NetworkLookupByNameRet
	if err := c.Call(ctx, remote.Program, int32(remote.NetworkLookupByName), libvirt.NetworkLookupByNameArgs{Name: name}, &ret); err != nil {
		return nil, libvirt.Network{}, err
	}
	return c, ret.Net, nil
}

func (p portClient) Plug(ctx context.Context, network, name string, uuid libvirt.UUID, mac string) (string, string, error) {
	c, net, err := p.network(ctx, network)
	if err != nil {
		return "", "", err
	}
	port := libvirtxml.NetworkPort{
		UUID:  formatUUID(newUUID()),
		Owner: &libvirtxml.NetworkPortOwner{Name: name, UUID: formatUUID(uuid)},
		MAC:   &libvirtxml.NetworkPortMAC{Address: mac},
	}
	doc, err := port.Marshal()
	if err != nil {
		return "", "", err
	}
	var created libvirt.NetworkPortCreateXMLRet
	if err := c.Call(ctx, remote.Program, int32(remote.NetworkPortCreateXML),
		libvirt.NetworkPortCreateXMLArgs{OptNetwork: net, XML: doc}, &created); err != nil {
		return "", "", err
	}
	var desc libvirt.NetworkPortGetXMLDescRet
	if err := c.Call(ctx, remote.Program, int32(remote.NetworkPortGetXMLDesc),
		libvirt.NetworkPortGetXMLDescArgs{Port: created.Port}, &desc); err != nil {
		return "", "", err
	}
	var got libvirtxml.NetworkPort
	if err := got.Unmarshal(desc.XML); err != nil {
		return "", "", virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "cannot parse network port XML: %v", err)
	}
	switch {
	case got.Plug != nil && got.Plug.Network != nil:
		return got.Plug.Network.Bridge, port.UUID, nil
	case got.Plug != nil && got.Plug.Bridge != nil:
		return got.Plug.Bridge.Bridge, port.UUID, nil
	}
	p.Unplug(ctx, network, port.UUID)
	return "", "", unsupported("network '%s' gives ports no bridge to plug a tap into", network)
}

func (p portClient) Unplug(ctx context.Context, network, port string) error {
	c, net, err := p.network(ctx, network)
	if err != nil {
		return err
	}
	u, err := parseUUID(port)
	if err != nil {
		return err
	}
	return c.Call(ctx, remote.Program, int32(remote.NetworkPortDelete),
		libvirt.NetworkPortDeleteArgs{Port: libvirt.NetworkPort{Net: net, UUID: u}}, nil)
}

// unplugAll deletes the ports of a guest's interfaces of type 'network', as recorded
// in its live definition (source portid). Failures are logged: a port the network
// already forgot (it was restarted) is not worth failing a stop for.
func (d *Driver) unplugAll(ctx context.Context, name string, live *libvirtxml.Domain) {
	if live == nil || live.Devices == nil {
		return
	}
	for _, nic := range live.Devices.Interfaces {
		src := nic.Source
		if src == nil || src.Network == nil || src.Network.PortID == "" {
			continue
		}
		if err := d.networks.Unplug(ctx, src.Network.Network, src.Network.PortID); err != nil {
			d.log.Warn("cannot delete network port", "domain", name, "network", src.Network.Network, "port", src.Network.PortID, "err", err)
		}
	}
}
