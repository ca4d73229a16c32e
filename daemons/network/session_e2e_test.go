package network_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestSessionMode: an unprivileged virtnetworkd keeps definitions under
// $XDG_CONFIG_HOME, as libvirt's session network driver does (it cannot build bridges).
func TestSessionMode(t *testing.T) {
	daemontest.RequireTool(t, "virsh")
	d := daemontest.Start(t, "virtnetworkd", daemontest.Options{})
	d.Virsh(t, "net-define", file(t, netDef("s1", "nat", "virbr71", "192.0.2.1", true)))
	d.Virsh(t, "net-autostart", "s1")
	if got := strings.TrimSpace(d.Virsh(t, "net-list", "--all", "--name")); got != "s1" {
		t.Errorf("net-list: %q", got)
	}
	cfg := filepath.Join(d.Dir, "config", "libvirt", "qemu", "networks")
	b, err := os.ReadFile(filepath.Join(cfg, "s1.xml"))
	if err != nil || !strings.Contains(string(b), "virsh net-edit s1") || !strings.Contains(string(b), "<bridge name='virbr71' stp='off' delay='0'/>") {
		t.Errorf("config file: %v\n%s", err, b)
	}
	if _, err := os.Lstat(filepath.Join(cfg, "autostart", "s1.xml")); err != nil {
		t.Errorf("autostart link: %v", err)
	}
	d.Virsh(t, "net-undefine", "s1")
	if _, err := os.Stat(filepath.Join(cfg, "s1.xml")); !os.IsNotExist(err) {
		t.Errorf("config left after undefine: %v", err)
	}
}
