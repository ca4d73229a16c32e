package dbusapi

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
)

// event turns one driver event into the signals libvirt-dbus sends for it (events.c)
// and then brings the object's properties up to date, which may send virtunit's
// PropertiesChanged and the object manager's signals. It runs on the event source's
// subscriber goroutine, so it may call the drivers.
func (w *watcher) event(e rpc.Event) {
	s := w.s
	switch m := e.Body(0).(type) {
	case libvirt.DomainEventCallbackLifecycleMsg:
		path := s.domainPath(m.Msg.Dom)
		s.emit(s.path, "org.libvirt.Connect.DomainEvent", path, m.Msg.Event, m.Msg.Detail)
		w.changedPath(path)
	case libvirt.DomainEventCallbackRebootMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.Reboot")
	case libvirt.DomainEventCallbackDeviceAddedMsg:
		s.emit(s.domainPath(m.Dom), "org.libvirt.Domain.DeviceAdded", m.DevAlias)
	case libvirt.DomainEventCallbackDeviceRemovedMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.DeviceRemoved", m.Msg.DevAlias)
	case libvirt.DomainEventCallbackDeviceRemovalFailedMsg:
		s.emit(s.domainPath(m.Dom), "org.libvirt.Domain.DeviceRemovalFailed", m.DevAlias)
	case libvirt.DomainEventCallbackBalloonChangeMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.BalloonChange", m.Msg.Actual)
	case libvirt.DomainEventCallbackRtcChangeMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.RTCChange", m.Msg.Offset)
	case libvirt.DomainEventCallbackWatchdogMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.Watchdog", m.Msg.Action)
	case libvirt.DomainEventCallbackTrayChangeMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.TrayChange", m.Msg.DevAlias, m.Msg.Reason)
	case libvirt.DomainEventCallbackControlErrorMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.ControlError")
	case libvirt.DomainEventCallbackPmsuspendMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.PMSuspend", m.Reason)
	case libvirt.DomainEventCallbackPmsuspendDiskMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.PMSuspendDisk", m.Reason)
	case libvirt.DomainEventCallbackPmwakeupMsg:
		s.emit(s.domainPath(m.Msg.Dom), "org.libvirt.Domain.PMWakeup", m.Reason)
	case libvirt.DomainEventCallbackMetadataChangeMsg:
		// A description or title has no namespace: "" stands for NULL.
		s.emit(s.domainPath(m.Dom), "org.libvirt.Domain.MetadataChange", m.Type, fromOpt(m.Nsuri))
	case libvirt.DomainEventCallbackTunableMsg:
		s.emit(s.domainPath(m.Dom), "org.libvirt.Domain.Tunable", typedParams(m.Params))
	case libvirt.DomainEventCallbackAgentLifecycleMsg:
		s.emit(s.domainPath(m.Dom), "org.libvirt.Domain.AgentEvent", m.State, m.Reason)
	case libvirt.NetworkEventLifecycleMsg:
		// libvirt-dbus drops the detail of network events.
		path := s.networkPath(m.Net)
		s.emit(s.path, "org.libvirt.Connect.NetworkEvent", path, m.Event)
		w.changedPath(path)
	case libvirt.StoragePoolEventLifecycleMsg:
		path := s.poolPath(m.Pool)
		s.emit(s.path, "org.libvirt.Connect.StoragePoolEvent", path, m.Event, m.Detail)
		w.changedPath(path)
	case libvirt.StoragePoolEventRefreshMsg:
		// On the pool itself, as libvirt-dbus sends it.
		s.emit(s.poolPath(m.Pool), "org.libvirt.StoragePool.Refresh")
	case libvirt.NodeDeviceEventLifecycleMsg:
		path := s.nodeDevicePath(m.Dev)
		s.emit(s.path, "org.libvirt.Connect.NodeDeviceEvent", path, m.Event, m.Detail)
		w.changedPath(path)
	}
}
