package rpc

import (
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Opaque reads variable-length opaque data of at most max bytes (a migration
// cookie, say).
func (r *XDRReader) Opaque(max int) []byte {
	n := r.Uint32()
	if r.err == nil && n > uint32(max) {
		r.err = fmt.Errorf("xdr: opaque of %d bytes exceeds %d", n, max)
	}
	p := r.take(int((n + 3) &^ 3))
	if p == nil {
		return nil
	}
	return append([]byte(nil), p[:n]...)
}

// Domain reads a remote_nonnull_domain: name, UUID, id.
func (r *XDRReader) Domain() libvirt.Domain {
	var d libvirt.Domain
	d.Name = r.String(4 << 20)
	if p := r.take(len(d.UUID)); p != nil {
		copy(d.UUID[:], p)
	}
	d.ID = r.Int32()
	return d
}
