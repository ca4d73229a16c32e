package nodedev_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// BenchmarkVirshNodedevList times the whole command "virsh nodedev-list" against
// virtnodedevd on this machine: process start, connection, the list call, exit.
// Run with: go test -run XXX -bench VirshNodedevList ./daemons/nodedev/
func BenchmarkVirshNodedevList(b *testing.B) {
	daemontest.RequireTool(b, "virsh")
	d := daemontest.Start(b, "virtnodedevd", daemontest.Options{System: true})
	env := append(os.Environ(), "LIBVIRT_AUTOSTART=0")
	run := func(b *testing.B, args ...string) string {
		cmd := exec.Command("virsh", append([]string{"-q", "-c", d.URI("")}, args...)...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("virsh %v: %v", args, err)
		}
		return string(out)
	}
	// virsh's own cost: start, connect, disconnect, with no call of the driver.
	b.Run("baseline-uri", func(b *testing.B) {
		for b.Loop() {
			run(b, "uri")
		}
	})
	b.Run("nodedev-list", func(b *testing.B) {
		n := len(strings.Fields(run(b, "nodedev-list")))
		for b.Loop() {
			run(b, "nodedev-list")
		}
		b.ReportMetric(float64(n), "devices")
	})
}
