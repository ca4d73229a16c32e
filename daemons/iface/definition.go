package iface

import (
	"encoding/xml"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/ifname"
)

// The interface types of libvirt's interface XML.
const (
	typeEthernet = "ethernet"
	typeBridge   = "bridge"
	typeBond     = "bond"
	typeVLAN     = "vlan"
)

// maxDefinition bounds a definition's size; real ones are a few hundred bytes.
const maxDefinition = 1 << 20

// shape is what libvirtxml does not keep of a definition: the type attributes (it
// derives the type from the child elements) and which attributes are present at all,
// which libvirt's parser checks.
type shape struct {
	Type  *string `xml:"type,attr"`
	Name  *string `xml:"name,attr"`
	Start *struct {
		Mode string `xml:"mode,attr"`
	} `xml:"start"`
	Protocols []struct {
		Family *string `xml:"family,attr"`
		DHCP   *struct {
			PeerDNS string `xml:"peerdns,attr"`
		} `xml:"dhcp"`
	} `xml:"protocol"`
	Bridge *struct {
		STP     *string `xml:"stp,attr"`
		Members []shape `xml:"interface"`
	} `xml:"bridge"`
	Bond *struct {
		Mode    *string `xml:"mode,attr"`
		Members []shape `xml:"interface"`
		MII     *struct {
			Freq    *string `xml:"freq,attr"`
			Carrier *string `xml:"carrier,attr"`
		} `xml:"miimon"`
		ARP *struct {
			Interval *string `xml:"interval,attr"`
			Target   *string `xml:"target,attr"`
			Validate *string `xml:"validate,attr"`
		} `xml:"arpmon"`
	} `xml:"bond"`
	VLAN *struct {
		Tag    *string `xml:"tag,attr"`
		Parent *struct {
			Name *string `xml:"name,attr"`
		} `xml:"interface"`
	} `xml:"vlan"`
}

// parseDefinition reads an interface definition and checks it as libvirt's
// virInterfaceDefParseString does, with libvirt's messages, plus what applying it
// needs: valid Linux interface names, VLAN tags and IP addresses.
func parseDefinition(doc string) (*libvirtxml.Interface, error) {
	if len(doc) > maxDefinition {
		return nil, xmlError("interface definition of %d bytes is larger than %d", len(doc), maxDefinition)
	}
	if err := checkWellFormed(doc); err != nil {
		return nil, err
	}
	var s shape
	if err := xml.Unmarshal([]byte(doc), &s); err != nil {
		return nil, xmlError("%v", err)
	}
	if err := s.check(""); err != nil {
		return nil, err
	}
	def := &libvirtxml.Interface{}
	if err := def.Unmarshal(doc); err != nil {
		return nil, xmlError("%v", err)
	}
	if err := s.sameTypes(def); err != nil {
		return nil, err
	}
	if def.MTU != nil && def.MTU.Size > 100000 {
		return nil, xmlError("value of the 'size' attribute of 'mtu' element must be at most 100000")
	}
	if def.VLAN != nil && (def.VLAN.Tag == nil || *def.VLAN.Tag > 4095) {
		return nil, xmlError("vlan tag must be between 0 and 4095")
	}
	for _, p := range def.Protocol {
		for _, ip := range p.IPs {
			if err := checkIP(p.Family, ip); err != nil {
				return nil, err
			}
		}
		for _, r := range p.Route {
			if ip := net.ParseIP(r.Gateway); ip == nil || (ip.To4() != nil) != (p.Family == "ipv4") {
				return nil, xmlError("invalid %s gateway '%s'", p.Family, r.Gateway)
			}
		}
	}
	return def, nil
}

// checkWellFormed reads the document's tokens: a syntax error is libvirt's
// VIR_ERR_XML_DETAIL with the line, a root other than <interface> its XML_ERROR.
func checkWellFormed(doc string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return virerror.New(libvirt.ErrXMLDetail, virerror.FromInterface, "(interface_definition):%d: %s", se.Line, se.Msg)
		}
		if err != nil {
			return virerror.New(libvirt.ErrXMLDetail, virerror.FromInterface, "(interface_definition): %v", err)
		}
		if st, ok := tok.(xml.StartElement); ok && root == "" {
			root = st.Name.Local
		}
	}
	if root == "" {
		return virerror.New(libvirt.ErrXMLDetail, virerror.FromInterface, "(interface_definition):1: Document is empty")
	}
	if root != "interface" {
		return xmlError("expecting root element of 'interface', not '%s'", root)
	}
	return nil
}

// check validates a definition as virInterfaceDefParseXML: parent is the type of the
// enclosing interface ("" at the top), which limits what this one may be.
func (s *shape) check(parent string) error {
	if s.Type == nil {
		return xmlError("Missing required attribute 'type' in element 'interface'")
	}
	typ := *s.Type
	switch typ {
	case typeEthernet, typeBridge, typeBond, typeVLAN:
	default:
		return xmlError("Invalid value for attribute 'type' in element 'interface': '%s'.", typ)
	}
	switch {
	case parent == typeBond && typ != typeEthernet,
		parent == typeBridge && typ == typeBridge,
		parent == typeEthernet, parent == typeVLAN:
		return xmlError("interface has unsupported type '%s'", typ)
	}
	if s.Name == nil {
		return xmlError("interface has no name")
	}
	if err := checkName(*s.Name); err != nil {
		return err
	}
	if parent == "" {
		if s.Start != nil {
			switch s.Start.Mode {
			case "onboot", "hotplug", "none":
			default:
				return xmlError("unknown interface startmode %s", s.Start.Mode)
			}
		}
		for _, p := range s.Protocols {
			if p.Family == nil {
				return xmlError("protocol misses the family attribute")
			}
			if *p.Family != "ipv4" && *p.Family != "ipv6" {
				return xmlError("unsupported protocol family '%s'", *p.Family)
			}
		}
	}
	switch typ {
	case typeBridge:
		return s.checkBridge()
	case typeBond:
		return s.checkBond()
	case typeVLAN:
		return s.checkVLAN()
	}
	return nil
}

func (s *shape) checkBridge() error {
	b := s.Bridge
	if b == nil {
		return xmlError("bridge interface misses the bridge element")
	}
	if b.STP != nil && *b.STP != "on" && *b.STP != "off" {
		return xmlError("bridge interface stp should be on or off got %s", *b.STP)
	}
	for i := range b.Members {
		if err := b.Members[i].check(typeBridge); err != nil {
			return err
		}
	}
	return nil
}

// bondModes are the bonding modes libvirt's XML names, in the kernel's numbering.
var bondModes = []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"}

func (s *shape) checkBond() error {
	b := s.Bond
	if b == nil {
		return xmlError("bond interface misses the bond element")
	}
	if b.Mode != nil && !contains(bondModes, *b.Mode) {
		return xmlError("unknown bonding mode %s", *b.Mode)
	}
	switch {
	case b.MII != nil:
		// A frequency (or interval) of 0 turns monitoring off, which the XML says by
		// leaving the element out.
		if b.MII.Freq == nil || !isPositive(*b.MII.Freq) {
			return xmlError("bond interface miimon freq missing or invalid")
		}
		if b.MII.Carrier != nil && *b.MII.Carrier != "ioctl" && *b.MII.Carrier != "netif" {
			return xmlError("unknown mii bonding carrier %s", *b.MII.Carrier)
		}
	case b.ARP != nil:
		if b.ARP.Interval == nil || !isPositive(*b.ARP.Interval) {
			return xmlError("bond interface arpmon interval missing or invalid")
		}
		if b.ARP.Target == nil {
			return xmlError("bond interface arpmon target missing")
		}
		for _, t := range strings.Fields(strings.ReplaceAll(*b.ARP.Target, ",", " ")) {
			if ip := net.ParseIP(t); ip == nil || ip.To4() == nil {
				return xmlError("invalid bond arpmon target '%s'", t)
			}
		}
		if v := b.ARP.Validate; v != nil && *v != "active" && *v != "backup" && *v != "all" {
			return xmlError("unknown arp bonding validate %s", *v)
		}
	}
	for i := range b.Members {
		if err := b.Members[i].check(typeBond); err != nil {
			return err
		}
	}
	return nil
}

func (s *shape) checkVLAN() error {
	v := s.VLAN
	if v == nil {
		return xmlError("vlan interface misses the vlan element")
	}
	if v.Tag == nil {
		return xmlError("vlan interface misses the tag attribute")
	}
	if v.Parent == nil || v.Parent.Name == nil {
		return xmlError("vlan interface misses name attribute")
	}
	return checkName(*v.Parent.Name)
}

// checkName refuses what the kernel refuses as an interface name (dev_valid_name): it
// is also a file name under the definitions directory.
func checkName(name string) error {
	if !ifname.Valid(name) {
		return xmlError("interface name '%s' is not a valid Linux interface name", name)
	}
	return nil
}

func checkIP(family string, ip libvirtxml.InterfaceIP) error {
	a := net.ParseIP(ip.Address)
	bits := 32
	if family == "ipv6" {
		bits = 128
	}
	if a == nil || (a.To4() != nil) != (bits == 32) {
		return xmlError("invalid %s address '%s'", family, ip.Address)
	}
	if ip.Prefix > uint(bits) {
		return xmlError("invalid prefix %d for address '%s'", ip.Prefix, ip.Address)
	}
	return nil
}

func xmlError(format string, args ...any) error {
	return virerror.New(libvirt.ErrXMLError, virerror.FromInterface, format, args...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isPositive accepts a decimal integer above zero that fits 32 bits.
func isPositive(s string) bool {
	n, err := strconv.ParseUint(s, 10, 32)
	return err == nil && n > 0
}

// sameTypes keeps of each interface only the details of its type attribute, as
// libvirt's virInterfaceDefParseXML reads only those: libvirtxml goes by the element,
// and would create a type='vlan' with a <bridge> inside as a bridge. virsh
// iface-unbridge relies on it, defining the former port from the bridge's XML with
// its <bridge> element left in.
func (s *shape) sameTypes(def *libvirtxml.Interface) error {
	t := *s.Type
	if t != typeBond {
		def.Bond = nil
	}
	if t != typeBridge {
		def.Bridge = nil
	}
	if t != typeVLAN {
		def.VLAN = nil
	}
	if got := interfaceType(def); got != t {
		return xmlError("interface '%s' of type '%s' lacks its <%s> element", def.Name, t, t)
	}
	var members []shape
	var defs []libvirtxml.Interface
	switch {
	case s.Bridge != nil && def.Bridge != nil:
		members, defs = s.Bridge.Members, def.Bridge.Interfaces
	case s.Bond != nil && def.Bond != nil:
		members, defs = s.Bond.Members, def.Bond.Interfaces
	}
	for i := range members {
		if i < len(defs) {
			if err := members[i].sameTypes(&defs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// interfaceType is the type of a definition, derived as libvirtxml marshals it.
func interfaceType(def *libvirtxml.Interface) string {
	switch {
	case def.Bond != nil:
		return typeBond
	case def.Bridge != nil:
		return typeBridge
	case def.VLAN != nil:
		return typeVLAN
	}
	return typeEthernet
}
