package rpc

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// Conn is a minimal client of another libvirt daemon: one call at a time, for the few
// calls a daemon makes before handing the connection over (virtproxyd's handshake).
type Conn struct {
	conn   net.Conn
	r      *bufio.Reader
	serial uint32
}

// Dial connects to the daemon listening on the unix socket at path.
func Dial(ctx context.Context, path string) (*Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Failed to connect socket to '%s': %s", path, virerror.Strerror(err))
	}
	return &Conn{conn: c, r: bufio.NewReaderSize(c, 8<<10)}, nil
}

// Call sends one call and waits for its reply, decoding it into ret (nil for none). An
// error reply comes back as the *virerror.Error the other daemon sent, message intact.
// Keepalive pings are answered while waiting; other messages are dropped.
func (c *Conn) Call(ctx context.Context, prog uint32, proc int32, args, ret any) error {
	if dl, ok := ctx.Deadline(); ok {
		c.conn.SetDeadline(dl)
		defer c.conn.SetDeadline(timeZero)
	}
	serial := c.serial
	c.serial++
	pkt, err := EncodePacket(Header{Program: prog, Version: 1, Procedure: proc, Type: Call, Serial: serial}, args)
	if err != nil {
		return err
	}
	if _, err := c.conn.Write(pkt); err != nil {
		return virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "cannot send data: %v", err)
	}
	for {
		p, err := ReadPacket(c.r, MaxMessage)
		if err != nil {
			return virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "End of file while reading data: %v", err)
		}
		switch {
		case p.Program == KeepaliveProgram && p.Procedure == keepalivePing:
			pong, _ := EncodePacket(Header{Program: KeepaliveProgram, Version: KeepaliveVersion, Procedure: keepalivePong, Type: Message}, nil)
			c.conn.Write(pong)
			continue
		case p.Type != Reply || p.Serial != serial:
			continue
		case p.Status == StatusError:
			return decodeRemoteError(p.Payload)
		}
		if ret == nil {
			return nil
		}
		if err := Decode(p.Payload, ret); err != nil {
			return virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "Unable to decode message payload")
		}
		return nil
	}
}

// Detach returns the connection and its reader, for Relay, and forgets them.
func (c *Conn) Detach() (net.Conn, *bufio.Reader) {
	nc, r := c.conn, c.r
	c.conn, c.r = nil, nil
	return nc, r
}

// Close closes the connection unless it was detached.
func (c *Conn) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// String names the connection for logs.
func (c *Conn) String() string { return fmt.Sprintf("rpc.Conn(%s)", c.conn.RemoteAddr()) }

var timeZero time.Time
