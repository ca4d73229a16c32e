package qemu_test

import (
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestDumpXMLFollowsChanges: dumpxml keeps the documents it formatted for a guest that
// did not change; every change (title, rename, start, restart with a new id, a
// --config edit while running) shows in the next dumpxml of the definition it touched.
func TestDumpXMLFollowsChanges(t *testing.T) {
	d := startDaemon(t, "virtqemud", daemontest.Options{System: true})
	define(t, d, domainXML("dx", ""))
	want := func(what string, out string, in ...string) {
		t.Helper()
		for _, s := range in {
			if !strings.Contains(out, s) {
				t.Errorf("%s lacks %q:\n%s", what, s, out)
			}
		}
	}
	first := d.Virsh(t, "dumpxml", "dx")
	if again := d.Virsh(t, "dumpxml", "dx"); again != first {
		t.Errorf("dumpxml of an unchanged guest differs:\n%s\n%s", first, again)
	}
	d.Virsh(t, "desc", "dx", "--config", "--title", "first title")
	want("dumpxml after desc --title", d.Virsh(t, "dumpxml", "dx"), "<title>first title</title>")
	d.Virsh(t, "domrename", "dx", "dy")
	want("dumpxml after domrename", d.Virsh(t, "dumpxml", "dy"), "<name>dy</name>", "<title>first title</title>")

	d.Virsh(t, "start", "dy")
	id := strings.TrimSpace(d.Virsh(t, "domid", "dy"))
	want("live dumpxml", d.Virsh(t, "dumpxml", "dy"), "<domain type='qemu' id='"+id+"'>")
	d.Virsh(t, "desc", "dy", "--config", "--title", "second title")
	want("dumpxml --inactive after a --config edit", d.Virsh(t, "dumpxml", "--inactive", "dy"), "<title>second title</title>")
	want("live dumpxml after a --config edit", d.Virsh(t, "dumpxml", "dy"), "<title>first title</title>")
	d.Virsh(t, "desc", "dy", "--live", "--title", "live title")
	want("live dumpxml after a --live edit", d.Virsh(t, "dumpxml", "dy"), "<title>live title</title>")

	d.Virsh(t, "destroy", "dy")
	d.Virsh(t, "start", "dy")
	id2 := strings.TrimSpace(d.Virsh(t, "domid", "dy"))
	if id2 == id {
		t.Fatalf("restart kept id %s", id)
	}
	want("live dumpxml after a restart", d.Virsh(t, "dumpxml", "dy"), "<domain type='qemu' id='"+id2+"'>", "<title>second title</title>")
	d.Virsh(t, "destroy", "dy")
	if out := d.Virsh(t, "dumpxml", "dy"); strings.Contains(out, "<domain type='qemu' id=") {
		t.Errorf("dumpxml of a stopped guest has an id:\n%s", out)
	}
}
