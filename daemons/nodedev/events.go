package nodedev

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// The node-device event ids (virNodeDeviceEventID).
const (
	eventIDLifecycle = 0
	eventIDUpdate    = 1
)

// publishLifecycle tells registered callbacks that a device appeared or went away.
func (d *Driver) publishLifecycle(name string, ev libvirt.NodeDeviceEventLifecycleType) {
	if d.enumerating {
		return // the devices present at start were not created now
	}
	d.log.Debug("node device event", "device", name, "event", ev)
	d.hub.Publish(rpc.Event{
		Family:  remote.NodeDeviceEvents,
		ID:      eventIDLifecycle,
		Key:     name,
		Program: remote.Program,
		Proc:    int32(remote.NodeDeviceEventLifecycle),
		Body: func(cb int32) any {
			return libvirt.NodeDeviceEventLifecycleMsg{CallbackID: cb, Dev: libvirt.NodeDevice{Name: name}, Event: int32(ev)}
		},
	})
}

// publishUpdate tells registered callbacks that a device changed.
func (d *Driver) publishUpdate(name string) {
	d.log.Debug("node device event", "device", name, "event", "update")
	d.hub.Publish(rpc.Event{
		Family:  remote.NodeDeviceEvents,
		ID:      eventIDUpdate,
		Key:     name,
		Program: remote.Program,
		Proc:    int32(remote.NodeDeviceEventUpdate),
		Body: func(cb int32) any {
			return libvirt.NodeDeviceEventUpdateMsg{CallbackID: cb, Dev: libvirt.NodeDevice{Name: name}}
		},
	})
}
