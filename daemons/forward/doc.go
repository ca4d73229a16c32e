// Package forward lets a modular hypervisor daemon answer for drivers that live in
// other daemons, as libvirt's virtqemud does: `virsh -c qemu:///system net-list` asks
// virtqemud, which opens network:///system on virtnetworkd for that client and passes
// the call through. Calls and replies pass unchanged, and so do the data streams of
// vol-upload and vol-download; event registrations get callback ids unique on the
// client's connection, and the events that come back are renumbered to match.
package forward
