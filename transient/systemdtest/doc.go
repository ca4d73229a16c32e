// Package systemdtest gives a test binary a real systemd user manager of its own, with a
// private dbus-daemon, inside a private mount namespace, so that tests create real
// transient units, scopes and machines without touching the host (testing.md's recipe).
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { systemdtest.Main(m, systemdtest.WithMachined()) }
//
// Main re-executes the test binary under `unshare --mount` (same pid, same arguments),
// mounts a tmpfs on /run/systemd with /run/systemd/system in it (systemd's "booted with
// systemd" check), starts dbus-daemon and `systemd --user` in a cgroup of their own, and
// waits for the manager's READY=1. It then points DBUS_SYSTEM_BUS_ADDRESS,
// DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR at them, so code that connects to "the
// system bus" as root (transient.New with default options) talks to this manager, and
// systemctl --user / busctl --user / machinectl inspect it. After the tests it stops the
// manager, which stops every unit still running.
//
// A missing tool (unshare, dbus-daemon, systemd, systemctl) or missing root privileges
// make Main fail with a message saying what to install; it never skips.
package systemdtest
