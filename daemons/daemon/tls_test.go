package daemon_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/pki/pkitest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// remoteHost is the server side of a TCP/TLS test: host 0 of a namespace pair, its
// PKI (the default paths under an /etc overlay) and client credentials.
type remoteHost struct {
	a, b *netnstest.NS
	dir  string
	ca   *pkitest.CA
	etc  string
	// pkis are client pkipath directories by name: "client1", "client2", "foreign".
	pkis map[string]string
}

func newRemoteHost(t *testing.T) *remoteHost {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "virt-admin", "openssl")
	h := &remoteHost{dir: t.TempDir(), pkis: map[string]string{}}
	h.a, h.b = netnstest.Pair(t)
	h.ca = pkitest.NewCA(t, h.dir, "/C=GB/O=Example Org/CN=Test CA")
	other := pkitest.NewCA(t, h.dir, "/C=GB/O=Elsewhere/CN=Other CA")
	cert, key := h.ca.Issue(t, "server", pkitest.Options{Subject: "/C=GB/O=Example Org/CN=host1", Server: true, IPs: []string{netnstest.PairAddr(0)}})
	h.etc = filepath.Join(h.dir, "etc")
	pkitest.InstallServer(t, filepath.Join(h.etc, "pki"), h.ca.Cert, cert, key)
	for _, n := range []string{"client1", "client2"} {
		c, k := h.ca.Issue(t, n, pkitest.Options{Subject: "/C=GB/O=Example Org/CN=" + n})
		h.pkis[n] = filepath.Join(h.dir, "pki-"+n)
		pkitest.InstallClient(t, h.pkis[n], h.ca.Cert, c, k, true)
	}
	// A client certificate from another CA; the client needs both CAs to vouch for
	// its own certificate, the server knows one.
	fc, fk := other.Issue(t, "intruder", pkitest.Options{Subject: "/C=GB/O=Elsewhere/CN=intruder"})
	bundle := filepath.Join(h.dir, "both-cas.pem")
	pkitest.Bundle(t, bundle, h.ca.Cert, other.Cert)
	h.pkis["foreign"] = filepath.Join(h.dir, "pki-foreign")
	pkitest.InstallClient(t, h.pkis["foreign"], bundle, fc, fk, true)
	return h
}

// virsh runs virsh on host 1 (the other namespace) against uri.
func (h *remoteHost) virsh(uri string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.b.Name, "virsh", "-q", "-c", uri}, args...)...)
	cmd.Env = append(os.Environ(), "LIBVIRT_AUTOSTART=0")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func tlsURI(pki string) string {
	return "qemu+tls://" + netnstest.PairAddr(0) + "/system?pkipath=" + pki
}

func tcpURI(port string) string {
	host := netnstest.PairAddr(0)
	if port != "" {
		host += ":" + port
	}
	return "qemu+tcp://" + host + "/system"
}

// TestTLSAndTCP: libvirtd -l serves qemu+tls:// with the certificates at libvirt's
// default paths and qemu+tcp:// to stock virsh on another host; it refuses what
// libvirt refuses (plain RPC on the TLS port, TLS on the TCP port, a certificate of
// another CA, a DN not on tls_allowed_dn_list, a stalled handshake), logging each, and
// goes on serving; max_anonymous_clients holds back new clients while that many are
// still handshaking; virt-admin shows the transport and the DN.
func TestTLSAndTCP(t *testing.T) {
	h := newRemoteHost(t)
	d := daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.a.Name, Etc: h.etc, Args: []string{"-l"},
		Config: `listen_tcp = 1
auth_tcp = "none"
tls_allowed_dn_list = ["C=GB,O=Example Org,CN=client1", "C=GB,O=Elsewhere,*"]
keepalive_interval = 1
keepalive_count = 2
max_anonymous_clients = 2
`})
	out, errOut, err := h.virsh(tlsURI(h.pkis["client1"]), "uri")
	if err != nil || strings.TrimSpace(out) != tlsURI(h.pkis["client1"]) {
		t.Fatalf("virsh over TLS: %v %q %s", err, out, errOut)
	}
	if out, errOut, err := h.virsh(tcpURI(""), "hostname"); err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("virsh over TCP: %v %q %s", err, out, errOut)
	}

	// While a TLS client is connected, virt-admin shows its transport and DN.
	ev := exec.Command("ip", "netns", "exec", h.b.Name, "virsh", "-c", tlsURI(h.pkis["client1"]), "event", "--all", "--timeout", "20")
	if err := ev.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Process.Kill(); ev.Wait() })
	var id string
	for deadline := time.Now().Add(15 * time.Second); id == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, line := range strings.Split(d.VirtAdmin(t, "srv-clients-list", "libvirtd"), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[1] == "tls" {
				id = f[0]
			}
		}
	}
	if id == "" {
		t.Fatalf("no TLS client in srv-clients-list:\n%s", d.VirtAdmin(t, "srv-clients-list", "libvirtd"))
	}
	info := d.VirtAdmin(t, "client-info", "libvirtd", id)
	for _, want := range []string{`transport\s*:\s*tls`, `tls_x509_dname\s*:\s*C=GB,O=Example Org,CN=client1`, `sock_addr\s*:\s*198\.51\.100\.2;\d+`} {
		if !regexp.MustCompile(want).MatchString(info) {
			t.Errorf("client-info lacks %s:\n%s", want, info)
		}
	}
	ev.Process.Kill()
	ev.Wait()

	for _, c := range []struct{ what, uri, want, logged string }{
		{"plain RPC on the TLS port", tcpURI("16514"), "", "TLS handshake failed"},
		{"TLS on the TCP port", strings.Replace(tlsURI(h.pkis["client1"]), netnstest.PairAddr(0), netnstest.PairAddr(0)+":16509", 1), "", "malformed packet"},
		{"a certificate from another CA", tlsURI(h.pkis["foreign"]), "server verification (of our certificate or IP address) failed", "Certificate failed validation: The certificate hasn't got a known issuer."},
		{"a DN not on the list", tlsURI(h.pkis["client2"]), "server verification (of our certificate or IP address) failed", "Client's Distinguished Name is not on the list of allowed clients"},
	} {
		out, errOut, err := h.virsh(c.uri, "hostname")
		if err == nil {
			t.Errorf("%s: accepted: %s", c.what, out)
		} else if !strings.Contains(errOut, c.want) {
			t.Errorf("%s: virsh says %q, want %q", c.what, errOut, c.want)
		}
		if !strings.Contains(d.Log(), c.logged) {
			t.Errorf("%s: the daemon did not log %q", c.what, c.logged)
		}
	}

	// Two clients that never complete the handshake fill max_anonymous_clients: the
	// next client waits in the backlog until they are dropped (after the keepalive
	// period), then is served.
	var stallers []*exec.Cmd
	for range 2 {
		s := exec.Command("ip", "netns", "exec", h.b.Name, "bash", "-c", "exec 3<>/dev/tcp/"+netnstest.PairAddr(0)+"/16514; sleep 10")
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		stallers = append(stallers, s)
	}
	t.Cleanup(func() {
		for _, s := range stallers {
			s.Process.Kill()
			s.Wait()
		}
	})
	waitFor(t, 10*time.Second, "two unauthenticated clients", func() bool {
		return regexp.MustCompile(`nclients_unauth\s*:\s*2`).MatchString(d.VirtAdmin(t, "srv-clients-info", "libvirtd"))
	})
	if out, errOut, err := h.virsh(tcpURI(""), "hostname"); err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("virsh after the stalled clients: %v %s", err, errOut)
	}
	for _, want := range []string{"Temporarily suspending accepting new clients", "did not complete the TLS handshake in time"} {
		if !strings.Contains(d.Log(), want) {
			t.Errorf("the daemon did not log %q", want)
		}
	}
	if d.Exited() {
		t.Fatalf("the daemon exited")
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

var _ = syscall.SIGHUP
