// Package bridge builds and removes a virtual network's bridge with netlink, as libvirt's
// networkStartNetworkVirtual does (src/network/bridge_driver.c): create it with its MAC,
// set the MTU, the STP forward delay and STP (sysfs, which netlink's bridge type does
// not cover), the IPv6 sysctls, the addresses, bring it up, add static routes and turn
// on IP forwarding. It also plugs guests' tap devices into a bridge (the host side of a
// network port) and answers libvirt's route collision check.
//
// Everything acts on the network namespace of the calling process; the callers are the
// network helper (run as a unit) and the QEMU driver.
package bridge
