package remote

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// The object families events are registered for, as the hub keys them.
const (
	DomainEvents = iota + 1
	NetworkEvents
	NodeDeviceEvents
	StoragePoolEvents
)

// UUIDKey is the hub key of an object identified by UUID (domains, networks), the
// form event filters are matched in.
func UUIDKey(u libvirt.UUID) string { return string(u[:]) }

// DomainEventProcedures are the callback registration procedures for domain events
// (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY/DEREGISTER_ANY). The driver that emits
// domain events serves them, so a daemon without one answers that the function is not supported.
func DomainEventProcedures(hub *rpc.Hub) []rpc.Procedure {
	return []rpc.Procedure{
		rpc.Handle(ConnectDomainEventCallbackRegisterAny, func(ctx context.Context, a libvirt.ConnectDomainEventCallbackRegisterAnyArgs) (libvirt.ConnectDomainEventCallbackRegisterAnyRet, error) {
			key := ""
			if len(a.Dom) > 0 {
				key = UUIDKey(a.Dom[0].UUID)
			}
			id, err := register(ctx, hub, DomainEvents, a.EventID, key, virerror.FromDomain)
			return libvirt.ConnectDomainEventCallbackRegisterAnyRet{CallbackID: id}, err
		}, rpc.ReadOnly),
		rpc.Handle(ConnectDomainEventCallbackDeregisterAny, func(ctx context.Context, a libvirt.ConnectDomainEventCallbackDeregisterAnyArgs) (struct{}, error) {
			return struct{}{}, deregister(ctx, hub, DomainEvents, a.CallbackID, "domain")
		}, rpc.ReadOnly),
	}
}

// NetworkEventProcedures are CONNECT_NETWORK_EVENT_REGISTER_ANY/DEREGISTER_ANY.
func NetworkEventProcedures(hub *rpc.Hub) []rpc.Procedure {
	return []rpc.Procedure{
		rpc.Handle(ConnectNetworkEventRegisterAny, func(ctx context.Context, a libvirt.ConnectNetworkEventRegisterAnyArgs) (libvirt.ConnectNetworkEventRegisterAnyRet, error) {
			key := ""
			if len(a.Net) > 0 {
				key = UUIDKey(a.Net[0].UUID)
			}
			id, err := register(ctx, hub, NetworkEvents, a.EventID, key, virerror.FromNetwork)
			return libvirt.ConnectNetworkEventRegisterAnyRet{CallbackID: id}, err
		}, rpc.ReadOnly),
		rpc.Handle(ConnectNetworkEventDeregisterAny, func(ctx context.Context, a libvirt.ConnectNetworkEventDeregisterAnyArgs) (struct{}, error) {
			return struct{}{}, deregister(ctx, hub, NetworkEvents, a.CallbackID, "network")
		}, rpc.ReadOnly),
	}
}

// StoragePoolEventProcedures are CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY/DEREGISTER_ANY.
// Pools are filtered by UUID.
func StoragePoolEventProcedures(hub *rpc.Hub) []rpc.Procedure {
	return []rpc.Procedure{
		rpc.Handle(ConnectStoragePoolEventRegisterAny, func(ctx context.Context, a libvirt.ConnectStoragePoolEventRegisterAnyArgs) (libvirt.ConnectStoragePoolEventRegisterAnyRet, error) {
			key := ""
			if len(a.Pool) > 0 {
				key = UUIDKey(a.Pool[0].UUID)
			}
			id, err := register(ctx, hub, StoragePoolEvents, a.EventID, key, virerror.FromStorage)
			return libvirt.ConnectStoragePoolEventRegisterAnyRet{CallbackID: id}, err
		}, rpc.ReadOnly),
		rpc.Handle(ConnectStoragePoolEventDeregisterAny, func(ctx context.Context, a libvirt.ConnectStoragePoolEventDeregisterAnyArgs) (struct{}, error) {
			return struct{}{}, deregister(ctx, hub, StoragePoolEvents, a.CallbackID, "storage pool")
		}, rpc.ReadOnly),
	}
}

// NodeDeviceEventProcedures are CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY/DEREGISTER_ANY.
// Node devices are filtered by name. ready, when set, runs before a registration: the
// driver knows its devices when it returns, so that every later change is an event.
func NodeDeviceEventProcedures(hub *rpc.Hub, ready func(context.Context) error) []rpc.Procedure {
	return []rpc.Procedure{
		rpc.Handle(ConnectNodeDeviceEventRegisterAny, func(ctx context.Context, a libvirt.ConnectNodeDeviceEventRegisterAnyArgs) (libvirt.ConnectNodeDeviceEventRegisterAnyRet, error) {
			if ready != nil {
				if err := ready(ctx); err != nil {
					return libvirt.ConnectNodeDeviceEventRegisterAnyRet{}, err
				}
			}
			key := ""
			if len(a.Dev) > 0 {
				key = a.Dev[0].Name
			}
			id, err := register(ctx, hub, NodeDeviceEvents, a.EventID, key, virerror.FromNodeDev)
			return libvirt.ConnectNodeDeviceEventRegisterAnyRet{CallbackID: id}, err
		}, rpc.ReadOnly),
		rpc.Handle(ConnectNodeDeviceEventDeregisterAny, func(ctx context.Context, a libvirt.ConnectNodeDeviceEventDeregisterAnyArgs) (struct{}, error) {
			return struct{}{}, deregister(ctx, hub, NodeDeviceEvents, a.CallbackID, "node device")
		}, rpc.ReadOnly),
	}
}

// register accepts any non-negative event id: newer clients ask for ids this daemon
// never emits, and a registration that never fires is what libvirt gives them too.
func register(ctx context.Context, hub *rpc.Hub, family int, id int32, key string, dom virerror.Domain) (int32, error) {
	if id < 0 {
		return 0, virerror.New(libvirt.ErrInvalidArg, dom, "unsupported event ID %d", id)
	}
	return hub.Register(rpc.ClientFrom(ctx), family, id, key)
}

func deregister(ctx context.Context, hub *rpc.Hub, family int, cb int32, what string) error {
	if !hub.Deregister(rpc.ClientFrom(ctx), family, cb) {
		return virerror.New(libvirt.ErrInternalError, virerror.FromRPC, "%s event callback %d not registered", what, cb)
	}
	return nil
}
