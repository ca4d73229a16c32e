package iface_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// BenchmarkVirshIfaceList200 times the whole command "virsh iface-list" against
// virtinterfaced in a network namespace holding 200 bridges, all up (this kernel has
// no dummy driver; a bridge is the cheapest link). virsh makes one list call and then
// one is-active call per interface, 202 calls in all.
// Run with: go test -run XXX -bench VirshIfaceList200 ./daemons/iface/
func BenchmarkVirshIfaceList200(b *testing.B) {
	daemontest.RequireTool(b, "virsh")
	name := netnstest.New(b).Name
	var batch strings.Builder
	for i := range 200 {
		fmt.Fprintf(&batch, "link add br%d type bridge\nlink set br%d up\n", i, i)
	}
	cmd := exec.Command("ip", "-n", name, "-batch", "-")
	cmd.Stdin = strings.NewReader(batch.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ip -batch: %v\n%s", err, out)
	}
	d := daemontest.Start(b, "virtinterfaced", daemontest.Options{System: true, NetNS: name})
	// virsh's own cost: start, connect, disconnect, with no call of the driver.
	b.Run("baseline-uri", func(b *testing.B) {
		for b.Loop() {
			d.Virsh(b, "uri")
		}
	})
	b.Run("iface-list", func(b *testing.B) {
		if n := strings.Count(d.Virsh(b, "iface-list"), "\n"); n < 200 {
			b.Fatalf("iface-list shows %d interfaces, want the 200 bridges", n)
		}
		for b.Loop() {
			d.Virsh(b, "iface-list")
		}
	})
}
