// Package ifname says which strings may name a Linux network interface. The network
// driver (bridges, forward devices) and the interface driver (definitions, which are
// also file names) both check names before they reach netlink, nftables, dnsmasq's
// configuration or the disk.
package ifname

// MaxLen is the longest name the kernel takes (IFNAMSIZ less the terminating NUL).
const MaxLen = 15

// Valid reports whether s is a name the kernel accepts for an interface (its
// dev_valid_name: not empty, at most 15 bytes, not "." or "..", no '/', ':' or white
// space), with control characters refused too, so that a name is safe as a file name
// and as a value on a configuration line.
func Valid(s string) bool {
	if s == "" || len(s) > MaxLen || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '/' || c == ':' || c == 0x7f {
			return false
		}
	}
	return true
}
