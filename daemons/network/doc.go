// Package network is libvirt's virtual network driver (src/network/bridge_driver.c and
// src/conf/network_conf.c), served by virtnetworkd and libvirtd and driven by stock
// virsh: net-define, net-start, net-dhcp-leases, net-update, net-event, net-port-*.
//
// # Files
//
//	driver.go      New, Close: loading configs, taking back running networks, autostart
//	procedures.go  the dispatch table; handlers.go, list.go, update*.go, ports.go,
//	               dhcpleases.go answer the procedures
//	xml.go, netdef.go
//	               network XML in (libvirtxml, plus a portgroup's <bandwidth>, which it
//	               lacks) and out (libvirt's formatting, connection counts)
//	validate.go, ipdef.go, names.go
//	               libvirt's parser and validator rules, plus injection checks
//	forward.go     the macvtap and hostdev forward modes and their device pools
//	allocate.go    networkAllocatePort: portgroups, plugs, the pool device libvirt picks
//	bandwidth.go   <bandwidth> of a network on its bridge, guests' floors (package qos)
//	hooks.go       /etc/libvirt/hooks/network at libvirt's points
//	object.go      one network: current, next-persistent and live definitions
//	config.go      persistent XML, autostart links, live status (atomic writes)
//	bridgename.go  virbrN allocation
//	lifecycle.go   start and stop: route collision check, plan, dnsmasq files, units
//	plan.go        what the helper builds (package helper)
//	dnsmasq.go     dnsmasq config and hosts files: pure, golden-tested against libvirt
//	restore.go     status files of running networks after a daemon restart
//
// Below it: package bridge (netlink: bridge, addresses, taps), firewall (nftables in
// libvirt's layout), leases (libvirt's lease file), qos (traffic control over netlink,
// as libvirt's tc commands) and helper (the program the units run: the daemon's own
// executable in the role of the network helper).
//
// # Realization
//
// A virtual network (forward mode nat, route, open or none) is two units:
// virtnetwork-NAME.service, a oneshot whose start runs "DAEMON network-helper up PLAN"
// (bridge with MAC, MTU, STP and delay, IPv6 sysctls, addresses, routes, forwarding,
// then the nftables rules, whose removal list it saves) and whose stop runs "down"; and
// virtnetwork-NAME-dnsmasq.service, dnsmasq in the foreground bound to it, restarted on
// failure, with the helper as its --dhcp-script. DHCP and DNS host changes rewrite the
// hosts files and SIGHUP dnsmasq; other changes restart it. The network's <bandwidth>
// is set on its bridge by the daemon once the units run. A network in forward mode
// bridge uses an existing host bridge and has no units; nor do the macvtap modes
// (bridge without a bridge name, private, vepa, passthrough) and hostdev, whose ports
// each get a device of the network's pool: the least used one, or for passthrough and
// hostdev one nobody uses. The counts are not stored: they are recounted from the
// saved ports, so they survive a restart of the daemon.
//
// # The seam for the QEMU driver
//
// A guest's <interface type='network'> is realized as libvirt's virtqemud does it,
// through network ports, over RPC to virtnetworkd (or the same procedures in libvirtd):
//
//  1. NETWORK_LOOKUP_BY_NAME of the interface's source network.
//  2. NETWORK_PORT_CREATE_XML with flags 0 and
//     <networkport><uuid>NEW</uuid><owner><name>VM</name><uuid>VMUUID</uuid></owner>
//     <mac address='MAC'/></networkport>. It fails with "network 'N' is not active" on
//     a stopped network.
//  3. NETWORK_PORT_GET_XML_DESC: the port now holds <plug type='network'
//     bridge='virbr0'/> (type='bridge' for a forward mode bridge network, type='direct'
//     dev='eth0' mode='vepa' for a macvtap network, for which the QEMU driver makes a
//     macvtap instead of a tap: package qemu's direct.go), and the bandwidth the
//     interface, or its portgroup, asked for.
//  4. In the QEMU driver's own process (taps are made in the calling thread's network
//     namespace): bridge.CreateTap(bridge.TapConfig{Name: "vnet%d", Bridge: plug's
//     bridge, MAC: MAC, Queues: n, VnetHdr: true}). Tap.Files go to QEMU as inherited
//     fds (units.Spec.Files); the driver closes its copies. The tap is not persistent,
//     so it disappears when QEMU exits: nothing to unplug on a guest crash.
//  5. When the guest stops, NETWORK_PORT_DELETE. Ports are saved under
//     /run/libvirt/network/NAME/, so they survive a virtnetworkd restart; a port the
//     network lost (the network was restarted) is re-registered with
//     NETWORK_PORT_CREATE_XML of the saved port XML, <plug> included, and flag
//     VIR_NETWORK_PORT_CREATE_RECLAIM.
package network
