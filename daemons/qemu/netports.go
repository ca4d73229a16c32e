package qemu

import (
	"context"
	"time"

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
	// Plug creates a port on the interface's network for the guest name/uuid and
	// returns what the port was given: the bridge to attach a tap to, or the device
	// and mode of a macvtap, and the bandwidth to apply.
	Plug(ctx context.Context, nic *libvirtxml.DomainInterface, name string, uuid libvirt.UUID) (portPlug, error)
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

// portPlug is what a network port gives an interface.
type portPlug struct {
	port   string // the port's UUID
	bridge string // for a tap
	// direct is set for a macvtap on a device of the network's pool.
	direct *libvirtxml.NetworkPortPlugDirect
	// bandwidth is the port's, the interface's own or its portgroup's.
	bandwidth *libvirtxml.NetworkBandwidth
}

func (p portClient) Plug(ctx context.Context, nic *libvirtxml.DomainInterface, name string, uuid libvirt.UUID) (portPlug, error) {
	network := nic.Source.Network.Network
	c, net, err := p.network(ctx, network)
	if err != nil {
		return portPlug{}, err
	}
	// As virDomainNetDefActualToNetworkPort: the interface's portgroup and bandwidth
	// go with the request, and the network fills in the rest.
	port := libvirtxml.NetworkPort{
		UUID:      formatUUID(newUUID()),
		Owner:     &libvirtxml.NetworkPortOwner{Name: name, UUID: formatUUID(uuid)},
		MAC:       &libvirtxml.NetworkPortMAC{Address: nic.MAC.Address},
		Group:     nic.Source.Network.PortGroup,
		Bandwidth: portBandwidth(nic.Bandwidth),
	}
	if nic.VLan != nil && len(nic.VLan.Tags) > 0 {
		return portPlug{}, unsupported("interface %s - vlan tag not supported for this connection type", nic.MAC.Address)
	}
	doc, err := port.Marshal()
	if err != nil {
		return portPlug{}, err
	}
	var created libvirt.NetworkPortCreateXMLRet
	if err := c.Call(ctx, remote.Program, int32(remote.NetworkPortCreateXML),
		libvirt.NetworkPortCreateXMLArgs{OptNetwork: net, XML: doc}, &created); err != nil {
		return portPlug{}, err
	}
	var desc libvirt.NetworkPortGetXMLDescRet
	if err := c.Call(ctx, remote.Program, int32(remote.NetworkPortGetXMLDesc),
		libvirt.NetworkPortGetXMLDescArgs{Port: created.Port}, &desc); err != nil {
		p.Unplug(ctx, network, port.UUID)
		return portPlug{}, err
	}
	var got libvirtxml.NetworkPort
	if err := got.Unmarshal(desc.XML); err != nil {
		p.Unplug(ctx, network, port.UUID)
		return portPlug{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "cannot parse network port XML: %v", err)
	}
	out := portPlug{port: port.UUID, bandwidth: got.Bandwidth}
	switch {
	case got.Plug != nil && got.Plug.Network != nil:
		out.bridge = got.Plug.Network.Bridge
	case got.Plug != nil && got.Plug.Bridge != nil:
		out.bridge = got.Plug.Bridge.Bridge
	case got.Plug != nil && got.Plug.Direct != nil:
		out.direct = got.Plug.Direct
	case got.Plug != nil && got.Plug.HostDevPCI != nil:
		p.Unplug(ctx, network, port.UUID)
		return portPlug{}, unsupported("network '%s' gives ports an SR-IOV virtual function by PCI address (forward mode 'hostdev'); PCI passthrough is not supported by virtunit", network)
	default:
		p.Unplug(ctx, network, port.UUID)
		return portPlug{}, unsupported("network '%s' gives ports no device to plug into", network)
	}
	return out, nil
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
	d.releaseNetDevices(name, live)
	if live == nil || live.Devices == nil {
		return
	}
	var ports [][2]string
	for _, nic := range live.Devices.Interfaces {
		src := nic.Source
		if src != nil && src.Network != nil && src.Network.PortID != "" {
			ports = append(ports, [2]string{src.Network.Network, src.Network.PortID})
		}
	}
	unplug := func(ctx context.Context) {
		for _, p := range ports {
			if err := d.networks.Unplug(ctx, p[0], p[1]); err != nil {
				d.log.Warn("cannot delete network port", "domain", name, "network", p[0], "port", p[1], "err", err)
			}
		}
	}
	select {
	case <-d.up:
		unplug(ctx)
	default:
		if d.up == nil || len(ports) == 0 {
			unplug(ctx)
			return
		}
		// A guest found dead at start-up: the network driver may be this daemon's
		// own, which answers no call before every driver is up.
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			select {
			case <-d.up:
			case <-d.ctx.Done():
				return
			}
			uctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
			defer cancel()
			unplug(uctx)
		}()
	}
}
