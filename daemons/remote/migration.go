package remote

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Limits of remote_protocol.x for the migration calls.
const (
	migrateParamListMax = 64      // REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX
	migrateCookieMax    = 4 << 20 // REMOTE_MIGRATE_COOKIE_MAX
	remoteStringMax     = 4 << 20 // REMOTE_STRING_MAX
)

// migrationProcedures are the calls of a driver that migrates guests. The five
// protocol steps carry typed parameters, so they decode their own arguments; the
// job's knobs are priority calls, as in libvirt, so they get through while a
// migration keeps the ordinary workers busy.
func migrationProcedures(m driver.Migrations) []rpc.Procedure {
	ro, prio := rpc.ReadOnly, rpc.Priority
	return []rpc.Procedure{
		rpc.HandleRaw(DomainMigrateBegin3Params, func(ctx context.Context, p []byte) (any, error) {
			r := rpc.NewXDRReader(p)
			a := libvirt.DomainMigrateBegin3ParamsArgs{Dom: r.Domain(), Params: r.TypedParams(migrateParamListMax), Flags: r.Uint32()}
			if err := r.Err(); err != nil {
				return nil, rpc.DecodeError(err)
			}
			return m.DomainMigrateBegin3Params(ctx, a)
		}),
		rpc.HandleRaw(DomainMigratePrepare3Params, func(ctx context.Context, p []byte) (any, error) {
			r := rpc.NewXDRReader(p)
			a := libvirt.DomainMigratePrepare3ParamsArgs{Params: r.TypedParams(migrateParamListMax), CookieIn: r.Opaque(migrateCookieMax), Flags: r.Uint32()}
			if err := r.Err(); err != nil {
				return nil, rpc.DecodeError(err)
			}
			return m.DomainMigratePrepare3Params(ctx, a)
		}),
		rpc.HandleRaw(DomainMigratePerform3Params, func(ctx context.Context, p []byte) (any, error) {
			r := rpc.NewXDRReader(p)
			a := libvirt.DomainMigratePerform3ParamsArgs{Dom: r.Domain(), Dconnuri: r.OptString(remoteStringMax),
				Params: r.TypedParams(migrateParamListMax), CookieIn: r.Opaque(migrateCookieMax), Flags: libvirt.DomainMigrateFlags(r.Uint32())}
			if err := r.Err(); err != nil {
				return nil, rpc.DecodeError(err)
			}
			return m.DomainMigratePerform3Params(ctx, a)
		}),
		rpc.HandleRaw(DomainMigrateFinish3Params, func(ctx context.Context, p []byte) (any, error) {
			r := rpc.NewXDRReader(p)
			a := libvirt.DomainMigrateFinish3ParamsArgs{Params: r.TypedParams(migrateParamListMax), CookieIn: r.Opaque(migrateCookieMax),
				Flags: r.Uint32(), Cancelled: r.Int32()}
			if err := r.Err(); err != nil {
				return nil, rpc.DecodeError(err)
			}
			return m.DomainMigrateFinish3Params(ctx, a)
		}),
		rpc.HandleRaw(DomainMigrateConfirm3Params, func(ctx context.Context, p []byte) (any, error) {
			r := rpc.NewXDRReader(p)
			a := libvirt.DomainMigrateConfirm3ParamsArgs{Dom: r.Domain(), Params: r.TypedParams(migrateParamListMax),
				CookieIn: r.Opaque(migrateCookieMax), Flags: r.Uint32(), Cancelled: r.Int32()}
			if err := r.Err(); err != nil {
				return nil, rpc.DecodeError(err)
			}
			return m.DomainMigrateConfirm3Params(ctx, a)
		}),
		rpc.Handle(DomainAbortJob, m.DomainAbortJob, prio),
		rpc.Handle(DomainAbortJobFlags, m.DomainAbortJobFlags, prio),
		rpc.Handle(DomainMigrateSetMaxSpeed, m.DomainMigrateSetMaxSpeed, prio),
		rpc.Handle(DomainMigrateGetMaxSpeed, m.DomainMigrateGetMaxSpeed, ro, prio),
		rpc.Handle(DomainMigrateSetMaxDowntime, m.DomainMigrateSetMaxDowntime, prio),
		rpc.Handle(DomainMigrateGetMaxDowntime, m.DomainMigrateGetMaxDowntime, ro, prio),
	}
}
