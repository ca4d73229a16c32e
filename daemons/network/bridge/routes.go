package bridge

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// RouteInUse is libvirt's networkCheckRouteCollision: it returns the interface of an
// IPv4 route whose destination and netmask equal p's (another network, or the host's own
// LAN, already owns the subnet), or "" when there is none. It reads /proc/net/route, the
// calling process's network namespace, as libvirt does.
func RouteInUse(p netip.Prefix) (string, error) {
	if !p.Addr().Is4() {
		return "", nil
	}
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return "", fmt.Errorf("read routes: %w", err)
	}
	defer f.Close()
	return routeInUse(f, p)
}

func routeInUse(f *os.File, p netip.Prefix) (string, error) {
	want := p.Masked()
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		fields := strings.Fields(sc.Text())
		if first || len(fields) < 8 {
			continue
		}
		dst, err1 := hexAddr(fields[1])
		mask, err2 := hexAddr(fields[7])
		if err1 != nil || err2 != nil {
			continue
		}
		ones := 0
		for m := binary.BigEndian.Uint32(mask[:]); m&0x80000000 != 0; m <<= 1 {
			ones++
		}
		got := netip.PrefixFrom(netip.AddrFrom4(dst), ones).Masked()
		if got == want {
			return fields[0], nil
		}
	}
	return "", sc.Err()
}

// hexAddr reads /proc/net/route's host-order hex address.
func hexAddr(s string) ([4]byte, error) {
	var a [4]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return a, fmt.Errorf("bad route address %q", s)
	}
	// /proc/net/route prints the in-memory (network order) word as a little-endian
	// number, so the bytes come out reversed.
	a[0], a[1], a[2], a[3] = b[3], b[2], b[1], b[0]
	return a, nil
}
