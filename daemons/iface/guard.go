package iface

import (
	"net"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// FlagForce lets iface-start, iface-destroy and iface-rollback change the interface
// that carries the host's default route. libvirt defines no flags for these calls;
// this is virtunit's, from the top of the word, which libvirt does not assign. virsh
// cannot pass it; API users can (python: iface.destroy(1 << 31)).
const FlagForce = 1 << 31

// routeLinks names the links the host's default routes (IPv4 and IPv6) go out of,
// multipath next hops included.
func (d *Driver) routeLinks() (map[string]net.IP, error) {
	routes, err := d.defaultRoutes()
	if err != nil {
		return nil, err
	}
	out := map[string]net.IP{}
	for _, r := range routes {
		if n := d.links.nameOf(r.LinkIndex); n != "" {
			out[n] = r.Gw
		}
		for _, h := range r.MultiPath {
			if n := d.links.nameOf(h.LinkIndex); n != "" {
				out[n] = h.Gw
			}
		}
	}
	return out, nil
}

// guard refuses a change to any of the named links that carries the default route
// unless flags has FlagForce: taking it down, moving it into a bridge or bond, or
// replacing its addresses cuts the host off the network, which is how a remote
// administrator loses the machine.
func (d *Driver) guard(names []string, verb string, flags uint32) error {
	if flags&FlagForce != 0 {
		return nil
	}
	carriers, err := d.routeLinks()
	if err != nil {
		return err
	}
	for _, n := range names {
		if gw, ok := carriers[n]; ok {
			via := ""
			if gw != nil {
				via = " via " + gw.String()
			}
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromInterface,
				"interface '%s' carries the host's default route%s; refusing to %s it, which could cut the host off the network (pass flag VIRTUNIT_INTERFACE_FORCE, 0x%x, to do it anyway)",
				n, via, verb, uint32(FlagForce))
		}
	}
	return nil
}
