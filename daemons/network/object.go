package network

import (
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// network is one network the driver knows, libvirt's virNetworkObj.
type network struct {
	// op serializes the operations that change the network on the host (start, stop,
	// live updates), which take long; the fields below are guarded by Driver.mu.
	op sync.Mutex

	// def is the current definition: the live one while active.
	def *netDef
	// newDef is the persistent definition while the network runs, when it differs from
	// the live one (started networks run a copy; a define while active lands here).
	newDef     *netDef
	persistent bool
	active     bool
	autostart  bool
	// ports are the network ports by UUID string.
	ports map[string]*libvirtxml.NetworkPort
}

// persistentDef is the definition stored in the config directory.
func (n *network) persistentDef() *netDef {
	if n.newDef != nil {
		return n.newDef
	}
	return n.def
}

// ref is the network as the wire names it.
func (n *network) ref() libvirt.Network {
	u, _ := parseUUID(n.def.UUID)
	return libvirt.Network{Name: n.def.Name, UUID: u}
}

// bridgeName is the bridge the network uses now, or will use when started.
func (n *network) bridgeNames() []string {
	var out []string
	for _, d := range []*netDef{n.def, n.newDef} {
		if d != nil && d.Bridge != nil && d.Bridge.Name != "" {
			out = append(out, d.Bridge.Name)
		}
	}
	return out
}
