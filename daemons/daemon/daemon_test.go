package daemon_test

import (
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

var allDaemons = []string{"virtqemud", "virtnetworkd", "virtinterfaced", "virtnodedevd", "libvirtd", "virtproxyd"}

// startFor starts name; virtproxyd gets the modular daemons it relays to beside it.
func startFor(t *testing.T, name string, o daemontest.Options) *daemontest.Daemon {
	if name != "virtproxyd" {
		return daemontest.Start(t, name, o)
	}
	q := daemontest.Start(t, "virtqemud", o)
	o.Dir = q.Dir
	return daemontest.Start(t, name, o)
}

// TestVirshSessionMode is the foundation's promise: every daemon, started as an
// ordinary user with its XDG paths, answers virsh's host commands.
func TestVirshSessionMode(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "virt-admin")
	for _, name := range allDaemons {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := startFor(t, name, daemontest.Options{})
			checkHostCommands(t, d)
			checkAdmin(t, d)
		})
	}
}

// TestVirshSystemMode runs every daemon as root with the system paths, in a private
// mount namespace, and also checks the read-only socket.
func TestVirshSystemMode(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "virt-admin", "unshare")
	for _, name := range allDaemons {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if name == "virtproxyd" {
				t.Log("virtproxyd in system mode relays into the same namespace; covered by TestProxyRelays")
			}
			d := daemontest.Start(t, name, daemontest.Options{System: true})
			if name == "virtproxyd" {
				// Its backends live in the same mount namespace; only the handshake is
				// checked here: an open for a missing backend names the socket.
				_, errOut, err := d.VirshErr("hostname")
				if err == nil || !strings.Contains(errOut, "virtqemud-sock") {
					t.Fatalf("virtproxyd without backend: err=%v stderr=%s", err, errOut)
				}
				return
			}
			checkHostCommands(t, d)
			checkAdmin(t, d)
			out, errOut, err := daemontest.Run(t.Context(), nil, "virsh", "-r", "-c", d.Scheme+":///system?socket="+d.RO, "hostname")
			if err != nil || strings.TrimSpace(out) == "" {
				t.Fatalf("virsh -r hostname: %v %s", err, errOut)
			}
		})
	}
}

func checkHostCommands(t *testing.T, d *daemontest.Daemon) {
	t.Helper()
	out := d.Virsh(t, "version")
	if !strings.Contains(out, "Using API:") {
		t.Errorf("virsh version: %q", out)
	}
	if h := strings.TrimSpace(d.Virsh(t, "hostname")); h == "" {
		t.Errorf("virsh hostname printed nothing")
	}
	if u := strings.TrimSpace(d.Virsh(t, "uri")); !strings.HasPrefix(u, d.Scheme+":///") {
		t.Errorf("virsh uri = %q", u)
	}
	if caps := d.Virsh(t, "capabilities"); !strings.Contains(caps, "<capabilities>") || !strings.Contains(caps, "<arch>") {
		t.Errorf("virsh capabilities: %q", caps)
	}
	if si := d.Virsh(t, "sysinfo"); !strings.Contains(si, "<sysinfo type='smbios'>") {
		t.Errorf("virsh sysinfo: %q", si)
	}
	if ni := d.Virsh(t, "nodeinfo"); !strings.Contains(ni, "CPU(s):") || !strings.Contains(ni, "Memory size:") {
		t.Errorf("virsh nodeinfo: %q", ni)
	}
}

func checkAdmin(t *testing.T, d *daemontest.Daemon) {
	t.Helper()
	if out := d.VirtAdmin(t, "srv-list"); !strings.Contains(out, d.Name) && !strings.Contains(out, "admin") {
		t.Errorf("srv-list: %q", out)
	}
	if out := d.VirtAdmin(t, "version"); !strings.Contains(out, "Running against daemon") {
		t.Errorf("version: %q", out)
	}
}
