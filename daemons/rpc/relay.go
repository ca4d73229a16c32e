package rpc

import (
	"bufio"
	"net"
)

// Relay hands the client's traffic over to backend, another libvirt daemon already
// opened on the client's behalf: from now on every packet the client sends (keepalive
// aside, which this server keeps answering) goes to backend unchanged, and every packet
// backend sends goes to the client unchanged. Serials, streams and events thus pass
// through without the server decoding them. When either side closes, both are closed.
// r reads backend, including anything already buffered from it.
//
// The caller is the handler of the call that opened the backend (CONNECT_OPEN); its
// own reply is written before any relayed packet, since the client sends nothing else
// until it has that reply.
func (c *Client) Relay(backend net.Conn, r *bufio.Reader) {
	c.relay.Store(&backend)
	go func() {
		defer backend.Close()
		defer c.Close()
		for {
			pkt, err := ReadPacket(r, MaxMessage)
			if err != nil {
				return
			}
			c.writePaced(pkt.Raw)
		}
	}()
	go func() {
		<-c.closed
		backend.Close()
	}()
}
