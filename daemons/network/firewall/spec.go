package firewall

import "net/netip"

// Spec is what a network's rules depend on.
type Spec struct {
	// Tag identifies the network's rules (a comment on each); unique per network.
	Tag string
	// Bridge is the network's bridge, for messages; its rules match it by index
	// (libvirt's "iif"), so it must exist before Apply.
	Bridge      string
	BridgeIndex int
	// Mode is the forward mode: "" (isolated), "nat", "route" or "open" (no rules).
	Mode string
	// ForwardDev restricts forwarding to one host interface (<forward dev=>).
	ForwardDev string
	// Nets are the networks of the bridge's addresses.
	Nets []netip.Prefix
	// NATIPv6 masquerades IPv6 too (<nat ipv6='yes'>); otherwise IPv6 is routed.
	NATIPv6 bool
	// NATStart..NATEnd is the SNAT address range (<nat><address>); zero: masquerade.
	NATStart, NATEnd netip.Addr
	// PortStart..PortEnd is the source port range of NATed TCP and UDP (<nat><port>);
	// zero: 1024-65535, as libvirt.
	PortStart, PortEnd uint16
	// IPv6Isolated adds the IPv6 guest-to-guest rules even without IPv6 addresses
	// (<network ipv6='yes'>).
	IPv6Isolated bool
}

// Removal identifies the rules Apply added.
type Removal struct {
	Tag   string `json:"tag"`
	Rules []Rule `json:"rules"`
}

// Rule is one installed rule.
type Rule struct {
	Family string `json:"family"` // "ip" or "ip6"
	Chain  string `json:"chain"`
	Handle uint64 `json:"handle"`
}
