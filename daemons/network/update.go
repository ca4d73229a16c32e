package network

import (
	"context"
	"encoding/xml"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// The net-update commands and sections (virNetworkUpdateCommand, virNetworkUpdateSection).
const (
	cmdModify   = uint32(libvirt.NetworkUpdateCommandModify)
	cmdDelete   = uint32(libvirt.NetworkUpdateCommandDelete)
	cmdAddLast  = uint32(libvirt.NetworkUpdateCommandAddLast)
	cmdAddFirst = uint32(libvirt.NetworkUpdateCommandAddFirst)

	affectLive   = libvirt.NetworkUpdateAffectLive
	affectConfig = libvirt.NetworkUpdateAffectConfig
)

// sectionNames name the sections virtunit cannot update, for libvirt's message.
var sectionNames = map[uint32]string{
	uint32(libvirt.NetworkSectionBridge):           "bridge",
	uint32(libvirt.NetworkSectionDomain):           "domain",
	uint32(libvirt.NetworkSectionIP):               "ip",
	uint32(libvirt.NetworkSectionForward):          "forward",
	uint32(libvirt.NetworkSectionForwardInterface): "forward interface",
	uint32(libvirt.NetworkSectionForwardPf):        "forward pf",
	uint32(libvirt.NetworkSectionPortgroup):        "portgroup",
}

// NetworkUpdate is networkUpdate. The live change applies to dnsmasq at once: host entries by
// rewriting the hosts files and SIGHUP, everything else by restarting dnsmasq.
func (d *Driver) NetworkUpdate(ctx context.Context, a libvirt.NetworkUpdateArgs) (struct{}, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(affectLive|affectConfig), remote.NetworkUpdate); err != nil {
		return struct{}{}, err
	}
	// The daemon answers VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER, so clients
	// send command and section each in its own field (older ones swapped them).
	command, section := a.Command, a.Section
	n, err := d.lookup(a.Net)
	if err != nil {
		return struct{}{}, err
	}
	n.op.Lock()
	defer n.op.Unlock()
	d.mu.Lock()
	flags := a.Flags
	if flags&(affectLive|affectConfig) == 0 {
		if n.active {
			flags |= affectLive
		} else {
			flags |= affectConfig
		}
	}
	if flags&affectLive != 0 && !n.active {
		d.mu.Unlock()
		return struct{}{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "network is not running")
	}
	if flags&affectConfig != 0 && !n.persistent {
		d.mu.Unlock()
		return struct{}{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "cannot change persistent config of a transient network")
	}
	var live, config *netDef
	if flags&affectLive != 0 {
		live, err = updatedDef(n.def, command, section, a.ParentIndex, a.XML)
	}
	if err == nil && flags&affectConfig != 0 {
		config, err = updatedDef(n.persistentDef(), command, section, a.ParentIndex, a.XML)
	}
	d.mu.Unlock()
	if err != nil {
		return struct{}{}, err
	}
	if config != nil {
		if err := d.saveConfig(config); err != nil {
			return struct{}{}, err
		}
		d.mu.Lock()
		if n.active {
			n.newDef = config
		} else {
			n.def = config
		}
		d.mu.Unlock()
	}
	if live != nil {
		if err := d.applyLive(ctx, n, live, section); err != nil {
			return struct{}{}, err
		}
	}
	return struct{}{}, nil
}

// applyLive makes live the running definition and tells dnsmasq. Called with n.op held.
func (d *Driver) applyLive(ctx context.Context, n *network, live *netDef, section uint32) error {
	d.mu.Lock()
	old := n.def
	n.def = live
	d.mu.Unlock()
	if err := d.saveStatus(live); err != nil {
		return err
	}
	if !virtual(live) {
		return nil
	}
	oldIPs, _ := ipDefs(old)
	newIPs, err := ipDefs(live)
	if err != nil {
		return err
	}
	wasUp, nowUp := needsDnsmasq(old, oldIPs), needsDnsmasq(live, newIPs)
	hostsOnly := section == uint32(libvirt.NetworkSectionIPDhcpHost) || section == uint32(libvirt.NetworkSectionDNSHost)
	ov4, _ := dhcpIPs(oldIPs)
	nv4, _ := dhcpIPs(newIPs)
	if wasUp && nowUp && hostsOnly && (ov4 == nil) == (nv4 == nil) {
		if err := d.writeDnsmasqFiles(live, true); err != nil {
			return err
		}
		return d.reloadDnsmasq(ctx, live)
	}
	return d.restartDnsmasq(ctx, live, wasUp, nowUp)
}

// updatedDef applies one net-update command to a copy of def.
func updatedDef(def *netDef, command, section uint32, parent int32, frag string) (*netDef, error) {
	c, err := cloneDef(def)
	if err != nil {
		return nil, err
	}
	switch command {
	case cmdModify, cmdDelete, cmdAddLast, cmdAddFirst:
	default:
		return nil, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNetwork, "unrecognized network update command code %d", command)
	}
	switch section {
	case uint32(libvirt.NetworkSectionIPDhcpHost):
		err = updateDHCPHost(c, command, parent, frag)
	case uint32(libvirt.NetworkSectionIPDhcpRange):
		err = updateDHCPRange(c, command, parent, frag)
	case uint32(libvirt.NetworkSectionDNSHost):
		err = updateDNSHost(c, command, frag)
	case uint32(libvirt.NetworkSectionDNSTxt):
		err = updateDNSTxt(c, command, frag)
	default:
		if name, ok := sectionNames[section]; ok {
			return nil, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNetwork, "can't update '%s' section of network '%s'", name, def.Name)
		}
		return nil, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNetwork, "can't update unrecognized section of network")
	}
	if err != nil {
		return nil, err
	}
	// The result must be a definition that would be accepted whole.
	if err := validateDef(c); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeFragment reads a net-update element, which must be <want>.
func decodeFragment(def *netDef, frag, want string, v any) error {
	d := xml.NewDecoder(strings.NewReader(frag))
	for {
		tok, err := d.Token()
		if err != nil {
			return virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromNetwork, "(network_update_xml): %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != want {
				return virerror.New(libvirt.ErrXMLError, virerror.FromNetwork, "unexpected element <%s>, expecting <%s>, while updating network '%s'", se.Name.Local, want, def.Name)
			}
			break
		}
	}
	if err := xml.Unmarshal([]byte(frag), v); err != nil {
		return virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromNetwork, "(network_update_xml): %v", err)
	}
	return nil
}

// ipForUpdate is virNetworkIPDefByIndex: the <ip> at parent, or with -1 the one that
// has DHCP, else the first IPv4, else the first IPv6 one.
func ipForUpdate(def *netDef, parent int32) (*libvirtxml.NetworkIP, *ipDef, error) {
	ips, err := ipDefs(def)
	if err != nil {
		return nil, nil, err
	}
	pick := -1
	switch {
	case parent >= 0:
		if int(parent) >= len(ips) {
			return nil, nil, virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "couldn't update dhcp host entry - no <ip> element found at index %d in network '%s'", parent, def.Name)
		}
		pick = int(parent)
	default:
		for i := range ips {
			if ips[i].dhcp() {
				pick = i
				break
			}
		}
		for i := range ips {
			if pick < 0 && ips[i].v4() {
				pick = i
			}
		}
		if pick < 0 && len(ips) > 0 {
			pick = 0
		}
	}
	if pick < 0 {
		return nil, nil, virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "couldn't update dhcp host entry - no <ip> element found in network '%s'", def.Name)
	}
	return &def.IPs[pick], &ips[pick], nil
}

// checkMultiDHCP refuses DHCP on a second address of a family.
func checkMultiDHCP(def *netDef, x *libvirtxml.NetworkIP, ip *ipDef) error {
	ips, _ := ipDefs(def)
	for i := range ips {
		if &def.IPs[i] != x && ips[i].v4() == ip.v4() && ips[i].dhcp() {
			fam := "IPv4"
			if !ip.v4() {
				fam = "IPv6"
			}
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "dhcp is supported only for a single %s address on each network", fam)
		}
	}
	return nil
}

func insertAt[T any](s []T, first bool, v T) []T {
	if first {
		return append([]T{v}, s...)
	}
	return append(s, v)
}
