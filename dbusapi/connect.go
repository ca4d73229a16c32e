package dbusapi

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

// conn is the connection object's own value: it has no identity to look up.
type conn struct{}

// connectObject is org.libvirt.Connect on the connection object: one entry per
// method, each one driver or host call. The methods of a driver the daemon lacks are
// left out and answer "not supported".
func (s *Server) connectObject() objects {
	hv, h := s.cfg.Hypervisor, s.cfg.Host
	f := &family[conn]{
		ifaces:  []*spec.Interface{spec.Connect},
		resolve: func(context.Context, string) (conn, error) { return conn{}, nil },
		props: map[*spec.Interface]map[string]getter[conn]{spec.Connect: {
			// virConnectIsEncrypted is false on a local socket, and libvirt-dbus
			// answers Secure with it too (connect.c).
			"Encrypted": func(context.Context, conn) (any, error) { return false, nil },
			"Secure":    func(context.Context, conn) (any, error) { return false, nil },
			"Hostname": func(ctx context.Context, _ conn) (any, error) {
				r, err := h.ConnectGetHostname(ctx, struct{}{})
				return r.Hostname, err
			},
			"LibVersion": func(context.Context, conn) (any, error) { return s.cfg.LibVersion, nil },
			"Version": func(ctx context.Context, _ conn) (any, error) {
				return hv.HypervisorVersion(ctx)
			},
		}},
		methods: map[string]method[conn]{
			"GetCapabilities": func(ctx context.Context, _ conn, a args) ([]any, error) {
				r, err := h.ConnectGetCapabilities(ctx, hv)
				return []any{r.Capabilities}, err
			},
			"GetSysinfo": func(ctx context.Context, _ conn, a args) ([]any, error) {
				r, err := h.ConnectGetSysinfo(ctx, libvirt.ConnectGetSysinfoArgs{Flags: a.u32(0)})
				return []any{r.Sysinfo}, err
			},
			"NodeGetSecurityModel": func(ctx context.Context, _ conn, a args) ([]any, error) {
				r, err := hv.NodeGetSecurityModel(ctx, struct{}{})
				return []any{struct{ Model, DOI string }{cString(r.Model), cString(r.Doi)}}, err
			},
			"NodeGetFreeMemory": func(ctx context.Context, _ conn, a args) ([]any, error) {
				r, err := h.NodeGetFreeMemory(ctx, struct{}{})
				return []any{r.FreeMem}, err
			},
			"NodeGetCPUMap": func(ctx context.Context, _ conn, a args) ([]any, error) {
				r, err := h.NodeGetCPUMap(ctx, libvirt.NodeGetCPUMapArgs{NeedMap: 1, NeedOnline: 1, Flags: a.u32(0)})
				if err != nil {
					return nil, err
				}
				cpus := make([]bool, r.Ret)
				for i := range cpus {
					cpus[i] = i/8 < len(r.Cpumap) && r.Cpumap[i/8]&(1<<(i%8)) != 0
				}
				return []any{cpus}, nil
			},
			"NodeGetCPUStats": func(ctx context.Context, _ conn, a args) ([]any, error) {
				// The two calls of the C API: how many fields, then the fields.
				n, err := h.NodeGetCPUStats(ctx, libvirt.NodeGetCPUStatsArgs{CPUNum: a.i32(0), Flags: a.u32(1)})
				if err != nil {
					return nil, err
				}
				r, err := h.NodeGetCPUStats(ctx, libvirt.NodeGetCPUStatsArgs{CPUNum: a.i32(0), Nparams: n.Nparams, Flags: a.u32(1)})
				return []any{fields(r.Params, func(p libvirt.NodeGetCPUStats) (string, uint64) { return p.Field, p.Value })}, err
			},
			"NodeGetMemoryStats": func(ctx context.Context, _ conn, a args) ([]any, error) {
				n, err := h.NodeGetMemoryStats(ctx, libvirt.NodeGetMemoryStatsArgs{CellNum: a.i32(0), Flags: a.u32(1)})
				if err != nil {
					return nil, err
				}
				r, err := h.NodeGetMemoryStats(ctx, libvirt.NodeGetMemoryStatsArgs{CellNum: a.i32(0), Nparams: n.Nparams, Flags: a.u32(1)})
				return []any{fields(r.Params, func(p libvirt.NodeGetMemoryStats) (string, uint64) { return p.Field, p.Value })}, err
			},
		},
	}
	merge(f.methods, s.connectDomainMethods())
	merge(f.methods, s.connectGuestMethods())
	if s.cfg.Networks != nil {
		merge(f.methods, s.connectNetworkMethods())
	}
	if s.cfg.Interfaces != nil {
		merge(f.methods, s.connectInterfaceMethods())
	}
	if s.cfg.NodeDevices != nil {
		merge(f.methods, s.connectNodeDeviceMethods())
	}
	if s.cfg.Storage != nil {
		merge(f.methods, s.connectStorageMethods())
	}
	return f
}

// fields is a list of named statistics as the a{st} libvirt-dbus returns.
func fields[T any](params []T, field func(T) (string, uint64)) map[string]uint64 {
	out := make(map[string]uint64, len(params))
	for _, p := range params {
		k, v := field(p)
		out[k] = v
	}
	return out
}

// paths lists objects as paths of one subtree.
func paths[T any](s *Server, node string, objs []T, elem func(T) string) []dbus.ObjectPath {
	out := make([]dbus.ObjectPath, 0, len(objs))
	for _, o := range objs {
		out = append(out, s.child(node, elem(o)))
	}
	return out
}
