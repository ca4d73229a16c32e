package qemu_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestVNCPassword: a VNC server with a password offers VNC authentication and nothing
// weaker; the password reaches QEMU over its monitor, not its command line; dumpxml
// leaves it out unless --security-info is given, which the read-only socket refuses.
func TestVNCPassword(t *testing.T) {
	d := startDaemon(t, "virtqemud", daemontest.Options{System: true})
	define(t, d, domainXML("vncpw", `<graphics type='vnc' autoport='yes' listen='127.0.0.1' passwd='s3cr3t-pw'/>`))
	d.Virsh(t, "start", "vncpw")

	pid := qemuPid(d, "vncpw")
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	if args := strings.ReplaceAll(string(cmdline), "\x00", " "); strings.Contains(args, "s3cr3t-pw") || !strings.Contains(args, "password=on") {
		t.Errorf("QEMU's command line: %s", args)
	}

	display := strings.TrimSpace(d.Virsh(t, "vncdisplay", "vncpw"))
	host, n, ok := strings.Cut(display, ":")
	num, err := strconv.Atoi(n)
	if !ok || err != nil {
		t.Fatalf("vncdisplay %q", display)
	}
	if types := vncSecurityTypes(t, net.JoinHostPort(host, strconv.Itoa(5900+num))); len(types) != 1 || types[0] != 2 {
		t.Errorf("VNC server offers security types %v, want only 2 (VNC authentication)", types)
	}

	if out := d.Virsh(t, "dumpxml", "vncpw"); strings.Contains(out, "s3cr3t-pw") || strings.Contains(out, "passwd=") {
		t.Errorf("dumpxml without --security-info shows the password:\n%s", out)
	}
	if out := d.Virsh(t, "dumpxml", "--security-info", "vncpw"); !strings.Contains(out, "passwd='s3cr3t-pw'") {
		t.Errorf("dumpxml --security-info lacks the password:\n%s", out)
	}
	if out := d.Virsh(t, "dumpxml", "--inactive", "vncpw"); strings.Contains(out, "s3cr3t-pw") {
		t.Errorf("dumpxml --inactive shows the password:\n%s", out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ro := "qemu:///system?socket=" + d.RO
	_, errOut, err := daemontest.Run(ctx, os.Environ(), "virsh", "-q", "-r", "-c", ro, "dumpxml", "--security-info", "vncpw")
	if err == nil || !strings.Contains(errOut, "operation forbidden: virDomainGetXMLDesc with secure flag") {
		t.Errorf("read-only dumpxml --security-info: %v %s", err, errOut)
	}
	out, _, err := daemontest.Run(ctx, os.Environ(), "virsh", "-q", "-r", "-c", ro, "dumpxml", "vncpw")
	if err != nil || strings.Contains(out, "s3cr3t-pw") || !strings.Contains(out, "<graphics type='vnc'") {
		t.Errorf("read-only dumpxml: %v\n%s", err, out)
	}
	d.Virsh(t, "destroy", "vncpw")
}

// vncSecurityTypes reads the security types an RFB 3.8 server offers.
func vncSecurityTypes(t *testing.T, addr string) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	version := make([]byte, 12)
	if _, err := io.ReadFull(r, version); err != nil || !strings.HasPrefix(string(version), "RFB ") {
		t.Fatalf("RFB greeting %q: %v", version, err)
	}
	if _, err := c.Write([]byte("RFB 003.008\n")); err != nil {
		t.Fatal(err)
	}
	n, err := r.ReadByte()
	if err != nil || n == 0 {
		t.Fatalf("security types: %d %v", n, err)
	}
	types := make([]byte, n)
	if _, err := io.ReadFull(r, types); err != nil {
		t.Fatal(err)
	}
	return types
}
