package spec

// virtunit's own interfaces, beside libvirt-dbus's on the same objects: what a running
// guest or network is on the host — its state, its systemd unit and machined machine —
// so that a client can watch it without polling and go on to org.freedesktop.systemd1
// and org.freedesktop.machine1. Both emit PropertiesChanged.
var (
	VirtunitDomain = &Interface{
		Name: "org.virtunit.Domain",
		Properties: []Property{
			// State is virDomainGetState's state and reason.
			prop("State", "(ii)", ""),
			// Unit is the systemd unit QEMU runs as while the domain runs, else "".
			prop("Unit", "s", ""),
			// UnitPath is the unit's object in org.freedesktop.systemd1, "/" when systemd
			// does not know it (the daemon supervises its units itself).
			prop("UnitPath", "o", ""),
			// Machine is the machine registered with systemd-machined, else "".
			prop("Machine", "s", ""),
			// MachinePath is its object in org.freedesktop.machine1, else "/".
			prop("MachinePath", "o", ""),
		},
	}
	VirtunitNetwork = &Interface{
		Name: "org.virtunit.Network",
		Properties: []Property{
			// Unit is the systemd unit that holds the network up while it is active.
			prop("Unit", "s", ""),
			// UnitPath is its object in org.freedesktop.systemd1, else "/".
			prop("UnitPath", "o", ""),
		},
	}
)

// Libvirt are the ten interfaces of libvirt-dbus, in the order of its XML files.
var Libvirt = []*Interface{Connect, Domain, DomainSnapshot, HostInterface, NWFilter, Network, NodeDevice, Secret, StoragePool, StorageVol}
