package network

import (
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// The forward modes virtunit realizes. "" is an isolated network (no <forward>).
const (
	modeIsolated = ""
	modeNAT      = "nat"
	modeRoute    = "route"
	modeOpen     = "open"
	modeBridge   = "bridge"
)

// dnsmasqNS is the namespace of <dnsmasq:options>, verbatim dnsmasq config lines.
const dnsmasqNS = "http://libvirt.org/schemas/network/dnsmasq/1.0"

// parseDef reads a network definition as virNetworkDefParseString does: XML syntax, the
// root element, then every rule of validateDef, and gives it a UUID when it has none.
// Defaults that depend on other networks (the bridge name) are the driver's business.
func parseDef(doc string) (*netDef, error) {
	if err := checkRoot(doc, "network"); err != nil {
		return nil, err
	}
	n := &netDef{}
	if err := n.Unmarshal(doc); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromNetwork, "(network_definition): %v", err)
	}
	if err := readPortGroupBandwidth(n, doc); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromNetwork, "(network_definition): %v", err)
	}
	if n.UUID == "" {
		n.UUID = newUUID()
	} else if u, err := parseUUID(n.UUID); err != nil {
		return nil, virerror.New(libvirt.ErrInternalError, virerror.FromNetwork, "malformed uuid element")
	} else {
		n.UUID = formatUUID(u)
	}
	if err := validateDef(n); err != nil {
		return nil, err
	}
	normalizeDef(n)
	return n, nil
}

// checkRoot fails unless doc is well-formed XML whose root element is want.
func checkRoot(doc, want string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromNetwork, "(%s_definition): %v", want, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != want {
				return virerror.New(libvirt.ErrXMLError, virerror.FromNetwork, "unexpected root element <%s>, expecting <%s>", se.Name.Local, want)
			}
			// The rest must be well-formed too: decode it to its end.
			if err := d.Skip(); err != nil {
				return virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromNetwork, "(%s_definition): %v", want, err)
			}
			return nil
		}
	}
}

// forwardMode is the network's forward mode, "" for an isolated one; a <forward>
// without mode is NAT, as in libvirt.
func forwardMode(n *netDef) string {
	if n.Forward == nil {
		return modeIsolated
	}
	if n.Forward.Mode == "" {
		return modeNAT
	}
	return n.Forward.Mode
}

// virtual reports whether virtunit builds the network's bridge itself: the L3 modes,
// not bridge (a host bridge or a macvtap pool), the macvtap modes or hostdev.
func virtual(n *netDef) bool {
	switch forwardMode(n) {
	case modeIsolated, modeNAT, modeRoute, modeOpen:
		return true
	}
	return false
}

// normalizeDef fills in what libvirt shows in dumpxml even when the definition left it
// out: the forward mode, STP and delay of a bridge the driver creates, the bridge MAC.
func normalizeDef(n *netDef) {
	if n.Forward != nil && n.Forward.Mode == "" {
		n.Forward.Mode = modeNAT
	}
	normalizeForward(n)
	if !virtual(n) {
		return
	}
	if n.Bridge == nil {
		n.Bridge = &libvirtxml.NetworkBridge{}
	}
	if n.Bridge.STP != "off" {
		n.Bridge.STP = "on"
	}
	if n.Bridge.Delay == "" {
		n.Bridge.Delay = "0"
	}
	if n.MAC == nil || n.MAC.Address == "" {
		n.MAC = &libvirtxml.NetworkMAC{Address: newMAC()}
	}
}

// newMAC is virNetworkSetBridgeMacAddr's address: libvirt's 52:54:00 prefix, random
// rest.
func newMAC() string {
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2])
}

// formatDef writes a definition as libvirt's dumpxml does. <dnsmasq:options> keeps its
// prefix, which encoding/xml cannot produce; <bandwidth> is written by hand for its
// attribute order and portgroups' (formatExtras).
func formatDef(n *netDef) (string, error) {
	c := *n
	opts := c.DnsmasqOptions
	c.DnsmasqOptions = nil
	c.Bandwidth = nil
	s, err := xmlstyle.Marshal(&c.Network)
	if err != nil {
		return "", fmt.Errorf("format network %s: %w", n.Name, err)
	}
	s = formatExtras(libvirtOrder(s), n)
	if opts == nil || len(opts.Option) == 0 {
		return s, nil
	}
	var b strings.Builder
	b.WriteString("  <dnsmasq:options>\n")
	for _, o := range opts.Option {
		b.WriteString("    <dnsmasq:option value='" + xmlEscape(o.Value) + "'/>\n")
	}
	b.WriteString("  </dnsmasq:options>\n")
	s = strings.Replace(s, "<network", "<network xmlns:dnsmasq='"+dnsmasqNS+"'", 1)
	i := strings.LastIndex(s, "</network>")
	return s[:i] + b.String() + s[i:], nil
}

// libvirtOrder fixes what libvirtxml orders differently from libvirt's formatter:
// family is the first attribute of <ip> (and an <ip> without children gets its end tag
// on its own line), <tftp> comes before <dhcp>, an SRV record's domain follows its
// protocol.
func libvirtOrder(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "  <ip "):
			if f := familyAttr.FindString(l); f != "" {
				l = "  <ip" + f + strings.Replace(l[len("  <ip"):], f, "", 1)
			}
			if strings.HasSuffix(l, "/>\n") {
				l = strings.TrimSuffix(l, "/>\n") + ">\n  </ip>\n"
			}
			lines[i] = l
		case strings.HasPrefix(l, "    <tftp "):
			// Move it up to just after its <ip> line.
			j := i
			for j > 0 && !strings.HasPrefix(lines[j-1], "  <ip") {
				lines[j] = lines[j-1]
				j--
			}
			lines[j] = l
		case strings.HasPrefix(l, "    <srv "):
			if d := domainAttr.FindString(l); d != "" {
				l = strings.Replace(l, d, "", 1)
				if p := protocolAttr.FindStringIndex(l); p != nil {
					l = l[:p[1]] + d + l[p[1]:]
				}
				lines[i] = l
			}
		}
	}
	return strings.Join(lines, "")
}

var (
	domainAttr   = regexp.MustCompile(` domain='[^']*'`)
	protocolAttr = regexp.MustCompile(` protocol='[^']*'`)
)

var familyAttr = regexp.MustCompile(` family='[^']*'`)

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }

// cloneDef deep-copies a definition, so live and persistent definitions never share
// slices. The JSON round trip cannot fail for libvirtxml's plain data types; an error
// would mean a new field type, and is reported rather than hidden.
func cloneDef(n *netDef) (*netDef, error) {
	b, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("copy network %s: %w", n.Name, err)
	}
	c := &netDef{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("copy network %s: %w", n.Name, err)
	}
	return c, nil
}
