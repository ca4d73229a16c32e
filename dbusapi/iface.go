package dbusapi

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

// Host interfaces are named by MAC address (interface.c): CONNECT/interface/ENCODED_MAC.
func interfaceElement(i libvirt.Interface) string { return nameElement(i.Mac) }

func (s *Server) interfacePath(i libvirt.Interface) dbus.ObjectPath {
	return s.child("interface", interfaceElement(i))
}

// connectInterfaceMethods are Connect's host interface calls.
func (s *Server) connectInterfaceMethods() map[string]method[conn] {
	d := s.cfg.Interfaces
	return map[string]method[conn]{
		"ListInterfaces": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := d.ConnectListAllInterfaces(ctx, libvirt.ConnectListAllInterfacesArgs{NeedResults: 1, Flags: libvirt.ConnectListAllInterfacesFlags(a.u32(0))})
			return []any{paths(s, "interface", r.Ifaces, interfaceElement)}, err
		},
		"InterfaceDefineXML": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := d.InterfaceDefineXML(ctx, libvirt.InterfaceDefineXMLArgs{XML: a.str(0), Flags: a.u32(1)})
			if err == nil {
				s.watch.changedPath(s.interfacePath(r.Iface))
			}
			return []any{s.interfacePath(r.Iface)}, err
		},
		"InterfaceLookupByMAC": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := d.InterfaceLookupByMACString(ctx, libvirt.InterfaceLookupByMacStringArgs{Mac: a.str(0)})
			return []any{s.interfacePath(r.Iface)}, err
		},
		"InterfaceLookupByName": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := d.InterfaceLookupByName(ctx, libvirt.InterfaceLookupByNameArgs{Name: a.str(0)})
			return []any{s.interfacePath(r.Iface)}, err
		},
		"InterfaceChangeBegin": func(ctx context.Context, _ conn, a args) ([]any, error) {
			return none(d.InterfaceChangeBegin(ctx, libvirt.InterfaceChangeBeginArgs{Flags: a.u32(0)}))
		},
		"InterfaceChangeCommit": func(ctx context.Context, _ conn, a args) ([]any, error) {
			return none(d.InterfaceChangeCommit(ctx, libvirt.InterfaceChangeCommitArgs{Flags: a.u32(0)}))
		},
		"InterfaceChangeRollback": func(ctx context.Context, _ conn, a args) ([]any, error) {
			return none(d.InterfaceChangeRollback(ctx, libvirt.InterfaceChangeRollbackArgs{Flags: a.u32(0)}))
		},
	}
}

// interfaceObjects is CONNECT/interface: org.libvirt.Interface over the interface
// driver. The interface driver has no events, so the object manager and
// PropertiesChanged follow the changes made through this API.
func (s *Server) interfaceObjects() objects {
	d := s.cfg.Interfaces
	type ifc = libvirt.Interface
	if d == nil {
		return s.unsupported("interface")
	}
	return &family[ifc]{
		name:   "interface",
		ifaces: []*spec.Interface{spec.HostInterface},
		resolve: func(ctx context.Context, elem string) (ifc, error) {
			r, err := d.InterfaceLookupByMACString(ctx, libvirt.InterfaceLookupByMacStringArgs{Mac: nameFromElement(elem)})
			return r.Iface, err
		},
		list: func(ctx context.Context) ([]string, error) {
			r, err := d.ConnectListAllInterfaces(ctx, libvirt.ConnectListAllInterfacesArgs{NeedResults: 1})
			var elems []string
			for _, x := range r.Ifaces {
				elems = append(elems, interfaceElement(x))
			}
			return elems, err
		},
		props: map[*spec.Interface]map[string]getter[ifc]{spec.HostInterface: {
			"Active": func(ctx context.Context, x ifc) (any, error) {
				r, err := d.InterfaceIsActive(ctx, libvirt.InterfaceIsActiveArgs{Iface: x})
				return boolOf(r.Active), err
			},
			"MAC":  func(_ context.Context, x ifc) (any, error) { return x.Mac, nil },
			"Name": func(_ context.Context, x ifc) (any, error) { return x.Name, nil },
		}},
		methods: map[string]method[ifc]{
			"Create": func(ctx context.Context, x ifc, a args) ([]any, error) {
				defer s.watch.changedPath(s.interfacePath(x))
				return none(d.InterfaceCreate(ctx, libvirt.InterfaceCreateArgs{Iface: x, Flags: a.u32(0)}))
			},
			"Destroy": func(ctx context.Context, x ifc, a args) ([]any, error) {
				defer s.watch.changedPath(s.interfacePath(x))
				return none(d.InterfaceDestroy(ctx, libvirt.InterfaceDestroyArgs{Iface: x, Flags: a.u32(0)}))
			},
			"GetXMLDesc": func(ctx context.Context, x ifc, a args) ([]any, error) {
				r, err := d.InterfaceGetXMLDesc(ctx, libvirt.InterfaceGetXMLDescArgs{Iface: x, Flags: a.u32(0)})
				return []any{r.XML}, err
			},
			"Undefine": func(ctx context.Context, x ifc, a args) ([]any, error) {
				defer s.watch.changedPath(s.interfacePath(x))
				return none(d.InterfaceUndefine(ctx, libvirt.InterfaceUndefineArgs{Iface: x}))
			},
		},
	}
}
