package dbusapi

import (
	"context"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

// The subtrees whose driver virtunit does not have (secrets, network filters) or the
// daemon lacks (storage, networks, ...): each object's lookup is the libvirt call
// that fails, as it fails in libvirt-dbus over such a connection. A UUID is checked
// first, as the public API's ...LookupByUUIDString does.
var lookups = map[string]struct {
	iface *spec.Interface
	// byUUID is the public lookup that parses the path's UUID, "" when the path
	// carries a name; fn is the driver entry point that is missing.
	byUUID, fn string
}{
	"storagepool": {spec.StoragePool, "virStoragePoolLookupByUUIDString", "virStoragePoolLookupByUUID"},
	"storagevol":  {spec.StorageVol, "", "virStorageVolLookupByKey"},
	"nwfilter":    {spec.NWFilter, "virNWFilterLookupByUUIDString", "virNWFilterLookupByUUID"},
	"secret":      {spec.Secret, "virSecretLookupByUUIDString", "virSecretLookupByUUID"},
	"network":     {spec.Network, "virNetworkLookupByUUIDString", "virNetworkLookupByUUID"},
	"interface":   {spec.HostInterface, "", "virInterfaceLookupByMACString"},
	"nodedev":     {spec.NodeDevice, "", "virNodeDeviceLookupByName"},
}

func (s *Server) unsupported(node string) objects {
	l := lookups[node]
	return &family[struct{}]{
		name:   node,
		ifaces: []*spec.Interface{l.iface},
		resolve: func(ctx context.Context, elem string) (struct{}, error) {
			if l.byUUID != "" {
				if _, ok := parseUUID(uuidFromElement(elem)); !ok {
					return struct{}{}, invalidUUID(l.byUUID)
				}
			}
			return struct{}{}, notSupported(l.fn)
		},
	}
}
