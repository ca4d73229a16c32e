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
	DomainGetControlInfo(ctx context.Context, a libvirt.DomainGetControlInfoArgs) (libvirt.DomainGetControlInfoRet, error)
	DomainGetMessages(ctx context.Context, a libvirt.DomainGetMessagesArgs) (libvirt.DomainGetMessagesRet, error)
	DomainGetNumaParameters(ctx context.Context, a libvirt.DomainGetNumaParametersArgs) (libvirt.DomainGetNumaParametersRet, error)
	DomainSetNumaParameters(ctx context.Context, a libvirt.DomainSetNumaParametersArgs) (struct{}, error)
	DomainGetSchedulerType(ctx context.Context, a libvirt.DomainGetSchedulerTypeArgs) (libvirt.DomainGetSchedulerTypeRet, error)
	DomainGetSchedulerParameters(ctx context.Context, a libvirt.DomainGetSchedulerParametersArgs) (libvirt.DomainGetSchedulerParametersRet, error)
	DomainGetSchedulerParametersFlags(ctx context.Context, a libvirt.DomainGetSchedulerParametersFlagsArgs) (libvirt.DomainGetSchedulerParametersFlagsRet, error)
	DomainSetSchedulerParameters(ctx context.Context, a libvirt.DomainSetSchedulerParametersArgs) (struct{}, error)
	DomainSetSchedulerParametersFlags(ctx context.Context, a libvirt.DomainSetSchedulerParametersFlagsArgs) (struct{}, error)
	DomainGetMemoryParameters(ctx context.Context, a libvirt.DomainGetMemoryParametersArgs) (libvirt.DomainGetMemoryParametersRet, error)
	DomainSetMemoryParameters(ctx context.Context, a libvirt.DomainSetMemoryParametersArgs) (struct{}, error)
	DomainGetBlkioParameters(ctx context.Context, a libvirt.DomainGetBlkioParametersArgs) (libvirt.DomainGetBlkioParametersRet, error)
	DomainSetBlkioParameters(ctx context.Context, a libvirt.DomainSetBlkioParametersArgs) (struct{}, error)

	// How many vCPUs a guest of this hypervisor may have.
	ConnectGetMaxVcpus(ctx context.Context, a libvirt.ConnectGetMaxVcpusArgs) (libvirt.ConnectGetMaxVcpusRet, error)

	// Changes to a running guest and its definition.
	DomainAttachDevice(ctx context.Context, a libvirt.DomainAttachDeviceArgs) (struct{}, error)
	DomainAttachDeviceFlags(ctx context.Context, a libvirt.DomainAttachDeviceFlagsArgs) (struct{}, error)
	DomainDetachDevice(ctx context.Context, a libvirt.DomainDetachDeviceArgs) (struct{}, error)
	DomainDetachDeviceFlags(ctx context.Context, a libvirt.DomainDetachDeviceFlagsArgs) (struct{}, error)
	DomainUpdateDeviceFlags(ctx context.Context, a libvirt.DomainUpdateDeviceFlagsArgs) (struct{}, error)
	DomainSetMemory(ctx context.Context, a libvirt.DomainSetMemoryArgs) (struct{}, error)
	DomainSetMaxMemory(ctx context.Context, a libvirt.DomainSetMaxMemoryArgs) (struct{}, error)
	DomainSetMemoryFlags(ctx context.Context, a libvirt.DomainSetMemoryFlagsArgs) (struct{}, error)
	DomainSetVcpus(ctx context.Context, a libvirt.DomainSetVcpusArgs) (struct{}, error)
	DomainSetVcpusFlags(ctx context.Context, a libvirt.DomainSetVcpusFlagsArgs) (struct{}, error)
	DomainGetMetadata(ctx context.Context, a libvirt.DomainGetMetadataArgs) (libvirt.DomainGetMetadataRet, error)
	DomainSetMetadata(ctx context.Context, a libvirt.DomainSetMetadataArgs) (struct{}, error)
	DomainRename(ctx context.Context, a libvirt.DomainRenameArgs) (libvirt.DomainRenameRet, error)

	// Keyboard and screen.
	DomainSendKey(ctx context.Context, a libvirt.DomainSendKeyArgs) (struct{}, error)
	DomainInjectNmi(ctx context.Context, a libvirt.DomainInjectNmiArgs) (struct{}, error)
	DomainScreenshot(ctx context.Context, a libvirt.DomainScreenshotArgs) (libvirt.DomainScreenshotRet, error)

	// Saved state: save images, managed save, snapshots.
	DomainSave(ctx context.Context, a libvirt.DomainSaveArgs) (struct{}, error)
	DomainSaveFlags(ctx context.Context, a libvirt.DomainSaveFlagsArgs) (struct{}, error)
	DomainRestore(ctx context.Context, a libvirt.DomainRestoreArgs) (struct{}, error)
	DomainRestoreFlags(ctx context.Context, a libvirt.DomainRestoreFlagsArgs) (struct{}, error)
	DomainManagedSave(ctx context.Context, a libvirt.DomainManagedSaveArgs) (struct{}, error)
	DomainManagedSaveRemove(ctx context.Context, a libvirt.DomainManagedSaveRemoveArgs) (struct{}, error)
	DomainManagedSaveGetXMLDesc(ctx context.Context, a libvirt.DomainManagedSaveGetXMLDescArgs) (libvirt.DomainManagedSaveGetXMLDescRet, error)
	DomainManagedSaveDefineXML(ctx context.Context, a libvirt.DomainManagedSaveDefineXMLArgs) (struct{}, error)
	DomainSaveImageGetXMLDesc(ctx context.Context, a libvirt.DomainSaveImageGetXMLDescArgs) (libvirt.DomainSaveImageGetXMLDescRet, error)
	DomainSaveImageDefineXML(ctx context.Context, a libvirt.DomainSaveImageDefineXMLArgs) (struct{}, error)
	DomainSnapshotCreateXML(ctx context.Context, a libvirt.DomainSnapshotCreateXMLArgs) (libvirt.DomainSnapshotCreateXMLRet, error)
	DomainSnapshotGetXMLDesc(ctx context.Context, a libvirt.DomainSnapshotGetXMLDescArgs) (libvirt.DomainSnapshotGetXMLDescRet, error)
	DomainSnapshotListNames(ctx context.Context, a libvirt.DomainSnapshotListNamesArgs) (libvirt.DomainSnapshotListNamesRet, error)
	DomainListAllSnapshots(ctx context.Context, a libvirt.DomainListAllSnapshotsArgs) (libvirt.DomainListAllSnapshotsRet, error)
	DomainSnapshotNumChildren(ctx context.Context, a libvirt.DomainSnapshotNumChildrenArgs) (libvirt.DomainSnapshotNumChildrenRet, error)
	DomainSnapshotListChildrenNames(ctx context.Context, a libvirt.DomainSnapshotListChildrenNamesArgs) (libvirt.DomainSnapshotListChildrenNamesRet, error)
	DomainSnapshotListAllChildren(ctx context.Context, a libvirt.DomainSnapshotListAllChildrenArgs) (libvirt.DomainSnapshotListAllChildrenRet, error)
	DomainSnapshotLookupByName(ctx context.Context, a libvirt.DomainSnapshotLookupByNameArgs) (libvirt.DomainSnapshotLookupByNameRet, error)
	DomainHasCurrentSnapshot(ctx context.Context, a libvirt.DomainHasCurrentSnapshotArgs) (libvirt.DomainHasCurrentSnapshotRet, error)
	DomainSnapshotCurrent(ctx context.Context, a libvirt.DomainSnapshotCurrentArgs) (libvirt.DomainSnapshotCurrentRet, error)
	DomainSnapshotGetParent(ctx context.Context, a libvirt.DomainSnapshotGetParentArgs) (libvirt.DomainSnapshotGetParentRet, error)
	DomainSnapshotIsCurrent(ctx context.Context, a libvirt.DomainSnapshotIsCurrentArgs) (libvirt.DomainSnapshotIsCurrentRet, error)
	DomainSnapshotHasMetadata(ctx context.Context, a libvirt.DomainSnapshotHasMetadataArgs) (libvirt.DomainSnapshotHasMetadataRet, error)
	DomainRevertToSnapshot(ctx context.Context, a libvirt.DomainRevertToSnapshotArgs) (struct{}, error)
	DomainSnapshotDelete(ctx context.Context, a libvirt.DomainSnapshotDeleteArgs) (struct{}, error)

	// What the guest agent knows.
	DomainInterfaceAddresses(ctx context.Context, a libvirt.DomainInterfaceAddressesArgs) (libvirt.DomainInterfaceAddressesRet, error)
	DomainGetFsinfo(ctx context.Context, a libvirt.DomainGetFsinfoArgs) (libvirt.DomainGetFsinfoRet, error)
	DomainGetTime(ctx context.Context, a libvirt.DomainGetTimeArgs) (libvirt.DomainGetTimeRet, error)
	DomainSetTime(ctx context.Context, a libvirt.DomainSetTimeArgs) (struct{}, error)

	// The QEMU program (libvirt-qemu): a guest's monitor and agent, raw.
	QEMUDomainMonitorCommand(ctx context.Context, a libvirt.QEMUDomainMonitorCommandArgs) (libvirt.QEMUDomainMonitorCommandRet, error)
	QEMUDomainAgentCommand(ctx context.Context, a libvirt.QEMUDomainAgentCommandArgs) (libvirt.QEMUDomainAgentCommandRet, error)

	// DomainOpenConsole connects the guest's console to the stream the call opened
	// (rpc.OpenStream of ctx).
	DomainOpenConsole(ctx context.Context, a libvirt.DomainOpenConsoleArgs) (struct{}, error)
}
