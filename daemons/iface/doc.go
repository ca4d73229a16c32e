// Package iface is the interface driver of virtinterfaced and libvirtd: the host's
// network interfaces, reported as libvirt's udev backend reports them
// (src/interface/interface_backend_udev.c), and configured as its netcf backend did,
// which the udev backend cannot: iface-define keeps a definition, iface-start creates
// and configures the links it describes over netlink (bridges with their members,
// bonds, VLANs, addresses, MTU), iface-destroy takes them down, and iface-begin,
// iface-commit and iface-rollback bracket changes with a checkpoint that rollback
// restores.
//
// The driver keeps a table of the host's links that a netlink subscription keeps
// current, so iface-list and its per-interface calls never wait for the kernel. Changes
// that would touch the interface carrying the host's default route are refused unless
// the caller passes FlagForce.
//
// libvirt has no interface events: remote_protocol.x defines event procedures for
// domains, networks, storage pools, node devices and secrets only, and virsh has no
// iface-event. Links appearing and vanishing are logged here, and reach clients as
// node-device lifecycle events of net devices (package nodedev), as with libvirt.
package iface
