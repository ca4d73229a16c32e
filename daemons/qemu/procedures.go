package qemu

import (
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Procedures is the driver's dispatch table: one line per procedure, read-only ones
// marked so, lookups and state queries answered from memory on the connection's reader
// (inline), calls that must get through while workers are busy given priority
// workers, as libvirt's @priority:high annotations do.
func (d *Driver) Procedures() []rpc.Procedure {
	ro, prio, inline := rpc.ReadOnly, rpc.Priority, rpc.Inline
	return append([]rpc.Procedure{
		rpc.Handle(remote.DomainLookupByID, d.lookupByID, ro, inline),
		rpc.Handle(remote.DomainLookupByName, d.lookupByName, ro, inline),
		rpc.Handle(remote.DomainLookupByUUID, d.lookupByUUID, ro, inline),
		rpc.Handle(remote.ConnectListAllDomains, d.listAll, ro, inline),
		rpc.Handle(remote.ConnectListDomains, d.listIDs, ro, inline),
		rpc.Handle(remote.ConnectNumOfDomains, d.numActive, ro, inline),
		rpc.Handle(remote.ConnectListDefinedDomains, d.listDefined, ro, inline),
		rpc.Handle(remote.ConnectNumOfDefinedDomains, d.numDefined, ro, inline),

		rpc.Handle(remote.DomainGetInfo, d.getInfo, ro, prio),
		rpc.Handle(remote.DomainGetState, d.getState, ro, inline),
		rpc.Handle(remote.DomainGetOsType, d.getOSType, ro, inline),
		rpc.Handle(remote.DomainGetMaxMemory, d.getMaxMemory, ro, inline),
		rpc.Handle(remote.DomainIsActive, d.isActive, ro, inline),
		rpc.Handle(remote.DomainIsPersistent, d.isPersistent, ro, inline),
		rpc.Handle(remote.DomainIsUpdated, d.isUpdated, ro, inline),
		rpc.Handle(remote.DomainGetAutostart, d.getAutostart, ro, inline),
		rpc.Handle(remote.DomainHasManagedSaveImage, d.hasManagedSaveImage, ro, inline),
		rpc.Handle(remote.DomainSnapshotNum, d.snapshotNum, ro, inline),
		rpc.Handle(remote.NodeGetSecurityModel, d.securityModel, ro, inline),
		rpc.Handle(remote.DomainGetSecurityLabel, d.securityLabel, ro),
		rpc.Handle(remote.DomainGetXMLDesc, d.getXMLDesc, ro),

		rpc.Handle(remote.DomainDefineXML, d.defineXML),
		rpc.Handle(remote.DomainDefineXMLFlags, d.defineXMLFlags),
		rpc.Handle(remote.DomainUndefine, d.undefine),
		rpc.Handle(remote.DomainUndefineFlags, d.undefineFlags),
		rpc.Handle(remote.DomainSetAutostart, d.setAutostart),

		rpc.Handle(remote.DomainCreate, d.create),
		rpc.Handle(remote.DomainCreateWithFlags, d.createWithFlags),
		rpc.Handle(remote.DomainCreateXML, d.createXML),
		rpc.Handle(remote.DomainDestroy, d.destroy, prio),
		rpc.Handle(remote.DomainDestroyFlags, d.destroyFlags, prio),
		rpc.Handle(remote.DomainShutdown, d.shutdown),
		rpc.Handle(remote.DomainShutdownFlags, d.shutdownFlags),
		rpc.Handle(remote.DomainReboot, d.reboot),
		rpc.Handle(remote.DomainReset, d.reset),
		rpc.Handle(remote.DomainSuspend, d.suspend),
		rpc.Handle(remote.DomainResume, d.resume),
		rpc.Handle(remote.DomainOpenConsole, d.openConsole, prio),
	}, remote.DomainEventProcedures(d.env.Events)...)
}
