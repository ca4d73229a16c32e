// Package firewall installs and removes the nftables rules of one libvirt virtual
// network, in libvirt's own layout (src/network/network_nftables.c): private tables
// "ip libvirt_network" and "ip6 libvirt_network", a base chain "forward" that jumps to
// "guest_cross", "guest_input" and "guest_output", and a NAT base chain "guest_nat".
// Every rule of a network is inserted at the head of its chain, as libvirt's
// "nft insert rule" does, and carries a comment naming the network, so that adding or
// removing one network never touches another's rules.
//
// Apply returns a Removal: the handles of exactly the rules it added. It is saved beside
// the network's status so that teardown, even by a restarted daemon or a fresh helper
// process, deletes those rules and nothing else (libvirt's <fwRemoval>). Rules are
// driven through github.com/google/nftables, one netlink batch per change, so a
// network's rules appear and disappear atomically.
package firewall
