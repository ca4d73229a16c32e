// Package qmp is the QEMU Machine Protocol client the QEMU driver talks to each guest
// with. It implements go-qemu's qmp.Monitor interface, so go-qemu's typed helpers can be
// layered on it, but owns its socket handling because go-qemu's SocketMonitor cannot
// keep a daemon alive for long: its 64 KiB line limit kills the reader on a large reply,
// it matches replies to commands by order rather than by id, it has no timeouts, and an
// unread event stream blocks every command.
//
// Here one reader goroutine reads lines of any size, hands replies to the command that
// carries the same id, and queues events for every subscriber without ever blocking on
// one; each command waits under a context deadline. The socket closing (QEMU exited or
// the monitor broke) ends every waiting command and closes every event stream, which is
// how the driver learns that a guest's monitor is gone.
package qmp
