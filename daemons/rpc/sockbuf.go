package rpc

import (
	"golang.org/x/sys/unix"
)

// streamSendBuffer is the send buffer a client's unix socket gets once a stream sends
// it data (vol-download, a console). The default (net.core.wmem_default, ~208 KiB) is
// smaller than one data packet (MaxStreamChunk and its header), so every packet took
// two or three writes, the rest waiting in the poller for the client to read, and the
// client in turn read each packet in pieces, one poll(2) and read(2) a piece. With
// room for a few packets each is one write(2) here and one read(2) there, and the two
// sides no longer wait for each other packet by packet. The kernel doubles the value
// for its bookkeeping; the memory is only used while the client is behind.
const streamSendBuffer = 1 << 20

// growSendBuffer raises the client's socket send buffer to streamSendBuffer, once.
// Root may exceed net.core.wmem_max (SO_SNDBUFFORCE), as libvirtd runs; otherwise the
// kernel caps SO_SNDBUF at wmem_max, which is still no smaller than the default. Only
// unix sockets: on TCP a fixed SO_SNDBUF would turn off the kernel's own tuning.
func (c *Client) growSendBuffer() {
	if c.rd == nil || c.raw == nil {
		return
	}
	c.sndbufOnce.Do(func() {
		c.raw.Control(func(fd uintptr) {
			cur, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF)
			if err == nil && cur >= 2*streamSendBuffer {
				return
			}
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, streamSendBuffer) != nil {
				unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, streamSendBuffer)
			}
		})
	})
}
