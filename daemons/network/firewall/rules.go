package firewall

import (
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The private table and its chains (network_nftables.c's names).
const (
	tableName   = "libvirt_network"
	chainFwd    = "forward"
	chainOut    = "guest_output"
	chainIn     = "guest_input"
	chainCross  = "guest_cross"
	chainNAT    = "guest_nat"
	familyIPv4  = "ip"
	familyIPv6  = "ip6"
	multicastV4 = "224.0.0.0/24"
	multicastV6 = "ff02::/16"
	broadcastV4 = "255.255.255.255/32"
)

// rule is one rule of a network, before it is installed.
type rule struct {
	fam   nftables.TableFamily
	chain string
	exprs []expr.Any
}

func familyName(f nftables.TableFamily) string {
	if f == nftables.TableFamilyIPv6 {
		return familyIPv6
	}
	return familyIPv4
}

// rules lists a network's rules in the order libvirt inserts them (each at the head of
// its chain, so the last inserted comes first): the catch-all rules, then the rules of
// each address.
func rules(s Spec) []rule {
	br := s.BridgeIndex
	if s.Mode == "open" {
		return nil
	}
	v4, v6 := nftables.TableFamilyIPv4, nftables.TableFamilyIPv6
	var out []rule
	general := func(f nftables.TableFamily) {
		out = append(out,
			rule{f, chainOut, join(matchIf(true, br), []expr.Any{counter(), reject(f)})},
			rule{f, chainIn, join(matchIf(false, br), []expr.Any{counter(), reject(f)})},
			rule{f, chainCross, join(matchIf(true, br), matchIf(false, br), []expr.Any{counter(), verdict(expr.VerdictAccept)})},
		)
	}
	general(v4)
	hasV6 := false
	for _, p := range s.Nets {
		hasV6 = hasV6 || p.Addr().Is6()
	}
	if hasV6 || s.IPv6Isolated {
		general(v6)
	}
	for _, p := range s.Nets {
		f := v4
		if p.Addr().Is6() {
			f = v6
		}
		switch {
		case s.Mode == "nat" && (f == v4 || s.NATIPv6):
			out = append(out, masqRules(s, f, p, br)...)
		case s.Mode == "nat" || s.Mode == "route":
			out = append(out, routeRules(s, f, p, br)...)
		}
	}
	return out
}

// allowOut is "ip saddr NET iif BR [oifname DEV] counter accept".
func allowOut(s Spec, f nftables.TableFamily, p netip.Prefix, br int) rule {
	e := join(matchAddr(f, true, p, expr.CmpOpEq), matchIf(true, br))
	if s.ForwardDev != "" {
		e = join(e, matchIfname(false, s.ForwardDev))
	}
	return rule{f, chainOut, join(e, []expr.Any{counter(), verdict(expr.VerdictAccept)})}
}

func routeRules(s Spec, f nftables.TableFamily, p netip.Prefix, br int) []rule {
	// "ip daddr NET [iifname DEV] oif BR counter accept"
	in := matchAddr(f, false, p, expr.CmpOpEq)
	if s.ForwardDev != "" {
		in = join(in, matchIfname(true, s.ForwardDev))
	}
	in = join(in, matchIf(false, br), []expr.Any{counter(), verdict(expr.VerdictAccept)})
	return []rule{allowOut(s, f, p, br), {f, chainIn, in}}
}

func masqRules(s Spec, f nftables.TableFamily, p netip.Prefix, br int) []rule {
	// "[iifname DEV] oif BR ip daddr NET ct state related,established counter accept"
	var in []expr.Any
	if s.ForwardDev != "" {
		in = matchIfname(true, s.ForwardDev)
	}
	in = join(in, matchIf(false, br), matchAddr(f, false, p, expr.CmpOpEq), ctRelatedEstablished(),
		[]expr.Any{counter(), verdict(expr.VerdictAccept)})
	out := []rule{allowOut(s, f, p, br), {f, chainIn, in}}
	start, end := s.PortStart, s.PortEnd
	if start == 0 && end == 0 {
		start, end = 1024, 65535
	}
	for _, proto := range []byte{0, unix.IPPROTO_UDP, unix.IPPROTO_TCP} {
		// "[meta l4proto P] ip saddr NET ip daddr != NET [oifname DEV] counter
		// masquerade [to :PORTS]" or "... counter snat to A-B[:PORTS]"
		var e []expr.Any
		if proto != 0 {
			e = matchL4(proto)
		}
		e = join(e, matchAddr(f, true, p, expr.CmpOpEq), matchAddr(f, false, p, expr.CmpOpNeq))
		if s.ForwardDev != "" {
			e = join(e, matchIfname(false, s.ForwardDev))
		}
		e = append(e, counter())
		ps, pe := uint16(0), uint16(0)
		if proto != 0 {
			ps, pe = start, end
		}
		if s.NATStart.IsValid() && s.NATStart.Is4() == (f == nftables.TableFamilyIPv4) {
			e = join(e, snat(f, s.NATStart, s.NATEnd, ps, pe))
		} else {
			e = join(e, masquerade(ps, pe))
		}
		out = append(out, rule{f, chainNAT, e})
	}
	dests := []string{multicastV6}
	if f == nftables.TableFamilyIPv4 {
		dests = []string{broadcastV4, multicastV4}
	}
	for _, d := range dests {
		// "[oifname DEV] ip saddr NET ip daddr DEST counter return"
		var e []expr.Any
		if s.ForwardDev != "" {
			e = matchIfname(false, s.ForwardDev)
		}
		e = join(e, matchAddr(f, true, p, expr.CmpOpEq), matchAddr(f, false, netip.MustParsePrefix(d), expr.CmpOpEq),
			[]expr.Any{counter(), verdict(expr.VerdictReturn)})
		out = append(out, rule{f, chainNAT, e})
	}
	return out
}
