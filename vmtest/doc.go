// Package vmtest boots the installed system with systemd as PID 1 and tests it there:
// a Debian 12 root filesystem (built with debootstrap on first use and cached under
// CacheDir, keyed by its package list), with the tree meson-installed over it in an
// overlay, booted with systemd-nspawn on a private network. Scenario scripts
// (scenarios/*.sh) then drive the installed daemons with stock virsh, systemctl,
// machinectl and journalctl inside the container; a failing one prints the journal of
// the units it names.
//
// The tests need root, debootstrap, systemd-nspawn (systemd-container), meson and
// network access to Debian's archive for the first build of the root filesystem
// (about three minutes; later runs reuse it). Nothing in the container touches the
// host's network: it has none but its own loopback.
//
// The same harness boots Debian's own libvirt for the benchmarks in bench/.
package vmtest
