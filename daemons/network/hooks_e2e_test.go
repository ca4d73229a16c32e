package network_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNetworkHook installs /etc/libvirt/hooks/network and runs a macvtap network
// through start, a port's creation and deletion, and stop: the script sees the same
// calls, arguments and XML on stdin that it saw from libvirt 9.0 for the same steps
// (testdata/libvirt/hooks.log). A start hook that fails fails net-start with libvirt's
// error, and the network stays inactive.
func TestNetworkHook(t *testing.T) {
	h := startHost(t)
	h.ns.MustRun(t, "ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0p")
	h.ns.MustRun(t, "ip", "link", "add", "up1", "type", "veth", "peer", "name", "up1p")
	log := filepath.Join(t.TempDir(), "hook.log")
	script := "#!/bin/sh\necho \"ARGS: $*\" >> " + log + "\ncat >> " + log + "\necho >> " + log + "\n" +
		"if [ \"$1\" = failnet ] && [ \"$2\" = start ]; then echo 'not today' >&2; exit 3; fi\n"
	hooks := filepath.Join(h.state, "etc", "hooks")
	if err := os.MkdirAll(hooks, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hooks, "network"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "libvirt", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	h.Virsh(t, "net-define", file(t, read("macvtap.in.xml")))
	h.Virsh(t, "net-start", "mvnet")
	h.Virsh(t, "net-port-create", "mvnet", file(t, read("hookport.xml")))
	h.Virsh(t, "net-port-delete", "mvnet", "da0831cd-2fda-44bb-87d9-9f1d95af32af")
	h.Virsh(t, "net-destroy", "mvnet")
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if want := read("hooks.log"); string(got) != want {
		t.Errorf("the hook saw:\n%s\nlibvirt gave it:\n%s", got, want)
	}

	h.Virsh(t, "net-define", file(t, "<network><name>failnet</name><forward mode='vepa'><interface dev='up1'/></forward></network>"))
	_, errOut, err := h.VirshErr("net-start", "failnet")
	if err == nil {
		t.Fatal("net-start succeeded although the start hook failed")
	}
	for _, want := range []string{"Hook script execution failed: internal error: Child process (LC_ALL=C", "/hooks/network failnet start begin -) unexpected exit status 3: not today"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("net-start error %q lacks %q", errOut, want)
		}
	}
	if out := h.Virsh(t, "net-list", "--all"); !strings.Contains(out, "failnet   inactive") {
		t.Errorf("failnet is not inactive after the failed start:\n%s", out)
	}
}
