package network_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestLifecycleEvents watches with "virsh net-event --loop" while a network is defined,
// started, stopped and undefined, and a transient one created and destroyed.
func TestLifecycleEvents(t *testing.T) {
	h := startHost(t)
	var out daemontest.Buffer
	ev := exec.Command("virsh", "-q", "-c", h.URI(""), "net-event", "--event", "lifecycle", "--loop")
	ev.Env = append(ev.Environ(), "LIBVIRT_AUTOSTART=0")
	ev.Stdout = &out
	if err := ev.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Process.Kill(); ev.Wait() })
	// virsh tells nothing when its callback is registered: define networks until one's
	// event shows up.
	marker := file(t, netDef("marker", "", "virbr59", "203.0.113.1", false))
	eventually(t, "net-event registered", func() bool {
		h.Virsh(t, "net-define", marker)
		h.Virsh(t, "net-undefine", "marker")
		return strings.Contains(out.String(), "network marker: Undefined")
	})
	h.Virsh(t, "net-define", file(t, netDef("ev", "nat", "virbr51", "192.0.2.1", false)))
	h.Virsh(t, "net-start", "ev")
	h.Virsh(t, "net-destroy", "ev")
	h.Virsh(t, "net-undefine", "ev")
	h.Virsh(t, "net-create", file(t, netDef("tr", "", "virbr52", "198.51.100.1", false)))
	h.Virsh(t, "net-destroy", "tr")
	want := []string{"network ev: Defined", "network ev: Started", "network ev: Stopped", "network ev: Undefined",
		"network tr: Started", "network tr: Stopped"}
	eventually(t, "all events", func() bool { return strings.Contains(out.String(), "network tr: Stopped") })
	got := out.String()
	last := -1
	for _, w := range want {
		i := strings.Index(got, w)
		if i <= last {
			t.Fatalf("events out of order or missing (%q):\n%s", w, got)
		}
		last = i
	}
}
