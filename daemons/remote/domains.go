package remote

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// The most typed parameters a request may carry: REMOTE_DOMAIN_NUMA_PARAMETERS_MAX,
// REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX, REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX,
// REMOTE_DOMAIN_BLKIO_PARAMETERS_MAX.
const (
	numaParametersMax      = 16
	schedulerParametersMax = 16
	memoryParametersMax    = 16
	blkioParametersMax     = 16
)

// domainProcedures are the domain calls, each passed to the hypervisor driver: read-only
// ones marked so, lookups and state queries answered from memory on the connection's
// reader (inline), calls that must get through while workers are busy given priority
// workers, as libvirt's @priority:high annotations do.
func domainProcedures(d driver.Hypervisor, hub *rpc.Hub) []rpc.Procedure {
	ro, prio, inline := rpc.ReadOnly, rpc.Priority, rpc.Inline
	return append([]rpc.Procedure{
		rpc.Handle(DomainLookupByID, d.DomainLookupByID, ro, inline),
		rpc.Handle(DomainLookupByName, d.DomainLookupByName, ro, inline),
		rpc.Handle(DomainLookupByUUID, d.DomainLookupByUUID, ro, inline),
		rpc.Handle(ConnectListAllDomains, d.ConnectListAllDomains, ro, inline),
		rpc.Handle(ConnectListDomains, d.ConnectListDomains, ro, inline),
		rpc.Handle(ConnectNumOfDomains, d.ConnectNumOfDomains, ro, inline),
		rpc.Handle(ConnectListDefinedDomains, d.ConnectListDefinedDomains, ro, inline),
		rpc.Handle(ConnectNumOfDefinedDomains, d.ConnectNumOfDefinedDomains, ro, inline),

		rpc.Handle(DomainGetInfo, d.DomainGetInfo, ro, prio, rpc.InlineFirst),
		rpc.Handle(DomainGetState, d.DomainGetState, ro, inline),
		rpc.Handle(DomainGetOsType, d.DomainGetOsType, ro, inline),
		rpc.Handle(DomainGetMaxMemory, d.DomainGetMaxMemory, ro, inline),
		rpc.Handle(DomainIsActive, d.DomainIsActive, ro, inline),
		rpc.Handle(DomainIsPersistent, d.DomainIsPersistent, ro, inline),
		rpc.Handle(DomainIsUpdated, d.DomainIsUpdated, ro, inline),
		rpc.Handle(DomainGetAutostart, d.DomainGetAutostart, ro, inline),
		rpc.Handle(DomainHasManagedSaveImage, d.DomainHasManagedSaveImage, ro, inline),
		rpc.Handle(DomainSnapshotNum, d.DomainSnapshotNum, ro, inline),
		rpc.Handle(NodeGetSecurityModel, d.NodeGetSecurityModel, ro, inline),
		// Answered from memory: the QEMU driver probes its default emulator at start
		// and keeps each document it built; only another emulator's first call
		// probes it.
		rpc.Handle(ConnectGetDomainCapabilities, d.ConnectGetDomainCapabilities, ro, inline),
		rpc.Handle(DomainGetSecurityLabel, d.DomainGetSecurityLabel, ro),
		// A document already built is answered on the reader, others on a worker.
		rpc.Handle(DomainGetXMLDesc, secureForReadWrite(DomainGetXMLDesc, d.DomainGetXMLDesc,
			func(a libvirt.DomainGetXMLDescArgs) uint32 { return uint32(a.Flags) }), ro, rpc.InlineFirst),

		rpc.Handle(DomainDefineXML, d.DomainDefineXML),
		rpc.Handle(DomainDefineXMLFlags, d.DomainDefineXMLFlags),
		rpc.Handle(DomainUndefine, d.DomainUndefine),
		rpc.Handle(DomainUndefineFlags, d.DomainUndefineFlags),
		rpc.Handle(DomainSetAutostart, d.DomainSetAutostart),

		rpc.Handle(DomainCreate, d.DomainCreate),
		rpc.Handle(DomainCreateWithFlags, d.DomainCreateWithFlags),
		rpc.Handle(DomainCreateXML, d.DomainCreateXML),
		rpc.Handle(DomainDestroy, d.DomainDestroy, prio),
		rpc.Handle(DomainDestroyFlags, d.DomainDestroyFlags, prio),
		rpc.Handle(DomainShutdown, d.DomainShutdown),
		rpc.Handle(DomainShutdownFlags, d.DomainShutdownFlags),
		rpc.Handle(DomainReboot, d.DomainReboot),
		rpc.Handle(DomainReset, d.DomainReset),
		rpc.Handle(DomainSuspend, d.DomainSuspend),
		rpc.Handle(DomainResume, d.DomainResume),
		rpc.Handle(DomainOpenConsole, d.DomainOpenConsole, prio),

		// Statistics: read-only, answered without the guest's job, so pollers never
		// wait behind a start or a hotplug.
		rpc.Handle(ConnectGetAllDomainStats, d.ConnectGetAllDomainStats, ro),
		rpc.Handle(DomainMemoryStats, d.DomainMemoryStats, ro),
		rpc.Handle(DomainBlockStats, d.DomainBlockStats, ro),
		rpc.Handle(DomainBlockStatsFlags, d.DomainBlockStatsFlags, ro),
		rpc.Handle(DomainInterfaceStats, d.DomainInterfaceStats, ro),
		rpc.Handle(DomainGetBlockInfo, d.DomainGetBlockInfo, ro),
		rpc.Handle(DomainGetVcpus, d.DomainGetVcpus, ro),
		rpc.Handle(DomainGetVcpusFlags, d.DomainGetVcpusFlags, ro),
		rpc.Handle(DomainGetCPUStats, d.DomainGetCPUStats, ro),
		rpc.Handle(DomainGetJobInfo, d.DomainGetJobInfo, ro, prio),
		rpc.Handle(DomainGetJobStats, d.DomainGetJobStats, ro, prio),
		rpc.Handle(DomainGetControlInfo, d.DomainGetControlInfo, ro, prio),
		rpc.Handle(DomainGetMessages, d.DomainGetMessages, ro),
		rpc.Handle(DomainGetNumaParameters, d.DomainGetNumaParameters, ro),
		setParams(DomainSetNumaParameters, numaParametersMax, true, func(ctx context.Context, dom libvirt.Domain, ps []libvirt.TypedParam, flags uint32) (struct{}, error) {
			return d.DomainSetNumaParameters(ctx, libvirt.DomainSetNumaParametersArgs{Dom: dom, Params: ps, Flags: flags})
		}),
		rpc.Handle(DomainGetSchedulerType, d.DomainGetSchedulerType, ro),
		rpc.Handle(DomainGetSchedulerParameters, d.DomainGetSchedulerParameters, ro),
		rpc.Handle(DomainGetSchedulerParametersFlags, d.DomainGetSchedulerParametersFlags, ro),
		setParams(DomainSetSchedulerParameters, schedulerParametersMax, false, func(ctx context.Context, dom libvirt.Domain, ps []libvirt.TypedParam, _ uint32) (struct{}, error) {
			return d.DomainSetSchedulerParameters(ctx, libvirt.DomainSetSchedulerParametersArgs{Dom: dom, Params: ps})
		}),
		setParams(DomainSetSchedulerParametersFlags, schedulerParametersMax, true, func(ctx context.Context, dom libvirt.Domain, ps []libvirt.TypedParam, flags uint32) (struct{}, error) {
			return d.DomainSetSchedulerParametersFlags(ctx, libvirt.DomainSetSchedulerParametersFlagsArgs{Dom: dom, Params: ps, Flags: flags})
		}),
		rpc.Handle(DomainGetMemoryParameters, d.DomainGetMemoryParameters, ro),
		setParams(DomainSetMemoryParameters, memoryParametersMax, true, func(ctx context.Context, dom libvirt.Domain, ps []libvirt.TypedParam, flags uint32) (struct{}, error) {
			return d.DomainSetMemoryParameters(ctx, libvirt.DomainSetMemoryParametersArgs{Dom: dom, Params: ps, Flags: flags})
		}),
		rpc.Handle(DomainGetBlkioParameters, d.DomainGetBlkioParameters, ro),
		setParams(DomainSetBlkioParameters, blkioParametersMax, true, func(ctx context.Context, dom libvirt.Domain, ps []libvirt.TypedParam, flags uint32) (struct{}, error) {
			return d.DomainSetBlkioParameters(ctx, libvirt.DomainSetBlkioParametersArgs{Dom: dom, Params: ps, Flags: flags})
		}),
		rpc.Handle(ConnectGetMaxVcpus, d.ConnectGetMaxVcpus, ro, inline),

		rpc.Handle(DomainAttachDevice, d.DomainAttachDevice),
		rpc.Handle(DomainAttachDeviceFlags, d.DomainAttachDeviceFlags),
		rpc.Handle(DomainDetachDevice, d.DomainDetachDevice),
		rpc.Handle(DomainDetachDeviceFlags, d.DomainDetachDeviceFlags),
		rpc.Handle(DomainUpdateDeviceFlags, d.DomainUpdateDeviceFlags),
		rpc.Handle(DomainSetMemory, d.DomainSetMemory),
		rpc.Handle(DomainSetMaxMemory, d.DomainSetMaxMemory),
		rpc.Handle(DomainSetMemoryFlags, d.DomainSetMemoryFlags),
		rpc.Handle(DomainSetVcpus, d.DomainSetVcpus),
		rpc.Handle(DomainSetVcpusFlags, d.DomainSetVcpusFlags),
		rpc.Handle(DomainGetMetadata, d.DomainGetMetadata, ro),
		rpc.Handle(DomainSetMetadata, d.DomainSetMetadata),
		rpc.Handle(DomainRename, d.DomainRename),
		rpc.Handle(DomainSendKey, d.DomainSendKey),
		rpc.Handle(DomainInjectNmi, d.DomainInjectNmi),
		rpc.Handle(DomainScreenshot, d.DomainScreenshot),
		rpc.Handle(DomainSave, d.DomainSave),
		rpc.Handle(DomainSaveFlags, d.DomainSaveFlags),
		rpc.Handle(DomainRestore, d.DomainRestore),
		rpc.Handle(DomainRestoreFlags, d.DomainRestoreFlags),
		rpc.Handle(DomainManagedSave, d.DomainManagedSave),
		rpc.Handle(DomainManagedSaveRemove, d.DomainManagedSaveRemove),
		rpc.Handle(DomainManagedSaveGetXMLDesc, d.DomainManagedSaveGetXMLDesc, ro),
		rpc.Handle(DomainManagedSaveDefineXML, d.DomainManagedSaveDefineXML),
		rpc.Handle(DomainSaveImageGetXMLDesc, d.DomainSaveImageGetXMLDesc, ro),
		rpc.Handle(DomainSaveImageDefineXML, d.DomainSaveImageDefineXML),
		rpc.Handle(DomainSnapshotCreateXML, d.DomainSnapshotCreateXML),
		rpc.Handle(DomainSnapshotGetXMLDesc, d.DomainSnapshotGetXMLDesc, ro),
		rpc.Handle(DomainSnapshotListNames, d.DomainSnapshotListNames, ro),
		rpc.Handle(DomainListAllSnapshots, d.DomainListAllSnapshots, ro),
		rpc.Handle(DomainSnapshotNumChildren, d.DomainSnapshotNumChildren, ro),
		rpc.Handle(DomainSnapshotListChildrenNames, d.DomainSnapshotListChildrenNames, ro),
		rpc.Handle(DomainSnapshotListAllChildren, d.DomainSnapshotListAllChildren, ro),
		rpc.Handle(DomainSnapshotLookupByName, d.DomainSnapshotLookupByName, ro),
		rpc.Handle(DomainHasCurrentSnapshot, d.DomainHasCurrentSnapshot, ro),
		rpc.Handle(DomainSnapshotCurrent, d.DomainSnapshotCurrent, ro),
		rpc.Handle(DomainSnapshotGetParent, d.DomainSnapshotGetParent, ro),
		rpc.Handle(DomainSnapshotIsCurrent, d.DomainSnapshotIsCurrent, ro),
		rpc.Handle(DomainSnapshotHasMetadata, d.DomainSnapshotHasMetadata, ro),
		rpc.Handle(DomainRevertToSnapshot, d.DomainRevertToSnapshot),
		rpc.Handle(DomainSnapshotDelete, d.DomainSnapshotDelete),

		rpc.Handle(DomainInterfaceAddresses, d.DomainInterfaceAddresses, ro),
		rpc.Handle(DomainGetFsinfo, d.DomainGetFsinfo),
		// The agent answers these: domain:write, as in libvirt.
		rpc.Handle(DomainGetTime, d.DomainGetTime),
		rpc.Handle(DomainSetTime, d.DomainSetTime),
	}, DomainEventProcedures(hub)...)
}

// setParams serves a request of a domain, typed parameters and (if hasFlags) flags,
// decoded by hand as migration's are: go-libvirt models the typed parameter union as
// an interface its decoder cannot fill.
func setParams(p Proc, max int, hasFlags bool, set func(ctx context.Context, dom libvirt.Domain, ps []libvirt.TypedParam, flags uint32) (struct{}, error)) rpc.Procedure {
	return rpc.HandleRaw(p, func(ctx context.Context, payload []byte) (any, error) {
		r := rpc.NewXDRReader(payload)
		dom, ps := r.Domain(), r.TypedParams(max)
		var flags uint32
		if hasFlags {
			flags = r.Uint32()
		}
		if err := r.Err(); err != nil {
			return nil, rpc.DecodeError(err)
		}
		return set(ctx, dom, ps, flags)
	})
}
