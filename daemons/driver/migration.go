package driver

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Migrations is a hypervisor driver that moves running guests between hosts: libvirt's
// migration protocol version 3 with typed parameters (Begin on the source, Prepare on
// the destination, Perform on the source, Finish on the destination, Confirm on the
// source), and the knobs of the job doing it. The typed-parameter calls reach these
// methods decoded, in go-libvirt's argument structs.
type Migrations interface {
	// SupportsMigrationFeature answers CONNECT_SUPPORTS_FEATURE for the migration
	// features (virDrvFeature: MIGRATION_V3, _P2P, _OFFLINE, _PARAMS, ...).
	SupportsMigrationFeature(feature int32) bool

	DomainMigrateBegin3Params(ctx context.Context, a libvirt.DomainMigrateBegin3ParamsArgs) (libvirt.DomainMigrateBegin3ParamsRet, error)
	DomainMigratePrepare3Params(ctx context.Context, a libvirt.DomainMigratePrepare3ParamsArgs) (libvirt.DomainMigratePrepare3ParamsRet, error)
	DomainMigratePerform3Params(ctx context.Context, a libvirt.DomainMigratePerform3ParamsArgs) (libvirt.DomainMigratePerform3ParamsRet, error)
	DomainMigrateFinish3Params(ctx context.Context, a libvirt.DomainMigrateFinish3ParamsArgs) (libvirt.DomainMigrateFinish3ParamsRet, error)
	DomainMigrateConfirm3Params(ctx context.Context, a libvirt.DomainMigrateConfirm3ParamsArgs) (struct{}, error)

	// The job: virsh domjobabort, migrate-setspeed, migrate-setmaxdowntime and their
	// getters (domjobinfo is Hypervisor's DomainGetJobInfo/DomainGetJobStats).
	DomainAbortJob(ctx context.Context, a libvirt.DomainAbortJobArgs) (struct{}, error)
	DomainAbortJobFlags(ctx context.Context, a libvirt.DomainAbortJobFlagsArgs) (struct{}, error)
	DomainMigrateSetMaxSpeed(ctx context.Context, a libvirt.DomainMigrateSetMaxSpeedArgs) (struct{}, error)
	DomainMigrateGetMaxSpeed(ctx context.Context, a libvirt.DomainMigrateGetMaxSpeedArgs) (libvirt.DomainMigrateGetMaxSpeedRet, error)
	DomainMigrateSetMaxDowntime(ctx context.Context, a libvirt.DomainMigrateSetMaxDowntimeArgs) (struct{}, error)
	DomainMigrateGetMaxDowntime(ctx context.Context, a libvirt.DomainMigrateGetMaxDowntimeArgs) (libvirt.DomainMigrateGetMaxDowntimeRet, error)
}
