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
	run := func() string {
		cmd := exec.Command("virsh", "-q", "-c", d.URI(""), "nodedev-list")
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("virsh nodedev-list: %v", err)
		}
		return string(out)
	}
	n := len(strings.Fields(run()))
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(n), "devices")
}
