package iface_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// netNS creates a network namespace for the test, with lo up, and deletes it (and so
// every interface the test made in it) when the test ends.
func netNS(t *testing.T) string { return netnstest.New(t).Name }

// ipn runs "ip -n NS ARGS" (args split on spaces) and fails the test if it fails.
func ipn(t *testing.T, ns, args string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", ns}, strings.Fields(args)...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip -n %s %s: %v\n%s", ns, args, err, out)
	}
	return string(out)
}

// ipLink is a link as "ip -j addr show" reports it.
type ipLink struct {
	Name     string   `json:"ifname"`
	Address  string   `json:"address"`
	Flags    []string `json:"flags"`
	MTU      int      `json:"mtu"`
	Master   string   `json:"master"`
	AddrInfo []struct {
		Family string `json:"family"`
		Local  string `json:"local"`
		Prefix int    `json:"prefixlen"`
		Scope  string `json:"scope"`
	} `json:"addr_info"`
}

// links reads the namespace's links and addresses with ip(8), independently of the
// driver.
func links(t *testing.T, ns string) map[string]ipLink {
	t.Helper()
	var ls []ipLink
	if err := json.Unmarshal([]byte(ipn(t, ns, "-j addr show")), &ls); err != nil {
		t.Fatal(err)
	}
	out := map[string]ipLink{}
	for _, l := range ls {
		out[l.Name] = l
	}
	return out
}

func (l ipLink) up() bool {
	for _, f := range l.Flags {
		if f == "UP" {
			return true
		}
	}
	return false
}

// addrs lists the link's global addresses as "ip/prefix".
func (l ipLink) addrs() []string {
	var out []string
	for _, a := range l.AddrInfo {
		if a.Scope == "global" {
			out = append(out, fmt.Sprintf("%s/%d", a.Local, a.Prefix))
		}
	}
	return out
}

// startIn starts virtinterfaced as root inside ns.
func startIn(t *testing.T, ns string) *daemontest.Daemon {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "/usr/bin/python3")
	// Info level: the driver logs links appearing and vanishing there.
	return daemontest.Start(t, "virtinterfaced", daemontest.Options{System: true, NetNS: ns, Config: "log_level = 2\n"})
}

// destroy runs virsh iface-destroy. virsh 9.0's cmdInterfaceDestroy returns false
// even after "Interface X destroyed" (libvirt's tools/virsh-interface.c, fixed later),
// so its exit status says nothing; a failure is an error on stderr.
func destroy(t *testing.T, d *daemontest.Daemon, name string) {
	t.Helper()
	if out, errOut, _ := d.VirshErr("iface-destroy", name); strings.TrimSpace(errOut) != "" {
		t.Fatalf("virsh iface-destroy %s: %s%s", name, out, errOut)
	}
}

// virshFails runs virsh and returns its error output, failing the test if it succeeds.
func virshFails(t *testing.T, d *daemontest.Daemon, args ...string) string {
	t.Helper()
	out, errOut, err := d.VirshErr(args...)
	if err == nil {
		t.Fatalf("virsh %s succeeded: %s", strings.Join(args, " "), out)
	}
	return errOut
}

// python runs a python3-libvirt program with conn open on the daemon; the program
// prints what the test checks.
func python(t *testing.T, d *daemontest.Daemon, program string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src := "import libvirt, sys\nlibvirt.registerErrorHandler(lambda c, e: None, None)\nconn = libvirt.open(sys.argv[1])\n" + program
	out, errOut, err := daemontest.Run(ctx, append(os.Environ(), "LIBVIRT_AUTOSTART=0"), "/usr/bin/python3", "-c", src, d.URI(""))
	if err != nil {
		t.Fatalf("python: %v\n%s\n%s", err, out, errOut)
	}
	return strings.TrimSpace(out)
}

// errorOf is a python snippet printing the libvirt error code and message of call.
func errorOf(call string) string {
	return fmt.Sprintf("try:\n    %s\n    print('no error')\nexcept libvirt.libvirtError as e:\n    print(e.get_error_code(), e.get_error_domain(), e.get_error_message())\n", call)
}

// waitLog waits for the daemon to log a line containing all the words. The driver's
// link changes have no client-visible event (libvirt has no interface events), so the
// log is where the test can see the netlink subscription act.
func waitLog(t *testing.T, d *daemontest.Daemon, words ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, line := range strings.Split(d.Log(), "\n") {
			hit := true
			for _, w := range words {
				hit = hit && strings.Contains(line, w)
			}
			if hit {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q in 10s:\n%s", words, d.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeXML writes a definition to a file virsh can read.
func writeXML(t *testing.T, doc string) string {
	t.Helper()
	f := t.TempDir() + "/iface.xml"
	if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// ifaceList parses "virsh -q iface-list" into name → state and MAC.
func ifaceList(t *testing.T, d *daemontest.Daemon, args ...string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, line := range strings.Split(d.Virsh(t, append([]string{"iface-list"}, args...)...), "\n") {
		f := strings.Fields(line)
		switch len(f) {
		case 2:
			out[f[0]] = [2]string{f[1], ""}
		case 3:
			out[f[0]] = [2]string{f[1], f[2]}
		}
	}
	return out
}
