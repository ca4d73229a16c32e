package forward_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestForwardsToTheOwningDaemon: network calls made to virtqemud are answered by
// virtnetworkd, exactly as when asked directly; a missing daemon is reported as
// libvirt's client reports it.
func TestForwardsToTheOwningDaemon(t *testing.T) {
	daemontest.RequireTool(t, "virsh")
	q := daemontest.Start(t, "virtqemud", daemontest.Options{})
	n := daemontest.Start(t, "virtnetworkd", daemontest.Options{Dir: q.Dir})
	viaQemu, errQemu, err1 := q.VirshErr("net-list", "--all")
	direct, errDirect, err2 := n.VirshErr("net-list", "--all")
	if (err1 == nil) != (err2 == nil) || viaQemu != direct || errQemu != errDirect {
		t.Errorf("net-list via virtqemud differs from virtnetworkd's own answer:\nvia virtqemud: %v %q %q\ndirect: %v %q %q",
			err1, viaQemu, errQemu, err2, direct, errDirect)
	}
	_, errOut, err := q.VirshErr("iface-list")
	if err == nil || !strings.Contains(errOut, "Failed to connect socket to '") || !strings.Contains(errOut, "virtinterfaced-sock': No such file or directory") {
		t.Errorf("iface-list without virtinterfaced: %v %s", err, errOut)
	}
}

// TestForwardedEvents: a network event registration made on virtqemud reaches the
// client with virtqemud's callback id when virtnetworkd emits the event.
func TestForwardedEvents(t *testing.T) {
	daemontest.RequireTool(t, "virsh")
	q := daemontest.Start(t, "virtqemud", daemontest.Options{})
	n := daemontest.Start(t, "virtnetworkd", daemontest.Options{Dir: q.Dir})
	ev := exec.Command("virsh", "-c", q.URI(""), "net-event", "--event", "lifecycle", "--loop", "--timeout", "20")
	var out daemontest.Buffer
	ev.Stdout = &out
	if err := ev.Start(); err != nil {
		t.Fatal(err)
	}
	defer ev.Process.Kill()
	xml := filepath.Join(q.Dir, "net.xml")
	os.WriteFile(xml, []byte("<network><name>fwd</name><bridge name='vufwd0'/></network>"), 0o644)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "Defined") && time.Now().Before(deadline) {
		// Until the registration is in place, repeat the change that makes an event.
		n.VirshErr("net-undefine", "fwd")
		n.Virsh(t, "net-define", xml)
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "event 'lifecycle' for network fwd: Defined") {
		t.Errorf("no forwarded lifecycle event; virsh printed %q", out.String())
	}
}
