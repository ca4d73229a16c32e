package remote

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

func (r *Remote) hostProcedures() []rpc.Procedure {
	return []rpc.Procedure{
		rpc.Handle(ConnectGetHostname, r.hostname, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectGetSysinfo, r.sysinfo, rpc.ReadOnly),
		rpc.Handle(NodeGetInfo, r.nodeInfo, rpc.ReadOnly, rpc.Priority),
		rpc.Handle(ConnectGetCapabilities, r.capabilities, rpc.ReadOnly),
	}
}

func (r *Remote) hostname(ctx context.Context, _ struct{}) (libvirt.ConnectGetHostnameRet, error) {
	name, err := r.cfg.Host.Hostname()
	if err != nil {
		return libvirt.ConnectGetHostnameRet{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "%v", err)
	}
	return libvirt.ConnectGetHostnameRet{Hostname: name}, nil
}

func (r *Remote) sysinfo(ctx context.Context, a libvirt.ConnectGetSysinfoArgs) (libvirt.ConnectGetSysinfoRet, error) {
	if err := CheckFlags(uint32(a.Flags), 0, ConnectGetSysinfo); err != nil {
		return libvirt.ConnectGetSysinfoRet{}, err
	}
	xml, err := r.cfg.Host.Sysinfo()
	if err != nil {
		return libvirt.ConnectGetSysinfoRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	return libvirt.ConnectGetSysinfoRet{Sysinfo: xml}, nil
}

func (r *Remote) nodeInfo(ctx context.Context, _ struct{}) (libvirt.NodeGetInfoRet, error) {
	ni, err := r.cfg.Host.NodeInfo()
	if err != nil {
		return ni, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	return ni, nil
}

// capabilities is the host section plus what the connection's hypervisor adds.
func (r *Remote) capabilities(ctx context.Context, _ struct{}) (libvirt.ConnectGetCapabilitiesRet, error) {
	caps, err := r.cfg.Host.Capabilities()
	if err != nil {
		return libvirt.ConnectGetCapabilitiesRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	if hv, ok := r.hypervisor(ctx, SessionFrom(ctx).Scheme()); ok {
		if err := hv.AddCapabilities(ctx, caps); err != nil {
			return libvirt.ConnectGetCapabilitiesRet{}, err
		}
	}
	if len(caps.Host.SecModel) == 0 {
		caps.Host.SecModel = append(caps.Host.SecModel, libvirtxml.CapsHostSecModel{Name: "none", DOI: "0"})
	}
	out, err := xmlstyle.Marshal(caps)
	if err != nil {
		return libvirt.ConnectGetCapabilitiesRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "cannot format capabilities: %v", err)
	}
	return libvirt.ConnectGetCapabilitiesRet{Capabilities: out}, nil
}

// CheckFlags is libvirt's virCheckFlags for a call of p: flags outside allowed are
// refused, naming p's driver function.
func CheckFlags(flags, allowed uint32, p Proc) error {
	return virerror.CheckFlags(flags, allowed, p.ErrorDomain(), p.API())
}
