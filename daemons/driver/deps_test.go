package driver_test

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/virtunit/virtunit/"

// TestDependencies keeps the design's shape: drivers see units.Realizer and this
// package, never a realizer, the daemon's life cycle or the D-Bus API; and each modular
// daemon links only its own drivers, which keeps its start-up and memory small.
func TestDependencies(t *testing.T) {
	for pkg, banned := range map[string][]string{
		"daemons/qemu":       {"transient", "fallback", "daemons/daemon", "dbusapi"},
		"daemons/network":    {"transient", "fallback", "daemons/daemon", "dbusapi"},
		"daemons/iface":      {"transient", "fallback", "daemons/daemon", "dbusapi"},
		"daemons/nodedev":    {"transient", "fallback", "daemons/daemon", "dbusapi"},
		"daemons/storage":    {"transient", "fallback", "daemons/daemon", "dbusapi"},
		"daemons/forward":    {"transient", "fallback", "daemons/daemon", "dbusapi"},
		"cmd/virtnetworkd":   {"daemons/qemu", "daemons/iface", "daemons/nodedev", "daemons/storage"},
		"cmd/virtinterfaced": {"daemons/qemu", "daemons/network", "daemons/nodedev", "daemons/storage"},
		"cmd/virtnodedevd":   {"daemons/qemu", "daemons/network", "daemons/iface", "daemons/storage"},
		"cmd/virtqemud":      {"daemons/network", "daemons/iface", "daemons/nodedev", "daemons/storage"},
		"cmd/virtstoraged":   {"daemons/qemu", "daemons/network", "daemons/iface", "daemons/nodedev"},
		"cmd/virtproxyd":     {"daemons/qemu", "daemons/network", "daemons/iface", "daemons/nodedev", "daemons/storage"},
		// The helper role runs inside the daemons: it must stay a small program.
		"daemons/network/helper": {"daemons/rpc", "daemons/daemon", "daemons/network"},
	} {
		out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			deps[d] = true
		}
		for _, b := range banned {
			if deps[mod+b] {
				t.Errorf("%s links %s", pkg, b)
			}
		}
	}
}
