package qemu

import (
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Procedures is the driver's dispatch table: one line per procedure, read-only ones
// marked so, lookups and state queries given priority workers as libvirt's
// @priority:high annotations do.
func (d *Driver) Procedures() []rpc.Procedure {
	ro, prio := rpc.ReadOnly, rpc.Priority
	return append([]rpc.Procedure{
		rpc.Handle(remote.DomainLookupByID, d.lookupByID, ro, prio),
		rpc.Handle(remote.DomainLookupByName, d.lookupByName, ro, prio),
		rpc.Handle(remote.DomainLookupByUUID, d.lookupByUUID, ro, prio),
		rpc.Handle(remote.ConnectListAllDomains, d.listAll, ro, prio),
		rpc.Handle(remote.ConnectListDomains, d.listIDs, ro, prio),
		rpc.Handle(remote.ConnectNumOfDomains, d.numActive, ro, prio),
		rpc.Handle(remote.ConnectListDefinedDomains, d.listDefined, ro, prio),
		rpc.Handle(remote.ConnectNumOfDefinedDomains, d.numDefined, ro, prio),

		rpc.Handle(remote.DomainGetInfo, d.getInfo, ro, prio),
		rpc.Handle(remote.DomainGetState, d.getState, ro, prio),
		rpc.Handle(remote.DomainGetOsType, d.getOSType, ro, prio),
		rpc.Handle(remote.DomainGetMaxMemory, d.getMaxMemory, ro, prio),
		rpc.Handle(remote.DomainIsActive, d.isActive, ro, prio),
		rpc.Handle(remote.DomainIsPersistent, d.isPersistent, ro, prio),
		rpc.Handle(remote.DomainIsUpdated, d.isUpdated, ro, prio),
		rpc.Handle(remote.DomainGetAutostart, d.getAutostart, ro, prio),
		rpc.Handle(remote.DomainHasManagedSaveImage, d.hasManagedSaveImage, ro),
		rpc.Handle(remote.DomainSnapshotNum, d.snapshotNum, ro),
		rpc.Handle(remote.NodeGetSecurityModel, d.securityModel, ro, prio),
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
