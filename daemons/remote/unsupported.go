package remote

import (
	"context"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// unsupportedProcedures answers every call of the REMOTE program that no table
// serves the way libvirt does when the connection's driver lacks the API: code
// VIR_ERR_NO_SUPPORT, "this function is not supported by the connection driver:
// virXxx", from the API's own error domain. Clients test for exactly that to fall
// back (virsh domstate to dominfo, virt-install without storage pools); the RPC
// layer's "unknown procedure" stays for numbers that are not calls at all (event
// messages) or that libvirt does not know.
func unsupportedProcedures(served map[int32]bool) []rpc.Procedure {
	var ps []rpc.Procedure
	for _, p := range Procs() {
		if served[int32(p)] || !p.IsCall() {
			continue
		}
		ps = append(ps, rpc.HandleRaw(p, func(ctx context.Context, _ []byte) (any, error) {
			return nil, virerror.New(libvirt.ErrNoSupport, p.ErrorDomain(), "%s", p.API())
		}, rpc.ReadOnly, rpc.Inline))
	}
	return ps
}

// IsCall says whether a client may call p: event messages travel only from the
// server, and the auth procedures are the connection's own, answered before any
// driver is involved.
func (p Proc) IsCall() bool {
	n := p.String()
	if strings.HasPrefix(n, "Auth") || n == "ConnectEventConnectionClosed" {
		return false
	}
	for _, obj := range []string{"Domain", "Network", "StoragePool", "NodeDevice", "Secret"} {
		if strings.HasPrefix(n, obj+"Event") {
			return false
		}
	}
	return true
}
