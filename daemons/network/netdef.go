package network

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// netDef is a network definition: libvirtxml's, plus what libvirtxml has no field for
// and libvirt's network XML carries, a portgroup's <bandwidth>.
type netDef struct {
	libvirtxml.Network
	// PortGroupBandwidth holds each portgroup's <bandwidth> by portgroup name.
	PortGroupBandwidth map[string]*libvirtxml.NetworkBandwidth `xml:"-" json:",omitempty"`
}

// portGroupBandwidth is the <bandwidth> of the named portgroup, or nil.
func (n *netDef) portGroupBandwidth(name string) *libvirtxml.NetworkBandwidth {
	return n.PortGroupBandwidth[name]
}

// portGroupsXML reads only what libvirtxml drops from <portgroup> elements.
type portGroupsXML struct {
	PortGroups []struct {
		Name      string                       `xml:"name,attr"`
		Bandwidth *libvirtxml.NetworkBandwidth `xml:"bandwidth"`
	} `xml:"portgroup"`
}

// readPortGroupBandwidth fills n.PortGroupBandwidth from the document n came from.
func readPortGroupBandwidth(n *netDef, doc string) error {
	var pg portGroupsXML
	if err := xml.Unmarshal([]byte(doc), &pg); err != nil {
		return err
	}
	for _, g := range pg.PortGroups {
		if g.Bandwidth == nil {
			continue
		}
		if n.PortGroupBandwidth == nil {
			n.PortGroupBandwidth = map[string]*libvirtxml.NetworkBandwidth{}
		}
		n.PortGroupBandwidth[g.Name] = g.Bandwidth
	}
	return nil
}

// bandwidthRule says where a <bandwidth> appears, for libvirt's parser rules
// (virNetDevBandwidthParse): only a guest interface's or a port's inbound may have a
// floor.
type bandwidthRule struct{ allowFloor bool }

// checkBandwidth applies virNetDevBandwidthParse's rules to a parsed <bandwidth> and
// drops zero values, which libvirt neither keeps apart from absent ones nor formats.
func checkBandwidth(b *libvirtxml.NetworkBandwidth, rule bandwidthRule) error {
	if b == nil {
		return nil
	}
	for _, r := range []struct {
		p   *libvirtxml.NetworkBandwidthParams
		out bool
	}{{b.Inbound, false}, {b.Outbound, true}} {
		p := r.p
		if p == nil {
			continue
		}
		if p.Average == nil && p.Floor == nil {
			return virerror.New(libvirt.ErrXMLDetail, virerror.FromNone, "Missing mandatory average or floor attributes")
		}
		if (p.Peak != nil || p.Burst != nil) && p.Average == nil {
			return bandwidthErr("'peak' and 'burst' require 'average' attribute")
		}
		if p.Floor != nil && *p.Floor != 0 {
			if r.out {
				return bandwidthErr("'floor' attribute allowed only in <inbound> element")
			}
			if !rule.allowFloor {
				return bandwidthErr("floor attribute is not supported for this config")
			}
		}
		for _, v := range []**uint{&p.Average, &p.Peak, &p.Burst, &p.Floor} {
			if *v != nil && **v == 0 {
				*v = nil
			}
		}
	}
	// An element whose values are all zero formats as nothing in libvirt.
	if empty(b.Inbound) {
		b.Inbound = nil
	}
	if empty(b.Outbound) {
		b.Outbound = nil
	}
	return nil
}

// bandwidthErr is an unsupported <bandwidth>, reported as libvirt's netdev code does.
func bandwidthErr(msg string) error {
	return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromNone, "%s", msg)
}

func empty(p *libvirtxml.NetworkBandwidthParams) bool {
	return p != nil && p.Average == nil && p.Floor == nil
}

// bandwidthLines formats a <bandwidth> as libvirt's virNetDevBandwidthFormat does, at
// the given indent: inbound then outbound, attributes average, peak, floor, burst.
func bandwidthLines(b *libvirtxml.NetworkBandwidth, indent string) string {
	if b == nil || (b.Inbound == nil && b.Outbound == nil) {
		return ""
	}
	var s strings.Builder
	s.WriteString(indent + "<bandwidth")
	if b.ClassID != 0 {
		fmt.Fprintf(&s, " classID='%d'", b.ClassID)
	}
	s.WriteString(">\n")
	for _, r := range []struct {
		name string
		p    *libvirtxml.NetworkBandwidthParams
	}{{"inbound", b.Inbound}, {"outbound", b.Outbound}} {
		if r.p == nil {
			continue
		}
		s.WriteString(indent + "  <" + r.name)
		for _, a := range []struct {
			name string
			v    *uint
		}{{"average", r.p.Average}, {"peak", r.p.Peak}, {"floor", r.p.Floor}, {"burst", r.p.Burst}} {
			if a.v != nil && *a.v != 0 {
				fmt.Fprintf(&s, " %s='%d'", a.name, *a.v)
			}
		}
		s.WriteString("/>\n")
	}
	s.WriteString(indent + "</bandwidth>\n")
	return s.String()
}

// normalizeForward is what libvirt's parser makes of <forward>: a dev attribute is the
// first pool interface and the first pool interface is the dev attribute, and a hostdev
// network says whether it is managed.
func normalizeForward(n *netDef) {
	f := n.Forward
	if f == nil {
		return
	}
	switch {
	case f.Dev != "" && len(f.Interfaces) == 0:
		f.Interfaces = []libvirtxml.NetworkForwardInterface{{Dev: f.Dev}}
	case f.Dev == "" && len(f.Interfaces) > 0 && len(f.PFs) == 0:
		f.Dev = f.Interfaces[0].Dev
	}
	if forwardMode(n) == modeHostdev {
		if strings.EqualFold(f.Managed, "yes") {
			f.Managed = "yes"
		} else {
			f.Managed = "no"
		}
	} else {
		f.Managed = ""
	}
}

// formatExtras finishes libvirtxml's output of n the way libvirt's formatter writes it:
// <forward dev> before mode, the network's <bandwidth> after <dns> and <vlan>, and each
// portgroup with its <bandwidth> and an end tag of its own.
func formatExtras(s string, n *netDef) string {
	lines := strings.SplitAfter(s, "\n")
	var out strings.Builder
	bw := bandwidthLines(n.Bandwidth, "  ")
	pending := "" // what the open portgroup still needs before its end tag
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "  <forward "):
			if d := forwardDevAttr.FindString(l); d != "" {
				l = "  <forward" + d + strings.Replace(l[len("  <forward"):], d, "", 1)
			}
		case strings.HasPrefix(l, "  <portgroup "):
			name := ""
			if m := nameAttr.FindStringSubmatch(l); m != nil {
				name = xmlUnescape(m[1])
			}
			inner := bandwidthLines(n.portGroupBandwidth(name), "    ")
			if strings.HasSuffix(l, "/>\n") {
				l = strings.TrimSuffix(l, "/>\n") + ">\n" + inner + "  </portgroup>\n"
			} else {
				pending = inner
			}
		case l == "  </portgroup>\n":
			l = pending + l
			pending = ""
		}
		if bw != "" && (strings.HasPrefix(l, "  <port ") || strings.HasPrefix(l, "  <ip") || strings.HasPrefix(l, "  <route") ||
			strings.HasPrefix(l, "  <virtualport") || strings.HasPrefix(l, "  <portgroup") || l == "</network>\n" || l == "</network>") {
			out.WriteString(bw)
			bw = ""
		}
		out.WriteString(l)
	}
	return out.String()
}

var (
	forwardDevAttr = regexp.MustCompile(` dev='[^']*'`)
	nameAttr       = regexp.MustCompile(` name='([^']*)'`)
)

// xmlUnescape undoes the escaping of an attribute value written by encoding/xml.
func xmlUnescape(s string) string {
	var v struct {
		A string `xml:"a,attr"`
	}
	if err := xml.Unmarshal([]byte("<x a='"+s+"'/>"), &v); err != nil {
		return s
	}
	return v.A
}

// formatLive is formatDef of an active network with what libvirt shows of its ports:
// the number of connections, on the network and on each pool interface in use.
func formatLive(n *netDef, ports map[string]*libvirtxml.NetworkPort) (string, error) {
	s, err := formatDef(n)
	if err != nil || len(ports) == 0 {
		return s, err
	}
	used := connections(ports)
	lines := strings.SplitAfter(s, "\n")
	lines[0] = strings.Replace(lines[0], "<network", fmt.Sprintf("<network connections='%d'", len(ports)), 1)
	inForward := false
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "  <forward"):
			inForward = !strings.HasSuffix(l, "/>\n")
		case l == "  </forward>\n":
			inForward = false
		case inForward && strings.HasPrefix(l, "    <interface "):
			if m := devAttr.FindStringSubmatch(l); m != nil {
				if c := used[poolDevice{dev: xmlUnescape(m[1])}]; c > 0 {
					lines[i] = strings.Replace(l, "/>\n", fmt.Sprintf(" connections='%d'/>\n", c), 1)
				}
			}
		}
	}
	return strings.Join(lines, ""), nil
}

var devAttr = regexp.MustCompile(` dev='([^']*)'`)
