package network

import (
	"context"
	"strings"

	"github.com/virtunit/virtunit/internal/hook"
	"libvirt.org/go/libvirtxml"
)

// The network hook's operations and sub-operations, as libvirt names them
// (virHookNetworkOpType, virHookSubopType).
const (
	hookStart       = "start"
	hookStarted     = "started"
	hookStopped     = "stopped"
	hookPortCreated = "port-created"
	hookPortDeleted = "port-deleted"

	hookBegin = "begin"
	hookEnd   = "end"
)

// runHook is networkRunHook: /etc/libvirt/hooks/network (and network.d/*) with the
// network's name, the operation and sub-operation, and on stdin <hookData> holding the
// network's XML as dumpxml shows it and, for port operations, the port's.
func (d *Driver) runHook(ctx context.Context, def *netDef, ports map[string]*libvirtxml.NetworkPort, port *libvirtxml.NetworkPort, op, subop string) error {
	if !d.hooks.Present(hook.Network) {
		return nil
	}
	net, err := formatLive(def, ports)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("<hookData>\n")
	b.WriteString(indent(net))
	if port != nil {
		s, err := formatPort(port)
		if err != nil {
			return err
		}
		b.WriteString(indent(s))
	}
	b.WriteString("</hookData>")
	return d.hooks.Call(ctx, hook.Network, def.Name, op, subop, "", b.String())
}

// indent shifts every line of an XML document two spaces right.
func indent(doc string) string {
	doc = strings.TrimSuffix(doc, "\n")
	return "  " + strings.ReplaceAll(doc, "\n", "\n  ") + "\n"
}
