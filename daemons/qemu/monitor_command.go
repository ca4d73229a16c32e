package qemu

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh qemu-monitor-command and qemu-agent-command: commands passed to the guest's
// QEMU or guest agent as given, their answers returned as QEMU gave them. As libvirt,
// a guest that had such a command is marked tainted in its log.

// qemuMonitorHMP is VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP.
const qemuMonitorHMP = 1

func (d *Driver) QEMUDomainMonitorCommand(ctx context.Context, a libvirt.QEMUDomainMonitorCommandArgs) (libvirt.QEMUDomainMonitorCommandRet, error) {
	if err := checkFlags(a.Flags, qemuMonitorHMP, "qemuDomainQemuMonitorCommand"); err != nil {
		return libvirt.QEMUDomainMonitorCommandRet{}, err
	}
	v, err := d.runningView(a.Dom)
	if err != nil {
		return libvirt.QEMUDomainMonitorCommandRet{}, err
	}
	d.taint(v, "custom-monitor")
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if a.Flags&qemuMonitorHMP != 0 {
		var out string
		if err := v.run.mon.Execute(ctx, "human-monitor-command", map[string]string{"command-line": a.Cmd}, &out); err != nil {
			return libvirt.QEMUDomainMonitorCommandRet{}, monitorError(err)
		}
		return libvirt.QEMUDomainMonitorCommandRet{Result: out}, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(a.Cmd), &probe); err != nil {
		return libvirt.QEMUDomainMonitorCommandRet{}, virerror.New(libvirt.ErrInternalError, virerror.FromNone, "cannot parse json %s: %v", a.Cmd, err)
	}
	line, err := v.run.mon.RunContext(ctx, []byte(a.Cmd))
	if line == nil && err != nil {
		return libvirt.QEMUDomainMonitorCommandRet{}, monitorError(err)
	}
	// An error QEMU answered is the command's result, not the call's failure. libvirt
	// passes the reply on as compact JSON.
	var out bytes.Buffer
	if json.Compact(&out, line) != nil {
		return libvirt.QEMUDomainMonitorCommandRet{Result: strings.TrimSpace(string(line))}, nil
	}
	return libvirt.QEMUDomainMonitorCommandRet{Result: out.String()}, nil
}

// The timeouts of virDomainQemuAgentCommand (VIR_DOMAIN_QEMU_AGENT_COMMAND_*).
const (
	agentBlock   = -2
	agentDefault = -1
	agentNoWait  = 0
)

func (d *Driver) QEMUDomainAgentCommand(ctx context.Context, a libvirt.QEMUDomainAgentCommandArgs) (libvirt.QEMUDomainAgentCommandRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainQemuAgentCommand"); err != nil {
		return libvirt.QEMUDomainAgentCommandRet{}, err
	}
	var timeout time.Duration
	switch t := a.Timeout; {
	case t == agentBlock:
		timeout = 24 * time.Hour
	case t == agentDefault:
		timeout = agentTimeout
	case t == agentNoWait:
		timeout = time.Second
	case t > 0:
		timeout = time.Duration(t) * time.Second
	default:
		return libvirt.QEMUDomainAgentCommandRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "guest agent timeout '%d' is less than the minimum '%d'", t, agentBlock)
	}
	v, err := d.runningView(a.Dom)
	if err != nil {
		return libvirt.QEMUDomainAgentCommandRet{}, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(a.Cmd), &probe); err != nil {
		return libvirt.QEMUDomainAgentCommandRet{}, virerror.New(libvirt.ErrInternalError, virerror.FromNone, "cannot parse json %s: %v", a.Cmd, err)
	}
	d.taint(v, "custom-ga-command")
	ret, err := d.agentCommand(ctx, v, []byte(a.Cmd), timeout)
	if err != nil {
		return libvirt.QEMUDomainAgentCommandRet{}, err
	}
	out, _ := json.Marshal(map[string]json.RawMessage{"return": ret})
	return libvirt.QEMUDomainAgentCommandRet{Result: libvirt.OptString{string(out)}}, nil
}
