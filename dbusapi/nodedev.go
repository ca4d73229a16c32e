package dbusapi

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

func nodeDeviceElement(d libvirt.NodeDevice) string { return nameElement(d.Name) }

func (s *Server) nodeDevicePath(d libvirt.NodeDevice) dbus.ObjectPath {
	return s.child("nodedev", nodeDeviceElement(d))
}

// connectNodeDeviceMethods are Connect's node device calls.
func (s *Server) connectNodeDeviceMethods() map[string]method[conn] {
	d := s.cfg.NodeDevices
	return map[string]method[conn]{
		"ListNodeDevices": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := d.ConnectListAllNodeDevices(ctx, libvirt.ConnectListAllNodeDevicesArgs{NeedResults: 1, Flags: a.u32(0)})
			return []any{paths(s, "nodedev", r.Devices, nodeDeviceElement)}, err
		},
		"NodeDeviceLookupByName": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := d.NodeDeviceLookupByName(ctx, libvirt.NodeDeviceLookupByNameArgs{Name: a.str(0)})
			return []any{s.nodeDevicePath(r.Dev)}, err
		},
		"NodeDeviceLookupSCSIHostByWWN": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := d.NodeDeviceLookupSCSIHostByWWN(ctx, libvirt.NodeDeviceLookupScsiHostByWwnArgs{Wwnn: a.str(0), Wwpn: a.str(1), Flags: a.u32(2)})
			return []any{s.nodeDevicePath(r.Dev)}, err
		},
	}
}

// nodeDeviceObjects is CONNECT/nodedev: org.libvirt.NodeDevice over the node device
// driver.
func (s *Server) nodeDeviceObjects() objects {
	d := s.cfg.NodeDevices
	type dev = libvirt.NodeDevice
	if d == nil {
		return s.unsupported("nodedev")
	}
	return &family[dev]{
		name:   "nodedev",
		ifaces: []*spec.Interface{spec.NodeDevice},
		resolve: func(ctx context.Context, elem string) (dev, error) {
			r, err := d.NodeDeviceLookupByName(ctx, libvirt.NodeDeviceLookupByNameArgs{Name: nameFromElement(elem)})
			return r.Dev, err
		},
		list: func(ctx context.Context) ([]string, error) {
			r, err := d.ConnectListAllNodeDevices(ctx, libvirt.ConnectListAllNodeDevicesArgs{NeedResults: 1})
			var elems []string
			for _, x := range r.Devices {
				elems = append(elems, nodeDeviceElement(x))
			}
			return elems, err
		},
		props: map[*spec.Interface]map[string]getter[dev]{spec.NodeDevice: {
			"Name": func(_ context.Context, x dev) (any, error) { return x.Name, nil },
			"Parent": func(ctx context.Context, x dev) (any, error) {
				r, err := d.NodeDeviceGetParent(ctx, libvirt.NodeDeviceGetParentArgs(x))
				if err != nil || len(r.ParentName) == 0 {
					// libvirtd answers NODE_DEVICE_GET_PARENT of a device without a
					// parent ("computer") with NULL and no error, the driver's "no
					// parent" dropped, so libvirt-dbus says "unknown error".
					return nil, dbus.NewError(errLibvirt, []any{"unknown error"})
				}
				return fromOpt(r.ParentName), nil
			},
		}},
		methods: map[string]method[dev]{
			"Detach": func(ctx context.Context, x dev, a args) ([]any, error) {
				return none(d.NodeDeviceDetachFlags(ctx, libvirt.NodeDeviceDetachFlagsArgs{Name: x.Name, DriverName: optString(a.str(0)), Flags: a.u32(1)}))
			},
			"GetXMLDesc": func(ctx context.Context, x dev, a args) ([]any, error) {
				r, err := d.NodeDeviceGetXMLDesc(ctx, libvirt.NodeDeviceGetXMLDescArgs{Name: x.Name, Flags: a.u32(0)})
				return []any{r.XML}, err
			},
			"ListCaps": func(ctx context.Context, x dev, a args) ([]any, error) {
				n, err := d.NodeDeviceNumOfCaps(ctx, libvirt.NodeDeviceNumOfCapsArgs(x))
				if err != nil {
					return nil, err
				}
				r, err := d.NodeDeviceListCaps(ctx, libvirt.NodeDeviceListCapsArgs{Name: x.Name, Maxnames: n.Num})
				return []any{append([]string{}, r.Names...)}, err
			},
			"ReAttach": func(ctx context.Context, x dev, a args) ([]any, error) {
				return none(d.NodeDeviceReAttach(ctx, libvirt.NodeDeviceReAttachArgs(x)))
			},
			"Reset": func(ctx context.Context, x dev, a args) ([]any, error) {
				return none(d.NodeDeviceReset(ctx, libvirt.NodeDeviceResetArgs(x)))
			},
		},
	}
}
