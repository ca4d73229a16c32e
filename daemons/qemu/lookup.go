package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// get finds the domain a call names, its persistent definition decoded. Calls carry a
// whole remote_nonnull_domain; like libvirt's qemuDomainObjFromDomain it is found by
// UUID alone.
func (d *Driver) get(ref libvirt.Domain) (*domain, error) {
	dom, err := d.find(ref)
	if err != nil {
		return nil, err
	}
	if err := d.loaded(dom); err != nil {
		return nil, err
	}
	return dom, nil
}

// getFor is get for a call that may run on its connection's reader (rpc.InlineFirst),
// where reading a definition from disk would stall the connection: there a domain not
// yet decoded is rpc.ErrWouldBlock, and the call goes to a worker.
func (d *Driver) getFor(ctx context.Context, ref libvirt.Domain) (*domain, error) {
	if !rpc.MustNotBlock(ctx) {
		return d.get(ref)
	}
	dom, err := d.find(ref)
	if err != nil {
		return nil, err
	}
	dom.mu.Lock()
	decoded := dom.stored == nil
	dom.mu.Unlock()
	if !decoded {
		return nil, rpc.ErrWouldBlock
	}
	return dom, nil
}

// find is get for the calls that read only what the registry holds of every domain
// (name, UUID, id, state, persistence, autostart), not its definition: the ones a
// listing makes for each domain.
func (d *Driver) find(ref libvirt.Domain) (*domain, error) {
	if dom := d.doms.byUUIDOf(ref.UUID); dom != nil {
		return dom, nil
	}
	return nil, virerror.New(libvirt.ErrNoDomain, virerror.FromQEMU,
		"no domain with matching uuid '%s' (%s)", formatUUID(ref.UUID), ref.Name)
}

func (d *Driver) DomainLookupByName(ctx context.Context, a libvirt.DomainLookupByNameArgs) (libvirt.DomainLookupByNameRet, error) {
	dom := d.doms.byNameOf(a.Name)
	if dom == nil {
		return libvirt.DomainLookupByNameRet{}, virerror.New(libvirt.ErrNoDomain, virerror.FromQEMU, "no domain with matching name '%s'", a.Name)
	}
	return libvirt.DomainLookupByNameRet{Dom: dom.ref()}, nil
}

func (d *Driver) DomainLookupByUUID(ctx context.Context, a libvirt.DomainLookupByUUIDArgs) (libvirt.DomainLookupByUUIDRet, error) {
	dom := d.doms.byUUIDOf(a.UUID)
	if dom == nil {
		return libvirt.DomainLookupByUUIDRet{}, virerror.New(libvirt.ErrNoDomain, virerror.FromQEMU, "no domain with matching uuid '%s'", formatUUID(a.UUID))
	}
	return libvirt.DomainLookupByUUIDRet{Dom: dom.ref()}, nil
}

func (d *Driver) DomainLookupByID(ctx context.Context, a libvirt.DomainLookupByIDArgs) (libvirt.DomainLookupByIDRet, error) {
	dom := d.doms.byIDOf(int(a.ID))
	if dom == nil {
		return libvirt.DomainLookupByIDRet{}, virerror.New(libvirt.ErrNoDomain, virerror.FromQEMU, "no domain with matching id %d", a.ID)
	}
	return libvirt.DomainLookupByIDRet{Dom: dom.ref()}, nil
}
