package remote

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// secureXMLFlag is VIR_DOMAIN_XML_SECURE (and VIR_DOMAIN_SNAPSHOT_XML_SECURE,
// VIR_DOMAIN_SAVE_IMAGE_XML_SECURE): XML with its secrets (graphics passwords) in.
const secureXMLFlag = 1

// secureForReadWrite wraps a call that returns XML so that a read-only connection
// asking for the secrets is refused, as libvirt's public API refuses it before any
// driver sees the call. flags reads the call's flags.
func secureForReadWrite[A, R any](p Proc, fn func(context.Context, A) (R, error), flags func(A) uint32) func(context.Context, A) (R, error) {
	return func(ctx context.Context, a A) (R, error) {
		if flags(a)&secureXMLFlag != 0 {
			if c := rpc.ClientFrom(ctx); c != nil && c.ReadOnly() {
				var zero R
				return zero, virerror.New(libvirt.ErrOperationDenied, p.ErrorDomain(), "%s with secure flag", p.API())
			}
		}
		return fn(ctx, a)
	}
}
