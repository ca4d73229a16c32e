package dbusapi

import (
	"context"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/dbusapi/spec"
)

// The subtrees whose driver virtunit does not have (storage, secrets, network
// filters, snapshots) or the daemon lacks: each object's lookup is the libvirt call
// that fails, as it fails in libvirt-dbus over such a connection. A UUID is checked
// first, as the public API's ...LookupByUUIDString does.
var lookups = map[string]struct {
	iface *spec.Interface
	// byUUID is the public lookup that parses the path's UUID, "" when the path
	// carries a name; fn is the driver entry point that is missing.
	byUUID, fn string
}{
	"domainsnapshot": {spec.DomainSnapshot, "", "virDomainSnapshotLookupByName"},
	"storagepool":    {spec.StoragePool, "virStoragePoolLookupByUUIDString", "virStoragePoolLookupByUUID"},
	"storagevol":     {spec.StorageVol, "", "virStorageVolLookupByKey"},
	"nwfilter":       {spec.NWFilter, "virNWFilterLookupByUUIDString", "virNWFilterLookupByUUID"},
	"secret":         {spec.Secret, "virSecretLookupByUUIDString", "virSecretLookupByUUID"},
	"network":        {spec.Network, "virNetworkLookupByUUIDString", "virNetworkLookupByUUID"},
	"interface":      {spec.HostInterface, "", "virInterfaceLookupByMACString"},
	"nodedev":        {spec.NodeDevice, "", "virNodeDeviceLookupByName"},
}

func (s *Server) unsupported(node string) objects {
	l := lookups[node]
	return &family[struct{}]{
		name:   node,
		ifaces: []*spec.Interface{l.iface},
		resolve: func(ctx context.Context, elem string) (struct{}, error) {
			if node == "domainsnapshot" {
				// The domain first, as libvirt-dbus looks it up before the snapshot.
				if len(elem) < 37 {
					elem += strings.Repeat(" ", 37)
				}
				if _, err := s.lookupDomain(ctx, uuidFromElement(elem[:37])); err != nil {
					// libvirt-dbus passes the failed lookup's NULL on, and libvirt
					// reports that instead.
					return struct{}{}, virerror.Verbatim(libvirt.ErrInvalidDomain, virerror.FromDomain, "invalid domain pointer in virDomainSnapshotLookupByName")
				}
			}
			if l.byUUID != "" {
				if _, ok := parseUUID(uuidFromElement(elem)); !ok {
					return struct{}{}, invalidUUID(l.byUUID)
				}
			}
			return struct{}{}, notSupported(l.fn)
		},
	}
}
