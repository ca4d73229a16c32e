package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// get finds the domain a call names. Calls carry a whole remote_nonnull_domain; like
// libvirt's qemuDomainObjFromDomain it is found by UUID alone.
func (d *Driver) get(ref libvirt.Domain) (*domain, error) {
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
