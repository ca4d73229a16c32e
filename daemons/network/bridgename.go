package network

import (
	"fmt"
	"strings"

	"github.com/virtunit/virtunit/daemons/network/bridge"
)

// maxBridgeID is the last number tried for a virbr%d name, as in libvirt.
const maxBridgeID = 256

// assignBridge is libvirt's networkBridgeNameValidate for the modes whose bridge the
// driver creates: a given name must not be another network's; a missing name, or a
// template with %d, gets the first virbrN that neither another network nor the host
// uses. Called with d.mu held.
func (d *Driver) assignBridge(def *netDef) error {
	if !virtual(def) {
		return nil
	}
	name := def.Bridge.Name
	if name != "" && !strings.Contains(name, "%d") {
		if d.bridgeInUse(name, def.Name) {
			return internalErr("bridge name '%s' already in use.", name)
		}
		return nil
	}
	templ := "virbr%d"
	if name != "" {
		templ = name
	}
	for id := 0; id <= maxBridgeID; id++ {
		cand := strings.Replace(templ, "%d", fmt.Sprint(id), 1)
		if !d.bridgeInUse(cand, def.Name) && !bridge.Exists(cand) {
			def.Bridge.Name = cand
			return nil
		}
	}
	return internalErr("Bridge generation exceeded max id %d", maxBridgeID)
}

// bridgeInUse reports whether a network other than self uses bridge br.
func (d *Driver) bridgeInUse(br, self string) bool {
	for name, n := range d.nets {
		if name == self {
			continue
		}
		for _, b := range n.bridgeNames() {
			if b == br {
				return true
			}
		}
	}
	return false
}
