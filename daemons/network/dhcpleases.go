package network

import (
	"context"
	"net"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/network/leases"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// NetworkGetDHCPLeases is networkGetDHCPLeases: the unexpired leases of the network's lease
// file, optionally only those of one MAC.
func (d *Driver) NetworkGetDHCPLeases(ctx context.Context, a libvirt.NetworkGetDhcpLeasesArgs) (libvirt.NetworkGetDhcpLeasesRet, error) {
	var ret libvirt.NetworkGetDhcpLeasesRet
	if err := remote.CheckFlags(uint32(a.Flags), 0, remote.NetworkGetDHCPLeases); err != nil {
		return ret, err
	}
	var mac net.HardwareAddr
	if len(a.Mac) > 0 {
		var err error
		if mac, err = net.ParseMAC(a.Mac[0]); err != nil || len(mac) != 6 {
			return ret, virerror.New(libvirt.ErrInvalidMac, virerror.FromNetwork, "%s", a.Mac[0])
		}
	}
	d.mu.Lock()
	n, err := d.get(a.Net)
	if err != nil {
		d.mu.Unlock()
		return ret, err
	}
	def := n.def
	d.mu.Unlock()
	br := bridgeOf(def)
	if br == "" {
		return ret, nil
	}
	ls, err := leases.Read(d.paths.leaseFile(br), time.Now())
	if err != nil {
		return ret, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNetwork, "%v", err)
	}
	ips, _ := ipDefs(def)
	for _, l := range ls {
		if l.MAC == "" {
			return ret, internalErr("found lease without mac-address")
		}
		if mac != nil {
			if m, err := net.ParseMAC(l.MAC); err != nil || m.String() != mac.String() {
				continue
			}
		}
		v6 := strings.Contains(l.IP, ":")
		out := libvirt.NetworkDhcpLease{Iface: br, Expirytime: l.Expiry, Ipaddr: l.IP,
			Mac: opt(l.MAC), Iaid: opt(l.IAID), Hostname: opt(l.Hostname), Clientid: opt(l.ClientID)}
		if v6 {
			out.Type = int32(libvirt.IPAddrTypeIpv6)
		}
		for i := range ips {
			if ips[i].v4() != v6 {
				out.Prefix = uint32(ips[i].prefix)
				break
			}
		}
		ret.Leases = append(ret.Leases, out)
	}
	ret.Ret = uint32(len(ret.Leases))
	if a.NeedResults == 0 {
		ret.Leases = nil
	}
	return ret, nil
}

// opt is an XDR optional string: absent when empty.
func opt(s string) libvirt.OptString {
	if s == "" {
		return nil
	}
	return libvirt.OptString{s}
}
