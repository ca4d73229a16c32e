package remote

import (
	"context"
	"path/filepath"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
)

// daemons maps each URI scheme to the socket prefix of the modular daemon serving it.
var daemons = map[string]string{
	"qemu":      "virtqemud",
	"network":   "virtnetworkd",
	"interface": "virtinterfaced",
	"nodedev":   "virtnodedevd",
	"storage":   "virtstoraged",
}

// DaemonFor is the modular daemon that serves scheme ("virtnetworkd" for
// "network"), or "" for a scheme virtunit does not serve.
func DaemonFor(scheme string) string { return daemons[scheme] }

// SocketFor is where the daemon for scheme listens in sockDir: its read-write
// socket, or its read-only one.
func SocketFor(sockDir, scheme string, readOnly bool) string {
	s := filepath.Join(sockDir, daemons[scheme]+"-sock")
	if readOnly {
		s += "-ro"
	}
	return s
}

// Handshake authenticates to another libvirt daemon and opens a connection there, as a
// daemon's client does: AUTH_LIST (and AUTH_POLKIT when that is all it offers), then
// CONNECT_OPEN with a.
func Handshake(ctx context.Context, c rpc.Caller, a libvirt.ConnectOpenArgs) error {
	var auth libvirt.AuthListRet
	if err := c.Call(ctx, Program, int32(AuthList), nil, &auth); err != nil {
		return err
	}
	for _, t := range auth.Types {
		if t == 2 { // REMOTE_AUTH_POLKIT: the other daemon checks our credentials
			var ret libvirt.AuthPolkitRet
			if err := c.Call(ctx, Program, int32(AuthPolkit), nil, &ret); err != nil {
				return err
			}
		}
	}
	return c.Call(ctx, Program, int32(ConnectOpen), a, nil)
}

// OpenPeer connects to the daemon on sock and opens uri there (read-only if asked).
// onMessage receives its event messages.
func OpenPeer(ctx context.Context, sock, uri string, readOnly bool, onMessage func(rpc.Packet)) (*rpc.Peer, error) {
	p, err := rpc.DialPeer(ctx, sock, onMessage)
	if err != nil {
		return nil, err
	}
	var flags libvirt.ConnectFlags
	if readOnly {
		flags = 1 // VIR_CONNECT_RO
	}
	if err := Handshake(ctx, p, libvirt.ConnectOpenArgs{Name: libvirt.OptString{uri}, Flags: flags}); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}
