package remote

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// caller is a client connection to another daemon (rpc.Conn or rpc.Peer).
type caller interface {
	Call(ctx context.Context, prog uint32, proc int32, args, ret any) error
}

// Handshake authenticates to another libvirt daemon and opens a connection there, as a
// daemon's client does: AUTH_LIST (and AUTH_POLKIT when that is all it offers), then
// CONNECT_OPEN with a.
func Handshake(ctx context.Context, c caller, a libvirt.ConnectOpenArgs) error {
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
