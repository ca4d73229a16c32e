package driver

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// Hypervisor is a driver that runs guests: the connection's hypervisor for its URI
// schemes, and every domain call (libvirt's virHypervisorDriver).
type Hypervisor interface {
	// Schemes lists the URI schemes the driver is the hypervisor of ("qemu").
	Schemes() []string
	// HypervisorVersion is virConnectGetVersion: major*1000000 + minor*1000 + micro.
	HypervisorVersion(ctx context.Context) (uint64, error)
	// AddCapabilities adds the driver's <guest> sections and security models.
	AddCapabilities(ctx context.Context, caps *libvirtxml.Caps) error
	NodeGetSecurityModel(ctx context.Context, _ struct{}) (libvirt.NodeGetSecurityModelRet, error)
	ConnectGetDomainCapabilities(ctx context.Context, a libvirt.ConnectGetDomainCapabilitiesArgs) (libvirt.ConnectGetDomainCapabilitiesRet, error)

	// Lookups and lists.
	DomainLookupByID(ctx context.Context, a libvirt.DomainLookupByIDArgs) (libvirt.DomainLookupByIDRet, error)
	DomainLookupByName(ctx context.Context, a libvirt.DomainLookupByNameArgs) (libvirt.DomainLookupByNameRet, error)
	DomainLookupByUUID(ctx context.Context, a libvirt.DomainLookupByUUIDArgs) (libvirt.DomainLookupByUUIDRet, error)
	ConnectListAllDomains(ctx context.Context, a libvirt.ConnectListAllDomainsArgs) (libvirt.ConnectListAllDomainsRet, error)
	ConnectListDomains(ctx context.Context, a libvirt.ConnectListDomainsArgs) (libvirt.ConnectListDomainsRet, error)
	ConnectNumOfDomains(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDomainsRet, error)
	ConnectListDefinedDomains(ctx context.Context, a libvirt.ConnectListDefinedDomainsArgs) (libvirt.ConnectListDefinedDomainsRet, error)
	ConnectNumOfDefinedDomains(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDefinedDomainsRet, error)

	// State and description.
	DomainGetInfo(ctx context.Context, a libvirt.DomainGetInfoArgs) (libvirt.DomainGetInfoRet, error)
	DomainGetState(ctx context.Context, a libvirt.DomainGetStateArgs) (libvirt.DomainGetStateRet, error)
	DomainGetOsType(ctx context.Context, a libvirt.DomainGetOsTypeArgs) (libvirt.DomainGetOsTypeRet, error)
	DomainGetMaxMemory(ctx context.Context, a libvirt.DomainGetMaxMemoryArgs) (libvirt.DomainGetMaxMemoryRet, error)
	DomainIsActive(ctx context.Context, a libvirt.DomainIsActiveArgs) (libvirt.DomainIsActiveRet, error)
	DomainIsPersistent(ctx context.Context, a libvirt.DomainIsPersistentArgs) (libvirt.DomainIsPersistentRet, error)
	DomainIsUpdated(ctx context.Context, a libvirt.DomainIsUpdatedArgs) (libvirt.DomainIsUpdatedRet, error)
	DomainGetAutostart(ctx context.Context, a libvirt.DomainGetAutostartArgs) (libvirt.DomainGetAutostartRet, error)
	DomainHasManagedSaveImage(ctx context.Context, a libvirt.DomainHasManagedSaveImageArgs) (libvirt.DomainHasManagedSaveImageRet, error)
	DomainSnapshotNum(ctx context.Context, a libvirt.DomainSnapshotNumArgs) (libvirt.DomainSnapshotNumRet, error)
	DomainGetSecurityLabel(ctx context.Context, a libvirt.DomainGetSecurityLabelArgs) (libvirt.DomainGetSecurityLabelRet, error)
	DomainGetXMLDesc(ctx context.Context, a libvirt.DomainGetXMLDescArgs) (libvirt.DomainGetXMLDescRet, error)

	// Definitions.
	DomainDefineXML(ctx context.Context, a libvirt.DomainDefineXMLArgs) (libvirt.DomainDefineXMLRet, error)
	DomainDefineXMLFlags(ctx context.Context, a libvirt.DomainDefineXMLFlagsArgs) (libvirt.DomainDefineXMLFlagsRet, error)
	DomainUndefine(ctx context.Context, a libvirt.DomainUndefineArgs) (struct{}, error)
	DomainUndefineFlags(ctx context.Context, a libvirt.DomainUndefineFlagsArgs) (struct{}, error)
	DomainSetAutostart(ctx context.Context, a libvirt.DomainSetAutostartArgs) (struct{}, error)

	// Life cycle.
	DomainCreate(ctx context.Context, a libvirt.DomainCreateArgs) (struct{}, error)
	DomainCreateWithFlags(ctx context.Context, a libvirt.DomainCreateWithFlagsArgs) (libvirt.DomainCreateWithFlagsRet, error)
	DomainCreateXML(ctx context.Context, a libvirt.DomainCreateXMLArgs) (libvirt.DomainCreateXMLRet, error)
	DomainDestroy(ctx context.Context, a libvirt.DomainDestroyArgs) (struct{}, error)
	DomainDestroyFlags(ctx context.Context, a libvirt.DomainDestroyFlagsArgs) (struct{}, error)
	DomainShutdown(ctx context.Context, a libvirt.DomainShutdownArgs) (struct{}, error)
	DomainShutdownFlags(ctx context.Context, a libvirt.DomainShutdownFlagsArgs) (struct{}, error)
	DomainReboot(ctx context.Context, a libvirt.DomainRebootArgs) (struct{}, error)
	DomainReset(ctx context.Context, a libvirt.DomainResetArgs) (struct{}, error)
	DomainSuspend(ctx context.Context, a libvirt.DomainSuspendArgs) (struct{}, error)
	DomainResume(ctx context.Context, a libvirt.DomainResumeArgs) (struct{}, error)

	// Statistics.
	ConnectGetAllDomainStats(ctx context.Context, a libvirt.ConnectGetAllDomainStatsArgs) (libvirt.ConnectGetAllDomainStatsRet, error)
	DomainMemoryStats(ctx context.Context, a libvirt.DomainMemoryStatsArgs) (libvirt.DomainMemoryStatsRet, error)
	DomainBlockStats(ctx context.Context, a libvirt.DomainBlockStatsArgs) (libvirt.DomainBlockStatsRet, error)
	DomainBlockStatsFlags(ctx context.Context, a libvirt.DomainBlockStatsFlagsArgs) (libvirt.DomainBlockStatsFlagsRet, error)
	DomainInterfaceStats(ctx context.Context, a libvirt.DomainInterfaceStatsArgs) (libvirt.DomainInterfaceStatsRet, error)
	DomainGetBlockInfo(ctx context.Context, a libvirt.DomainGetBlockInfoArgs) (libvirt.DomainGetBlockInfoRet, error)
	DomainGetVcpus(ctx context.Context, a libvirt.DomainGetVcpusArgs) (libvirt.DomainGetVcpusRet, error)
	DomainGetVcpusFlags(ctx context.Context, a libvirt.DomainGetVcpusFlagsArgs) (libvirt.DomainGetVcpusFlagsRet, error)
	DomainGetCPUStats(ctx context.Context, a libvirt.DomainGetCPUStatsArgs) (libvirt.DomainGetCPUStatsRet, error)
	DomainGetJobInfo(ctx context.Context, a libvirt.DomainGetJobInfoArgs) (libvirt.DomainGetJobInfoRet, error)
	DomainGetJobStats(ctx context.Context, a libvirt.DomainGetJobStatsArgs) (libvirt.DomainGetJobStatsRet, error)

	// The host, as the hypervisor driver reports it.
	NodeGetCPUStats(ctx context.Context, a libvirt.NodeGetCPUStatsArgs) (libvirt.NodeGetCPUStatsRet, error)
	NodeGetMemoryStats(ctx context.Context, a libvirt.NodeGetMemoryStatsArgs) (libvirt.NodeGetMemoryStatsRet, error)
	NodeGetFreeMemory(ctx context.Context, _ struct{}) (libvirt.NodeGetFreeMemoryRet, error)
	NodeGetCellsFreeMemory(ctx context.Context, a libvirt.NodeGetCellsFreeMemoryArgs) (libvirt.NodeGetCellsFreeMemoryRet, error)
	NodeGetCPUMap(ctx context.Context, a libvirt.NodeGetCPUMapArgs) (libvirt.NodeGetCPUMapRet, error)
	ConnectGetMaxVcpus(ctx context.Context, a libvirt.ConnectGetMaxVcpusArgs) (libvirt.ConnectGetMaxVcpusRet, error)

	// DomainOpenConsole connects the guest's console to the stream the call opened
	// (rpc.OpenStream of ctx).
	DomainOpenConsole(ctx context.Context, a libvirt.DomainOpenConsoleArgs) (struct{}, error)
}
