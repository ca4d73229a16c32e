package remote

import (
	"context"
	"net"
	"net/url"
	"os"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/pki"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Default ports of the IP transports (libvirtd.conf's tcp_port and tls_port).
const (
	defaultTCPPort = "16509"
	defaultTLSPort = "16514"
)

// DialOptions are what a daemon acting as a libvirt client needs beyond the URI.
type DialOptions struct {
	// Privileged picks the system PKI paths for TLS; otherwise $HOME/.pki/libvirt
	// when it has a CA file.
	Privileged bool
	Home       string
	// SockDir is where the local daemons' sockets are, for a URI without a host.
	SockDir string
}

// DialURI opens a connection to the daemon a libvirt URI names, as libvirt's remote
// driver does for a daemon's own outgoing connections (a peer-to-peer migration's
// destination): DRIVER+TRANSPORT://[USER@]HOST[:PORT]/PATH with the tcp, tls (the
// default when a host is given) and unix transports. The daemon there is asked to open
// the URI without its transport and host, as the remote driver sends it.
func DialURI(ctx context.Context, uri string, o DialOptions, onMessage func(rpc.Packet)) (*rpc.Peer, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromRemote, "Unable to parse URI %s", uri)
	}
	scheme, transport, _ := strings.Cut(u.Scheme, "+")
	if transport == "" {
		transport = "unix"
		if u.Host != "" {
			transport = "tls"
		}
	}
	q := u.Query()
	var conn net.Conn
	switch transport {
	case "tcp", "tls":
		if u.Hostname() == "" {
			return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromRemote, "remote_open: for 'tcp' and 'tls' transports, a hostname is required")
		}
		port := u.Port()
		if port == "" {
			port = defaultTCPPort
			if transport == "tls" {
				port = defaultTLSPort
			}
		}
		addr := net.JoinHostPort(u.Hostname(), port)
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "unable to connect to server at '%s': %s", addr, virerror.Strerror(err))
		}
		conn = c
		if transport == "tls" {
			files := pki.ClientFiles(o.Privileged, o.Home, q.Get("pkipath"), func(p string) bool { _, err := os.Stat(p); return err == nil })
			cl, err := pki.NewClient(pki.ClientConfig{Files: files, NoVerify: q.Get("no_verify") == "1"})
			if err != nil {
				c.Close()
				return nil, err
			}
			tc, err := cl.Handshake(ctx, c, u.Hostname())
			if err != nil {
				c.Close()
				return nil, err
			}
			conn = tc
		}
	case "unix":
		sock := q.Get("socket")
		if sock == "" {
			sock = SocketFor(o.SockDir, scheme, false)
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "unix", sock)
		if err != nil {
			return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Failed to connect socket to '%s': %s", sock, virerror.Strerror(err))
		}
		conn = c
	default:
		return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromRemote, "remote_open: transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)")
	}
	for _, k := range []string{"socket", "pkipath", "no_verify", "tls_priority", "mode", "proxy", "keyfile", "no_tty", "known_hosts", "command", "netcat"} {
		q.Del(k)
	}
	name := (&url.URL{Scheme: scheme, Path: u.Path, RawQuery: q.Encode()}).String()
	if !strings.HasPrefix(name, scheme+"://") {
		name = scheme + "://" + strings.TrimPrefix(name, scheme+":")
	}
	p := rpc.NewPeer(conn, onMessage)
	if err := Handshake(ctx, p, libvirt.ConnectOpenArgs{Name: libvirt.OptString{name}}); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// SupportsFeature asks the daemon behind c whether its connection has feature
// (virConnectSupportsFeature).
func SupportsFeature(ctx context.Context, c rpc.Caller, feature int32) (bool, error) {
	var ret libvirt.ConnectSupportsFeatureRet
	err := c.Call(ctx, Program, int32(ConnectSupportsFeature), libvirt.ConnectSupportsFeatureArgs{Feature: feature}, &ret)
	return ret.Supported != 0, err
}
