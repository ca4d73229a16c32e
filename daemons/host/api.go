package host

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// The methods below are the connection-level calls of libvirt's API that no driver
// owns, shaped as the driver API is (go-libvirt's argument and result types) so that
// every front end — the REMOTE program, the D-Bus API — answers them with the same
// values and errors.

// CapabilityAdder is the part of a hypervisor driver the capabilities call needs: its
// <guest> sections and security models.
type CapabilityAdder interface {
	AddCapabilities(ctx context.Context, caps *libvirtxml.Caps) error
}

// ConnectGetHostname is virConnectGetHostname.
func (h *Host) ConnectGetHostname(ctx context.Context, _ struct{}) (libvirt.ConnectGetHostnameRet, error) {
	name, err := h.Hostname()
	if err != nil {
		return libvirt.ConnectGetHostnameRet{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "%v", err)
	}
	return libvirt.ConnectGetHostnameRet{Hostname: name}, nil
}

// ConnectGetSysinfo is virConnectGetSysinfo: the host's SMBIOS data as <sysinfo> XML.
func (h *Host) ConnectGetSysinfo(ctx context.Context, a libvirt.ConnectGetSysinfoArgs) (libvirt.ConnectGetSysinfoRet, error) {
	if err := virerror.CheckFlags(uint32(a.Flags), 0, virerror.FromNone, "virConnectGetSysinfo"); err != nil {
		return libvirt.ConnectGetSysinfoRet{}, err
	}
	xml, err := h.Sysinfo()
	if err != nil {
		return libvirt.ConnectGetSysinfoRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	return libvirt.ConnectGetSysinfoRet{Sysinfo: xml}, nil
}

// NodeGetInfo is virNodeGetInfo.
func (h *Host) NodeGetInfo(ctx context.Context, _ struct{}) (libvirt.NodeGetInfoRet, error) {
	ni, err := h.NodeInfo()
	if err != nil {
		return ni, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	return ni, nil
}

// ConnectGetCapabilities is virConnectGetCapabilities: the host section plus what the
// connection's hypervisor adds (hv may be nil: a connection without one, such as
// network:///system, reports the host alone).
func (h *Host) ConnectGetCapabilities(ctx context.Context, hv CapabilityAdder) (libvirt.ConnectGetCapabilitiesRet, error) {
	caps, err := h.Capabilities()
	if err != nil {
		return libvirt.ConnectGetCapabilitiesRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "%v", err)
	}
	if hv != nil {
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
