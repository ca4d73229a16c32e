package helper

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// NetNSID identifies the calling process's network namespace (device and inode of
// /proc/self/ns/net).
func NetNSID() (string, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &st); err != nil {
		return "", fmt.Errorf("network namespace: %w", err)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino), nil
}

// checkNetNS refuses to touch interfaces and firewall rules in another network
// namespace than the daemon's: a unit manager that runs elsewhere (a test's systemd on
// the host, a misconfigured container) would otherwise build the network there.
func checkNetNS(p *Plan) error {
	if p.NetNS == "" {
		return nil
	}
	mine, err := NetNSID()
	if err != nil {
		return err
	}
	if mine != p.NetNS {
		return fmt.Errorf("network %s: refusing to run in network namespace %s, the daemon's is %s", p.Network, mine, p.NetNS)
	}
	return nil
}
