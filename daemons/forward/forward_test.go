package forward_test

import (
	"strings"
	"testing"

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
