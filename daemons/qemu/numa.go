package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
)

// virsh numatune. virtunit places no guest on NUMA nodes (<numatune> is refused at
// define), so every guest has libvirt's defaults for one without <numatune>: strict
// mode, no node set, live and in its configuration; a change to them is refused as
// the definition would be.

// numaStrict is VIR_DOMAIN_NUMATUNE_MEM_STRICT.
const numaStrict = 0

func (d *Driver) DomainGetNumaParameters(ctx context.Context, a libvirt.DomainGetNumaParametersArgs) (libvirt.DomainGetNumaParametersRet, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig|uint32(libvirt.TypedParamStringOkay), "qemuDomainGetNumaParameters"); err != nil {
		return libvirt.DomainGetNumaParametersRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetNumaParametersRet{}, err
	}
	if _, _, err := dom.impact(a.Flags); err != nil {
		return libvirt.DomainGetNumaParametersRet{}, err
	}
	ps := []libvirt.TypedParam{rpc.Param("numa_mode", int32(numaStrict)), rpc.Param("numa_nodeset", "")}
	if a.Nparams <= 0 {
		return libvirt.DomainGetNumaParametersRet{Nparams: int32(len(ps))}, nil
	}
	if int(a.Nparams) < len(ps) {
		ps = ps[:a.Nparams]
	}
	return libvirt.DomainGetNumaParametersRet{Params: ps, Nparams: int32(len(ps))}, nil
}

func (d *Driver) DomainSetNumaParameters(ctx context.Context, a libvirt.DomainSetNumaParametersArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig, "qemuDomainSetNumaParameters"); err != nil {
		return struct{}{}, err
	}
	if err := rpc.ValidateParams(a.Params, map[string]uint32{"numa_mode": rpc.ParamInt, "numa_nodeset": rpc.ParamString}); err != nil {
		return struct{}{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	if _, _, err := dom.impact(a.Flags); err != nil {
		return struct{}{}, err
	}
	if len(a.Params) == 0 {
		return struct{}{}, nil
	}
	return struct{}{}, unsupported("NUMA placement (<numatune>, <cpu><numa>) is not supported by virtunit yet")
}
