package nodedev_test

import (
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
	// virsh's own cost: start, connect, disconnect, with no call of the driver.
	b.Run("baseline-uri", func(b *testing.B) {
		for b.Loop() {
			d.Virsh(b, "uri")
		}
	})
	b.Run("nodedev-list", func(b *testing.B) {
		n := len(strings.Fields(d.Virsh(b, "nodedev-list")))
		for b.Loop() {
			d.Virsh(b, "nodedev-list")
		}
		b.ReportMetric(float64(n), "devices")
	})
}
