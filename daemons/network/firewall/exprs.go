package firewall

import (
	"encoding/binary"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The expressions below are what nft compiles libvirt's rule texts to; each function is
// named for the text it stands for.

// addrOffsets are the source and destination address offsets in the network header.
func addrOffsets(fam nftables.TableFamily) (saddr, daddr, size uint32) {
	if fam == nftables.TableFamilyIPv6 {
		return 8, 24, 16
	}
	return 12, 16, 4
}

// matchAddr is "ip saddr NET" / "ip daddr NET" (op Neq: "!= NET").
func matchAddr(fam nftables.TableFamily, src bool, p netip.Prefix, op expr.CmpOp) []expr.Any {
	s, d, size := addrOffsets(fam)
	off := d
	if src {
		off = s
	}
	p = p.Masked()
	out := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: size}}
	if p.Bits() < p.Addr().BitLen() {
		mask := make([]byte, size)
		for i := 0; i < p.Bits(); i++ {
			mask[i/8] |= 0x80 >> (i % 8)
		}
		out = append(out, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: size, Mask: mask, Xor: make([]byte, size)})
	}
	return append(out, &expr.Cmp{Op: op, Register: 1, Data: p.Addr().AsSlice()})
}

// matchIf is "iif BR" / "oif BR": the interface by index.
func matchIf(in bool, index int) []expr.Any {
	key := expr.MetaKeyOIF
	if in {
		key = expr.MetaKeyIIF
	}
	return []expr.Any{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(uint32(index))},
	}
}

// matchIfname is "iifname DEV" / "oifname DEV": the interface by name, which need not
// exist yet.
func matchIfname(in bool, name string) []expr.Any {
	key := expr.MetaKeyOIFNAME
	if in {
		key = expr.MetaKeyIIFNAME
	}
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return []expr.Any{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b},
	}
}

// matchL4 is "meta l4proto tcp|udp".
func matchL4(proto byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
	}
}

// ctRelatedEstablished is "ct state related,established".
func ctRelatedEstablished() []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED),
			Xor:  make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
	}
}

func counter() expr.Any { return &expr.Counter{} }

func verdict(k expr.VerdictKind) expr.Any { return &expr.Verdict{Kind: k} }

// reject is "reject": an ICMP port unreachable of the table's family.
func reject(fam nftables.TableFamily) expr.Any {
	if fam == nftables.TableFamilyIPv6 {
		return &expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: 4} // ICMPV6_PORT_UNREACH
	}
	return &expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: 3} // ICMP_PORT_UNREACH
}

// masquerade is "masquerade [to :START-END]".
func masquerade(start, end uint16) []expr.Any {
	if start == 0 && end == 0 {
		return []expr.Any{&expr.Masq{}}
	}
	return []expr.Any{
		&expr.Immediate{Register: 1, Data: port(start)},
		&expr.Immediate{Register: 2, Data: port(end)},
		&expr.Masq{ToPorts: true, RegProtoMin: 1, RegProtoMax: 2},
	}
}

// snat is "snat to A-B[:START-END]".
func snat(fam nftables.TableFamily, a, b netip.Addr, start, end uint16) []expr.Any {
	out := []expr.Any{
		&expr.Immediate{Register: 1, Data: a.AsSlice()},
		&expr.Immediate{Register: 2, Data: b.AsSlice()},
	}
	nat := &expr.NAT{Type: expr.NATTypeSourceNAT, Family: uint32(fam), RegAddrMin: 1, RegAddrMax: 2, Specified: true}
	if start != 0 || end != 0 {
		out = append(out,
			&expr.Immediate{Register: 3, Data: port(start)},
			&expr.Immediate{Register: 4, Data: port(end)})
		nat.RegProtoMin, nat.RegProtoMax = 3, 4
	}
	return append(out, nat)
}

func port(p uint16) []byte { return binary.BigEndian.AppendUint16(nil, p) }

func join(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
