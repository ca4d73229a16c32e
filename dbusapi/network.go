package dbusapi

import (
	"context"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/dbusapi/spec"
)

func networkElement(n libvirt.Network) string { return uuidElement(n.UUID) }

func (s *Server) networkPath(n libvirt.Network) dbus.ObjectPath {
	return s.child("network", networkElement(n))
}

// lookupNetwork is virNetworkLookupByUUIDString.
func (s *Server) lookupNetwork(ctx context.Context, uuid string) (libvirt.Network, error) {
	u, ok := parseUUID(uuid)
	if !ok {
		return libvirt.Network{}, invalidUUID("virNetworkLookupByUUIDString")
	}
	r, err := s.cfg.Networks.NetworkLookupByUUID(ctx, libvirt.NetworkLookupByUUIDArgs{UUID: u})
	return r.Net, err
}

// invalidUUID is how libvirt's public lookups refuse a malformed UUID string.
func invalidUUID(fn string) error {
	return virerror.Verbatim(libvirt.ErrInvalidArg, virerror.FromNone, fmt.Sprintf("uuidstr in %s must be a valid UUID", fn))
}

// connectNetworkMethods are Connect's network calls.
func (s *Server) connectNetworkMethods() map[string]method[conn] {
	n := s.cfg.Networks
	return map[string]method[conn]{
		"ListNetworks": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := n.ConnectListAllNetworks(ctx, libvirt.ConnectListAllNetworksArgs{NeedResults: 1, Flags: libvirt.ConnectListAllNetworksFlags(a.u32(0))})
			return []any{paths(s, "network", r.Nets, networkElement)}, err
		},
		"NetworkCreateXML": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := n.NetworkCreateXML(ctx, libvirt.NetworkCreateXMLArgs{XML: a.str(0)})
			return []any{s.networkPath(r.Net)}, err
		},
		"NetworkDefineXML": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := n.NetworkDefineXML(ctx, libvirt.NetworkDefineXMLArgs{XML: a.str(0)})
			return []any{s.networkPath(r.Net)}, err
		},
		"NetworkLookupByName": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := n.NetworkLookupByName(ctx, libvirt.NetworkLookupByNameArgs{Name: a.str(0)})
			return []any{s.networkPath(r.Net)}, err
		},
		"NetworkLookupByUUID": func(ctx context.Context, _ conn, a args) ([]any, error) {
			net, err := s.lookupNetwork(ctx, a.str(0))
			return []any{s.networkPath(net)}, err
		},
	}
}

// lease is one DHCP lease as GetDHCPLeases returns it (sxisssuss).
type lease struct {
	Iface      string
	ExpiryTime int64
	Type       int32
	MAC, IAID  string
	IPAddr     string
	Prefix     uint32
	Hostname   string
	ClientID   string
}

// networkObjects is CONNECT/network: org.libvirt.Network over the network driver,
// and org.virtunit.Network.
func (s *Server) networkObjects() objects {
	n := s.cfg.Networks
	type net = libvirt.Network
	if n == nil {
		return s.unsupported("network")
	}
	return &family[net]{
		name:   "network",
		ifaces: []*spec.Interface{spec.Network, spec.VirtunitNetwork},
		resolve: func(ctx context.Context, elem string) (net, error) {
			return s.lookupNetwork(ctx, uuidFromElement(elem))
		},
		list: func(ctx context.Context) ([]string, error) {
			r, err := n.ConnectListAllNetworks(ctx, libvirt.ConnectListAllNetworksArgs{NeedResults: 1})
			var elems []string
			for _, x := range r.Nets {
				elems = append(elems, networkElement(x))
			}
			return elems, err
		},
		props: map[*spec.Interface]map[string]getter[net]{
			spec.Network: {
				"Active": func(ctx context.Context, x net) (any, error) {
					r, err := n.NetworkIsActive(ctx, libvirt.NetworkIsActiveArgs{Net: x})
					return boolOf(r.Active), err
				},
				"Autostart": func(ctx context.Context, x net) (any, error) {
					r, err := n.NetworkGetAutostart(ctx, libvirt.NetworkGetAutostartArgs{Net: x})
					return boolOf(r.Autostart), err
				},
				"Name": func(_ context.Context, x net) (any, error) { return x.Name, nil },
				"Persistent": func(ctx context.Context, x net) (any, error) {
					r, err := n.NetworkIsPersistent(ctx, libvirt.NetworkIsPersistentArgs{Net: x})
					return boolOf(r.Persistent), err
				},
				"UUID": func(_ context.Context, x net) (any, error) { return formatUUID(x.UUID), nil },
			},
			spec.VirtunitNetwork: s.networkUnitProperties(),
		},
		setters: map[string]setter[net]{
			"Autostart": func(ctx context.Context, x net, v any) error {
				_, err := n.NetworkSetAutostart(ctx, libvirt.NetworkSetAutostartArgs{Net: x, Autostart: intOf(v.(bool))})
				return err
			},
		},
		methods: map[string]method[net]{
			"Create": func(ctx context.Context, x net, a args) ([]any, error) {
				return none(n.NetworkCreate(ctx, libvirt.NetworkCreateArgs{Net: x}))
			},
			"Destroy": func(ctx context.Context, x net, a args) ([]any, error) {
				return none(n.NetworkDestroy(ctx, libvirt.NetworkDestroyArgs{Net: x}))
			},
			"GetDHCPLeases": func(ctx context.Context, x net, a args) ([]any, error) {
				r, err := n.NetworkGetDHCPLeases(ctx, libvirt.NetworkGetDhcpLeasesArgs{Net: x, Mac: optString(a.str(0)), NeedResults: 1, Flags: a.u32(1)})
				leases := make([]lease, 0, len(r.Leases))
				for _, l := range r.Leases {
					leases = append(leases, lease{Iface: l.Iface, ExpiryTime: l.Expirytime, Type: l.Type, MAC: fromOpt(l.Mac), IAID: fromOpt(l.Iaid),
						IPAddr: l.Ipaddr, Prefix: l.Prefix, Hostname: fromOpt(l.Hostname), ClientID: fromOpt(l.Clientid)})
				}
				return []any{leases}, err
			},
			"GetXMLDesc": func(ctx context.Context, x net, a args) ([]any, error) {
				r, err := n.NetworkGetXMLDesc(ctx, libvirt.NetworkGetXMLDescArgs{Net: x, Flags: a.u32(0)})
				return []any{r.XML}, err
			},
			"Undefine": func(ctx context.Context, x net, a args) ([]any, error) {
				return none(n.NetworkUndefine(ctx, libvirt.NetworkUndefineArgs{Net: x}))
			},
			"Update": func(ctx context.Context, x net, a args) ([]any, error) {
				return none(n.NetworkUpdate(ctx, libvirt.NetworkUpdateArgs{Net: x, Command: a.u32(0), Section: a.u32(1),
					ParentIndex: a.i32(2), XML: a.str(3), Flags: libvirt.NetworkUpdateFlags(a.u32(4))}))
			},
		},
	}
}
