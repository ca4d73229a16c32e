package qemu

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// The domain event ids (virDomainEventID) the driver emits.
const (
	eventIDLifecycle = 0
	eventIDReboot    = 1
)

// emit publishes a lifecycle event (virsh event prints "Started Booted" and the like)
// to every client that registered for the domain or for all domains.
func (d *Driver) emit(ref libvirt.Domain, event libvirt.DomainEventType, detail int32) {
	d.env.Events.Publish(rpc.Event{
		Family: remote.DomainEvents, ID: eventIDLifecycle, Key: remote.UUIDKey(ref.UUID),
		Program: remote.Program, Proc: int32(remote.DomainEventCallbackLifecycle),
		Body: func(cb int32) any {
			return libvirt.DomainEventCallbackLifecycleMsg{CallbackID: cb,
				Msg: libvirt.DomainEventLifecycleMsg{Dom: ref, Event: int32(event), Detail: detail}}
		},
	})
}

// emitReboot publishes the reboot event a guest reset or reboot causes.
func (d *Driver) emitReboot(ref libvirt.Domain) {
	d.env.Events.Publish(rpc.Event{
		Family: remote.DomainEvents, ID: eventIDReboot, Key: remote.UUIDKey(ref.UUID),
		Program: remote.Program, Proc: int32(remote.DomainEventCallbackReboot),
		Body: func(cb int32) any {
			return libvirt.DomainEventCallbackRebootMsg{CallbackID: cb, Msg: libvirt.DomainEventRebootMsg{Dom: ref}}
		},
	})
}
