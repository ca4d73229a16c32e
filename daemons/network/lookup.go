package network

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// get finds the network a call names, by UUID as libvirt's networkObjFromNetwork does.
// Called with d.mu held.
func (d *Driver) get(ref libvirt.Network) (*network, error) {
	for _, n := range d.nets {
		u, _ := parseUUID(n.def.UUID)
		if u == ref.UUID {
			return n, nil
		}
	}
	return nil, virerror.New(libvirt.ErrNoNetwork, virerror.FromNetwork, "no network with matching uuid '%s' (%s)", formatUUID(ref.UUID), ref.Name)
}

// lookup is get with the lock taken and released.
func (d *Driver) lookup(ref libvirt.Network) (*network, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.get(ref)
}

func (d *Driver) NetworkLookupByName(ctx context.Context, a libvirt.NetworkLookupByNameArgs) (libvirt.NetworkLookupByNameRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, ok := d.nets[a.Name]
	if !ok {
		return libvirt.NetworkLookupByNameRet{}, virerror.New(libvirt.ErrNoNetwork, virerror.FromNetwork, "no network with matching name '%s'", a.Name)
	}
	return libvirt.NetworkLookupByNameRet{Net: n.ref()}, nil
}

func (d *Driver) NetworkLookupByUUID(ctx context.Context, a libvirt.NetworkLookupByUUIDArgs) (libvirt.NetworkLookupByUUIDRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.nets {
		if n.ref().UUID == a.UUID {
			return libvirt.NetworkLookupByUUIDRet{Net: n.ref()}, nil
		}
	}
	return libvirt.NetworkLookupByUUIDRet{}, virerror.New(libvirt.ErrNoNetwork, virerror.FromNetwork, "no network with matching uuid '%s'", formatUUID(a.UUID))
}
