package forward

import (
	"strings"

	"github.com/virtunit/virtunit/daemons/remote"
)

// Family is the set of procedures one secondary driver serves.
type Family struct {
	// Scheme is the URI scheme the secondary daemon opens ("network").
	Scheme string
	// prefixes select the family's procedures by name.
	prefixes []string
	// register and deregister are its event callback procedures (0 when none);
	// messages are the event messages that come back.
	register, deregister remote.Proc
	messages             []remote.Proc
	// streams are the calls that open a data stream, whose packets are relayed too.
	streams []remote.Proc
}

// The secondary drivers a hypervisor daemon forwards to.
var (
	Network = Family{
		Scheme: "network",
		prefixes: []string{"Network", "ConnectListAllNetworks", "ConnectNumOfNetworks", "ConnectListNetworks",
			"ConnectNumOfDefinedNetworks", "ConnectListDefinedNetworks", "ConnectNetworkEvent"},
		register: remote.ConnectNetworkEventRegisterAny, deregister: remote.ConnectNetworkEventDeregisterAny,
		messages: []remote.Proc{remote.NetworkEventLifecycle, remote.NetworkEventCallbackMetadataChange},
	}
	Interface = Family{
		Scheme: "interface",
		prefixes: []string{"Interface", "ConnectListAllInterfaces", "ConnectNumOfInterfaces", "ConnectListInterfaces",
			"ConnectNumOfDefinedInterfaces", "ConnectListDefinedInterfaces"},
	}
	NodeDevice = Family{
		Scheme: "nodedev",
		prefixes: []string{"NodeDevice", "ConnectListAllNodeDevices", "NodeNumOfDevices", "NodeListDevices",
			"ConnectNodeDeviceEvent"},
		register: remote.ConnectNodeDeviceEventRegisterAny, deregister: remote.ConnectNodeDeviceEventDeregisterAny,
		messages: []remote.Proc{remote.NodeDeviceEventLifecycle, remote.NodeDeviceEventUpdate},
	}
	Storage = Family{
		Scheme: "storage",
		prefixes: []string{"StoragePool", "StorageVol", "ConnectListAllStoragePools", "ConnectNumOfStoragePools",
			"ConnectListStoragePools", "ConnectNumOfDefinedStoragePools", "ConnectListDefinedStoragePools",
			"ConnectFindStoragePoolSources", "ConnectGetStoragePoolCapabilities", "ConnectStoragePoolEvent"},
		register: remote.ConnectStoragePoolEventRegisterAny, deregister: remote.ConnectStoragePoolEventDeregisterAny,
		messages: []remote.Proc{remote.StoragePoolEventLifecycle, remote.StoragePoolEventRefresh},
		streams:  []remote.Proc{remote.StorageVolUpload, remote.StorageVolDownload},
	}
)

// procs lists the calls of the family (event messages excluded: they are not calls).
func (f Family) procs() []remote.Proc {
	var ps []remote.Proc
	for _, p := range remote.Procs() {
		n := p.String()
		if strings.Contains(n, "EventLifecycle") || strings.Contains(n, "EventUpdate") || strings.Contains(n, "EventCallbackMetadata") ||
			f.isMessage(int32(p)) {
			continue
		}
		for _, pre := range f.prefixes {
			if strings.HasPrefix(n, pre) {
				ps = append(ps, p)
				break
			}
		}
	}
	return ps
}
