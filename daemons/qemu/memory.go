package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	goqmp "github.com/digitalocean/go-qemu/qmp"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh setmem and setmaxmem: a running guest's memory changes through its balloon;
// the maximum only in the definition.

// memMaximum is VIR_DOMAIN_MEM_MAXIMUM.
const memMaximum = uint32(libvirt.DomainMemMaximum)

// eventIDBalloonChange is VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE.
const eventIDBalloonChange = 13

func (d *Driver) DomainSetMemory(ctx context.Context, a libvirt.DomainSetMemoryArgs) (struct{}, error) {
	return struct{}{}, d.setMemory(ctx, a.Dom, a.Memory, affectLive)
}

func (d *Driver) DomainSetMaxMemory(ctx context.Context, a libvirt.DomainSetMaxMemoryArgs) (struct{}, error) {
	return struct{}{}, d.setMemory(ctx, a.Dom, a.Memory, memMaximum)
}

func (d *Driver) DomainSetMemoryFlags(ctx context.Context, a libvirt.DomainSetMemoryFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig|memMaximum, "qemuDomainSetMemoryFlags"); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.setMemory(ctx, a.Dom, a.Memory, a.Flags)
}

// setMemory is qemuDomainSetMemoryFlags: newMem in KiB.
func (d *Driver) setMemory(ctx context.Context, ref libvirt.Domain, newMem uint64, flags uint32) error {
	dom, err := d.lock(ref)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	live, config, err := dom.impact(flags)
	if err != nil {
		return err
	}
	if flags&memMaximum != 0 {
		if live {
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot resize the maximum memory on an active domain")
		}
		if newMem == 0 {
			return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "memory size must be greater than zero")
		}
		return d.modify(dom, affectConfig, func(def *libvirtxml.Domain) error {
			def.Memory = &libvirtxml.DomainMemory{Value: uint(newMem), Unit: "KiB", DumpCore: def.Memory.DumpCore}
			if def.CurrentMemory == nil || uint64(def.CurrentMemory.Value) > newMem {
				def.CurrentMemory = &libvirtxml.DomainCurrentMemory{Value: uint(newMem), Unit: "KiB"}
			}
			return nil
		})
	}
	v := dom.view()
	if (live && newMem > uint64(v.def.Memory.Value)) || (config && newMem > uint64(v.persistent.Memory.Value)) {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "cannot set memory higher than max memory")
	}
	if live {
		if !hasBalloon(v.def) {
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "Unable to change memory of active domain without the balloon device and guest OS balloon driver")
		}
		if err := v.run.mon.Execute(ctx, "balloon", map[string]uint64{"value": newMem * 1024}, nil); err != nil {
			return monitorError(err)
		}
	}
	setCurrent := func(def *libvirtxml.Domain) error {
		def.CurrentMemory = &libvirtxml.DomainCurrentMemory{Value: uint(newMem), Unit: "KiB"}
		return nil
	}
	if live && config {
		return d.modify(dom, affectLive|affectConfig, setCurrent)
	}
	if live {
		return d.modify(dom, affectLive, setCurrent)
	}
	return d.modify(dom, affectConfig, setCurrent)
}

// onBalloonChange follows the balloon as the guest gives memory back or takes it:
// the live definition shows the size, and clients hear of it.
func (d *Driver) onBalloonChange(dom *domain, r *running, ev goqmp.Event) {
	actual, ok := ev.Data["actual"].(float64)
	if !ok {
		return
	}
	kib := uint64(actual) / 1024
	dom.mu.Lock()
	if dom.run != r || dom.live == nil {
		dom.mu.Unlock()
		return
	}
	cp := *dom.live
	cp.CurrentMemory = &libvirtxml.DomainCurrentMemory{Value: uint(kib), Unit: "KiB"}
	dom.live = &cp
	ref := dom.refLocked()
	dom.mu.Unlock()
	d.env.Events.Publish(rpc.Event{
		Family: remote.DomainEvents, ID: eventIDBalloonChange, Key: remote.UUIDKey(ref.UUID),
		Program: remote.Program, Proc: int32(remote.DomainEventCallbackBalloonChange),
		Body: func(cb int32) any {
			return libvirt.DomainEventCallbackBalloonChangeMsg{CallbackID: cb,
				Msg: libvirt.DomainEventBalloonChangeMsg{Dom: ref, Actual: kib}}
		},
	})
}
