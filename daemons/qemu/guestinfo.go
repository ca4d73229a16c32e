package qemu

import (
	"context"
	"os"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// What a guest's addresses and file systems are: virsh domifaddr (from the network's
// DHCP leases, the guest agent or the host's ARP table) and domfsinfo (the agent).

// The address sources of virDomainInterfaceAddresses.
const (
	addrLease = 0
	addrAgent = 1
	addrARP   = 2
)

// The address types (virIPAddrType).
const (
	ipv4 = 0
	ipv6 = 1
)

func (d *Driver) DomainInterfaceAddresses(ctx context.Context, a libvirt.DomainInterfaceAddressesArgs) (libvirt.DomainInterfaceAddressesRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainInterfaceAddresses"); err != nil {
		return libvirt.DomainInterfaceAddressesRet{}, err
	}
	v, err := d.runningView(a.Dom)
	if err != nil {
		return libvirt.DomainInterfaceAddressesRet{}, err
	}
	var ifaces []libvirt.DomainInterface
	switch a.Source {
	case addrLease:
		ifaces, err = d.leaseAddresses(ctx, v)
	case addrAgent:
		ifaces, err = d.agentAddresses(ctx, v)
	case addrARP:
		ifaces = arpAddresses(v)
	default:
		return libvirt.DomainInterfaceAddressesRet{}, virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromQEMU, "Unknown IP address data source %d", a.Source)
	}
	if err != nil {
		return libvirt.DomainInterfaceAddressesRet{}, err
	}
	if ifaces == nil {
		ifaces = []libvirt.DomainInterface{}
	}
	return libvirt.DomainInterfaceAddressesRet{Ifaces: ifaces}, nil
}

func (d *Driver) agentAddresses(ctx context.Context, v guestView) ([]libvirt.DomainInterface, error) {
	var got []struct {
		Name string `json:"name"`
		MAC  string `json:"hardware-address"`
		IPs  []struct {
			Type   string `json:"ip-address-type"`
			Addr   string `json:"ip-address"`
			Prefix uint32 `json:"prefix"`
		} `json:"ip-addresses"`
	}
	if err := d.agentRun(ctx, v, "guest-network-get-interfaces", nil, &got); err != nil {
		return nil, err
	}
	var out []libvirt.DomainInterface
	for _, g := range got {
		iface := libvirt.DomainInterface{Name: g.Name, Addrs: []libvirt.DomainIPAddr{}}
		if g.MAC != "" {
			iface.Hwaddr = libvirt.OptString{g.MAC}
		}
		for _, ip := range g.IPs {
			t := int32(ipv4)
			if ip.Type == "ipv6" {
				t = ipv6
			}
			iface.Addrs = append(iface.Addrs, libvirt.DomainIPAddr{Type: t, Addr: ip.Addr, Prefix: ip.Prefix})
		}
		out = append(out, iface)
	}
	return out, nil
}

// leaseAddresses asks the network driver for the leases of the guest's interfaces of
// type 'network', as libvirt's qemuDomainInterfaceAddresses does.
func (d *Driver) leaseAddresses(ctx context.Context, v guestView) ([]libvirt.DomainInterface, error) {
	var out []libvirt.DomainInterface
	for _, nic := range v.def.Devices.Interfaces {
		if nic.Source == nil || nic.Source.Network == nil || nic.MAC == nil {
			continue
		}
		c, err := d.env.Connect(ctx, "network")
		if err != nil {
			return nil, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "cannot reach the network driver: %v", err)
		}
		var net libvirt.NetworkLookupByNameRet
		if err := c.Call(ctx, remote.Program, int32(remote.NetworkLookupByName), libvirt.NetworkLookupByNameArgs{Name: nic.Source.Network.Network}, &net); err != nil {
			return nil, err
		}
		var leases libvirt.NetworkGetDhcpLeasesRet
		if err := c.Call(ctx, remote.Program, int32(remote.NetworkGetDHCPLeases),
			libvirt.NetworkGetDhcpLeasesArgs{Net: net.Net, Mac: libvirt.OptString{nic.MAC.Address}, NeedResults: 1}, &leases); err != nil {
			return nil, err
		}
		name := ""
		if nic.Target != nil {
			name = nic.Target.Dev
		}
		iface := libvirt.DomainInterface{Name: name, Hwaddr: libvirt.OptString{nic.MAC.Address}, Addrs: []libvirt.DomainIPAddr{}}
		for _, l := range leases.Leases {
			iface.Addrs = append(iface.Addrs, libvirt.DomainIPAddr{Type: l.Type, Addr: l.Ipaddr, Prefix: l.Prefix})
		}
		if len(iface.Addrs) > 0 {
			out = append(out, iface)
		}
	}
	return out, nil
}

// arpAddresses finds the guest's MACs in the host's neighbour table.
func arpAddresses(v guestView) []libvirt.DomainInterface {
	data, _ := os.ReadFile("/proc/net/arp")
	var out []libvirt.DomainInterface
	for _, nic := range v.def.Devices.Interfaces {
		if nic.MAC == nil {
			continue
		}
		name := ""
		if nic.Target != nil {
			name = nic.Target.Dev
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) >= 4 && strings.EqualFold(f[3], nic.MAC.Address) {
				out = append(out, libvirt.DomainInterface{Name: name, Hwaddr: libvirt.OptString{nic.MAC.Address},
					Addrs: []libvirt.DomainIPAddr{{Type: ipv4, Addr: f[0], Prefix: 0}}})
			}
		}
	}
	return out
}

func (d *Driver) DomainGetFsinfo(ctx context.Context, a libvirt.DomainGetFsinfoArgs) (libvirt.DomainGetFsinfoRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainGetFSInfo"); err != nil {
		return libvirt.DomainGetFsinfoRet{}, err
	}
	v, err := d.runningView(a.Dom)
	if err != nil {
		return libvirt.DomainGetFsinfoRet{}, err
	}
	type pciAddress struct {
		Domain   int `json:"domain"`
		Bus      int `json:"bus"`
		Slot     int `json:"slot"`
		Function int `json:"function"`
	}
	var got []struct {
		Name       string `json:"name"`
		Mountpoint string `json:"mountpoint"`
		Type       string `json:"type"`
		Disk       []struct {
			PCI *pciAddress `json:"pci-controller"`
			Dev string      `json:"dev"`
		} `json:"disk"`
	}
	if err := d.agentRun(ctx, v, "guest-get-fsinfo", nil, &got); err != nil {
		return libvirt.DomainGetFsinfoRet{}, err
	}
	ret := libvirt.DomainGetFsinfoRet{Info: []libvirt.DomainFsinfo{}}
	for _, fs := range got {
		info := libvirt.DomainFsinfo{Mountpoint: fs.Mountpoint, Name: fs.Name, Fstype: fs.Type, DevAliases: []string{}}
		for _, disk := range fs.Disk {
			for _, dd := range v.def.Devices.Disks {
				a, ok := addressOf(dd.Address)
				if ok && disk.PCI != nil && a.bus == disk.PCI.Bus && a.slot == disk.PCI.Slot && a.function == disk.PCI.Function {
					info.DevAliases = append(info.DevAliases, dd.Target.Dev)
				}
			}
		}
		ret.Info = append(ret.Info, info)
	}
	ret.Ret = uint32(len(ret.Info))
	return ret, nil
}

// agentShutdown asks the guest agent to power the guest off or reboot it.
func (d *Driver) agentShutdown(ctx context.Context, v guestView, reboot bool) error {
	mode := "powerdown"
	if reboot {
		mode = "reboot"
	}
	if err := d.agentRun(ctx, v, "guest-shutdown", map[string]string{"mode": mode}, nil); err != nil {
		return err
	}
	return nil
}
