package remote

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// hostProcedures are the connection-level calls about the host, answered by
// daemons/host as the D-Bus API answers them.
func (r *Remote) hostProcedures() []rpc.Procedure {
	h, ro := r.cfg.Host, rpc.ReadOnly
	return []rpc.Procedure{
		rpc.Handle(ConnectGetHostname, h.ConnectGetHostname, ro, rpc.Inline),
		rpc.Handle(ConnectGetSysinfo, h.ConnectGetSysinfo, ro),
		rpc.Handle(NodeGetInfo, h.NodeGetInfo, ro, rpc.Priority),
		rpc.Handle(NodeGetCPUStats, h.NodeGetCPUStats, ro),
		rpc.Handle(NodeGetMemoryStats, h.NodeGetMemoryStats, ro),
		rpc.Handle(NodeGetFreeMemory, h.NodeGetFreeMemory, ro),
		rpc.Handle(NodeGetCellsFreeMemory, h.NodeGetCellsFreeMemory, ro),
		rpc.Handle(NodeGetCPUMap, h.NodeGetCPUMap, ro),
		rpc.Handle(ConnectGetCapabilities, r.capabilities, ro),
	}
}

// capabilities is the host section plus what the connection's hypervisor adds.
func (r *Remote) capabilities(ctx context.Context, _ struct{}) (libvirt.ConnectGetCapabilitiesRet, error) {
	hv, ok := r.hypervisor(ctx, SessionFrom(ctx).Scheme())
	if !ok {
		return r.cfg.Host.ConnectGetCapabilities(ctx, nil)
	}
	return r.cfg.Host.ConnectGetCapabilities(ctx, hv)
}

// CheckFlags is libvirt's virCheckFlags for a call of p: flags outside allowed are
// refused, naming p's driver function.
func CheckFlags(flags, allowed uint32, p Proc) error {
	return virerror.CheckFlags(flags, allowed, p.ErrorDomain(), p.API())
}
