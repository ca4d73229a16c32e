package rpc

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

// Auth is the authentication the client's listener demands.
func (c *Client) Auth() AuthType { return c.svc.Auth }

// Transport is how the client connected.
func (c *Client) Transport() Transport { return c.svc.Transport }

// Authenticated reports whether the client may call more than the auth procedures.
func (c *Client) Authenticated() bool { return c.authenticated.Load() }

// SetAuthenticated marks the client as having passed its listener's authentication,
// as whoever checked it decided (AUTH_POLKIT, the last SASL step, a root peer on a
// polkit socket). It no longer counts against max_anonymous_clients.
func (c *Client) SetAuthenticated() { c.srv.authenticated(c) }

// Identity is who the client proved to be, for virt-admin client-info.
type Identity struct {
	// X509DN is the Distinguished Name of a TLS client's certificate.
	X509DN string
	// SASLUser is the user name a SASL exchange established.
	SASLUser string
}

// Identity returns what the client proved.
func (c *Client) Identity() Identity {
	c.idMu.Lock()
	defer c.idMu.Unlock()
	return c.identity
}

// SetSASLUser records the SASL user name.
func (c *Client) SetSASLUser(name string) {
	c.idMu.Lock()
	c.identity.SASLUser = name
	c.idMu.Unlock()
}

// RemoteAddr is the peer's address for TCP and TLS clients ("198.51.100.2;40122"
// as libvirt formats it), empty for unix sockets.
func (c *Client) RemoteAddr() string {
	if c.svc.Transport == TransportUnix {
		return ""
	}
	a, ok := c.conn.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return c.conn.RemoteAddr().String()
	}
	return a.IP.String() + ";" + strconv.Itoa(a.Port)
}

// LocalAddr is the address the client connected to, in RemoteAddr's form.
func (c *Client) LocalAddr() string {
	if a, ok := c.conn.LocalAddr().(*net.TCPAddr); ok {
		return a.IP.String() + ";" + strconv.Itoa(a.Port)
	}
	return ""
}

// handshakeTimeout bounds the TLS handshake: a client that has not finished it within
// the keepalive period is dropped, as one that stops answering keepalives would be.
func (c *Client) handshakeTimeout() time.Duration {
	l := c.srv.Limits()
	d := l.KeepaliveInterval * time.Duration(l.KeepaliveCount)
	if d <= 0 {
		d = 30 * time.Second
	}
	return d
}

// tlsHandshake completes a TLS client's handshake, judges its certificate and writes
// the confirmation byte libvirt's clients wait for. A refused client gets the
// connection closed, no byte: its side reports "Unable to read TLS confirmation". A
// plain RPC client on the TLS port, a stalled handshake, a foreign certificate: each
// is logged and costs the server nothing more.
func (c *Client) tlsHandshake(tc *tls.Conn) bool {
	tc.SetDeadline(time.Now().Add(c.handshakeTimeout()))
	defer tc.SetDeadline(time.Time{})
	peer := c.RemoteAddr()
	if err := tc.Handshake(); err != nil {
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			c.srv.log.Warn("closing client that did not complete the TLS handshake in time",
				"server", c.srv.name, "client", c.id, "addr", peer, "seconds", int(c.handshakeTimeout().Seconds()))
		case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
			c.srv.log.Info("client left during the TLS handshake", "server", c.srv.name, "client", c.id, "addr", peer)
		default:
			c.srv.log.Warn("TLS handshake failed", "server", c.srv.name, "client", c.id, "addr", peer, "err", err)
		}
		return false
	}
	dn, err := c.tlsCtx.Verify(tc.ConnectionState())
	if err != nil {
		c.srv.log.Error("refusing TLS client", "server", c.srv.name, "client", c.id, "addr", peer, "dn", dn, "err", err)
		return false
	}
	c.idMu.Lock()
	c.identity.X509DN = dn
	c.idMu.Unlock()
	if _, err := tc.Write([]byte{1}); err != nil {
		c.srv.log.Info("cannot confirm TLS session to client", "client", c.id, "err", err)
		return false
	}
	c.srv.log.Debug("TLS session established", "server", c.srv.name, "client", c.id, "addr", peer, "dn", dn)
	if c.svc.Auth == AuthNone {
		c.SetAuthenticated()
	}
	return true
}
