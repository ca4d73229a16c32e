package remote

import (
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// The QEMU program (QEMU_PROGRAM in src/remote/qemu_protocol.x): libvirt-qemu's calls
// that reach into a guest's QEMU, virsh qemu-monitor-command and qemu-agent-command.
const (
	QEMUProgram = 0x20008087
	QEMUVersion = 1
)

// QEMUProc is a procedure number of the QEMU program.
type QEMUProc int32

const (
	QEMUDomainMonitorCommand QEMUProc = 1
	QEMUDomainAttach         QEMUProc = 2
	QEMUDomainAgentCommand   QEMUProc = 3
)

var qemuAPIs = map[QEMUProc]string{
	QEMUDomainMonitorCommand: "virDomainQemuMonitorCommand",
	QEMUDomainAttach:         "virDomainQemuAttach",
	QEMUDomainAgentCommand:   "virDomainQemuAgentCommand",
}

// API is the libvirt-qemu function the procedure carries.
func (p QEMUProc) API() string { return qemuAPIs[p] }

// ErrorDomain: libvirt-qemu.c reports from VIR_FROM_DOMAIN.
func (p QEMUProc) ErrorDomain() virerror.Domain { return virerror.FromDomain }

// qemuProcedures is the QEMU program's table for a hypervisor driver.
func qemuProcedures(d driver.Hypervisor) []rpc.Procedure {
	return []rpc.Procedure{
		rpc.Handle(QEMUDomainMonitorCommand, d.QEMUDomainMonitorCommand),
		rpc.Handle(QEMUDomainAgentCommand, d.QEMUDomainAgentCommand),
	}
}
