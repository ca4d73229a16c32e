package daemon

import (
	"context"
	"fmt"
	"net"
	"time"
)

// listenTCP opens the listeners of a TCP or TLS service on port (a number or a
// service name): on every address when addr is empty (one socket for IPv4 and IPv6,
// as libvirt's pair of sockets for 0.0.0.0 and ::), else on each address addr
// resolves to.
func listenTCP(addr, port string, backlog int) ([]net.Listener, error) {
	var hosts []string
	if addr == "" {
		hosts = []string{""}
	} else if ip := net.ParseIP(addr); ip != nil {
		hosts = []string{addr}
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, addr)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("getaddrinfo failed for '%s': %v", addr, err)
		}
		for _, ip := range ips {
			hosts = append(hosts, ip.IP.String())
		}
		if len(hosts) == 0 {
			return nil, fmt.Errorf("No addresses to bind to")
		}
	}
	var lns []net.Listener
	for _, h := range hosts {
		ln, err := net.Listen("tcp", net.JoinHostPort(h, port))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("Unable to bind to port %s: %w", port, err)
		}
		if backlog > 0 {
			setBacklog(ln, backlog)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}
