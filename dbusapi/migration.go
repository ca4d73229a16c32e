package dbusapi

import (
	"context"
	"sort"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// domainMigrationMethods are org.libvirt.Domain's migration calls, over a hypervisor
// driver that migrates (driver.Migrations); without one they stay "not supported".
func (s *Server) domainMigrationMethods() map[string]method[libvirt.Domain] {
	m, ok := s.cfg.Hypervisor.(driver.Migrations)
	if !ok {
		return nil
	}
	type dom = libvirt.Domain
	return map[string]method[dom]{
		"AbortJob": func(ctx context.Context, d dom, _ args) ([]any, error) {
			return none(m.DomainAbortJob(ctx, libvirt.DomainAbortJobArgs{Dom: d}))
		},
		"MigrateGetMaxSpeed": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := m.DomainMigrateGetMaxSpeed(ctx, libvirt.DomainMigrateGetMaxSpeedArgs{Dom: d, Flags: a.u32(0)})
			return []any{r.Bandwidth}, err
		},
		"MigrateSetMaxSpeed": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(m.DomainMigrateSetMaxSpeed(ctx, libvirt.DomainMigrateSetMaxSpeedArgs{Dom: d, Bandwidth: a.u64(0), Flags: a.u32(1)}))
		},
		"MigrateSetMaxDowntime": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(m.DomainMigrateSetMaxDowntime(ctx, libvirt.DomainMigrateSetMaxDowntimeArgs{Dom: d, Downtime: a.u64(0), Flags: a.u32(1)}))
		},
		// virDomainMigrateToURI3 without a destination connection of the caller's: the
		// source daemon drives the destination itself (peer to peer), the only kind the
		// QEMU driver offers.
		"MigrateToURI3": func(ctx context.Context, d dom, a args) ([]any, error) {
			flags := a.u32(2)
			if flags&uint32(libvirt.MigratePeer2peer) == 0 {
				return nil, virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromDomain, "direct migration is not supported by the source host")
			}
			params, err := paramsOf(a[1].(map[string]dbus.Variant))
			if err != nil {
				return nil, err
			}
			_, err = m.DomainMigratePerform3Params(ctx, libvirt.DomainMigratePerform3ParamsArgs{
				Dom: d, Dconnuri: optString(a.str(0)), Params: params, Flags: libvirt.DomainMigrateFlags(flags),
			})
			return nil, err
		},
	}
}

// paramsOf is an a{sv} as typed parameters, each typed by its variant's value
// (libvirt-dbus's virtDBusUtilGVariantToTypedParams), in name order so that the
// driver sees the same list for the same dictionary.
func paramsOf(m map[string]dbus.Variant) ([]libvirt.TypedParam, error) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]libvirt.TypedParam, 0, len(m))
	for _, k := range names {
		switch v := m[k].Value().(type) {
		case int32, uint32, int64, uint64, float64, bool, string:
			out = append(out, rpc.Param(k, v))
		default:
			return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromNone, "invalid type '%s' of parameter '%s'", m[k].Signature(), k)
		}
	}
	return out, nil
}
