// Package installed benchmarks the installed systems side by side, each booted with
// systemd as PID 1 by vmtest: virtunit (meson-installed) and Debian 12's
// libvirt-daemon-system, in two containers of the same Debian root, interleaved
// round by round:
//
//   - first call: virsh list with the daemon's service stopped and its socket
//     listening (virtqemud.socket, libvirtd.socket), until virsh is answered;
//   - restart with 10 guests: systemctl restart of the daemon until virsh list shows
//     all 10 running;
//   - for reference, virsh list against the running daemon: most of a first call is
//     virsh's own start, the same on both sides.
//   - the first call's phases, from systemd's timestamps: when the manager forked the
//     daemon and when it sent READY=1, so the daemon's part (fork to answer) shows
//     apart from virsh's start-up and systemd's reaction, which both sides share.
//
// Run it as root from the project's root:
//
//	go test -run XXX -bench . -benchtime 10x ./bench/installed
//
// The first run builds both root filesystems (a few minutes); later runs reuse them.
package installed
