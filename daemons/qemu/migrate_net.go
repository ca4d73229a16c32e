package qemu

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A migration's stream must not outlive the network it runs over. The daemon makes
// the socket it hands the source's QEMU, so it bounds it there: data the
// destination has not acknowledged for streamTimeout, or a silent peer for as long
// (TCP keepalive), breaks the connection, QEMU's write fails, and the migration
// ends failed with the guest running on. That is libvirt's keepalive bound (5 s × 6
// probes) enforced on the one connection that carries the stream, in direct
// migration as well as peer-to-peer.
const streamTimeout = 30 * time.Second

// boundedStream is a net.Dialer Control setting streamTimeout's socket options.
func boundedStream(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		ms := int(streamTimeout / time.Millisecond)
		for _, o := range []struct{ level, opt, v int }{
			{unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, ms},
			{unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1},
			{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 5},
			{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, 5},
			{unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 5},
		} {
			if err := unix.SetsockoptInt(int(fd), o.level, o.opt, o.v); err != nil && serr == nil {
				serr = err
			}
		}
	})
	if err != nil {
		return err
	}
	return serr
}
