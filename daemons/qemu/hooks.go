package qemu

import (
	"context"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/internal/hook"
)

// The points of a guest's life libvirt calls /etc/libvirt/hooks/qemu at, with the
// operation and sub-operation it passes.
const (
	hookPrepare   = "prepare"   // begin: before any resource is set up; a failure stops the start
	hookStart     = "start"     // begin: everything is ready, QEMU not yet run
	hookStarted   = "started"   // begin: QEMU runs
	hookReconnect = "reconnect" // begin: a restarted daemon found the guest running; a failure kills it
	hookStopped   = "stopped"   // end: QEMU is gone, its resources not yet released
	hookRelease   = "release"   // end: everything is released
)

// callHook runs the qemu hook scripts for one operation on the guest, with its live
// definition on standard input. Hooks of stops cannot refuse anything: their failure
// is logged.
func (d *Driver) callHook(ctx context.Context, op string, def *libvirtxml.Domain) error {
	subop := "begin"
	if op == hookStopped || op == hookRelease {
		subop = "end"
	}
	// Formatting the definition costs more than looking for a script; most hosts
	// have none (and every adopted guest calls reconnect's hook).
	if !d.hooks.Present(hook.QEMU) {
		return nil
	}
	xml, err := formatDefinition(def)
	if err != nil {
		return err
	}
	err = d.hooks.Call(context.WithoutCancel(ctx), hook.QEMU, def.Name, op, subop, "-", xml)
	if err != nil && subop == "end" {
		d.log.Warn("hook script failed", "domain", def.Name, "operation", op, "err", err)
		return nil
	}
	return err
}
