// Package driver is the contract between a daemon's drivers and the rest of it.
//
// Upward, the API each kind of driver implements — Hypervisor (domains), Networks,
// Interfaces, NodeDevices, Storage — as libvirt's virHypervisorDriver,
// virNetworkDriver, virInterfaceDriver, virNodeDeviceDriver and virStorageDriver
// tables are. Every front end calls these methods and nothing else: the REMOTE
// program (daemons/remote) decodes a call and invokes one, the D-Bus API (dbusapi)
// does the same for a method call, so an operation's checks and errors exist once
// whichever door a request came through.
// The methods take and return go-libvirt's argument and result types, which are the
// arguments and results of the libvirt API calls themselves; nothing here is encoded.
//
// Downward, what a driver gets from the daemon that runs it (Env): names and paths,
// host facts, the event hub, the unit realizer, a logger, the idle-timeout inhibitor,
// and connections to other drivers. Drivers depend on this package, never on the
// daemon's life cycle code, a front end or a particular realizer: which realizer, which
// sockets and which daemon they run in is decided in daemons/daemon.
package driver
