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

// TestTLSStartAndReload: a TLS listener without its certificates, or with a
// certificate that fails the sanity check, keeps the daemon from starting with an
// error naming the file; new certificates take effect on virt-admin
// server-update-tls and on SIGHUP, for new connections.
func TestTLSStartAndReload(t *testing.T) {
	h := newRemoteHost(t)
	// No certificates at the default paths.
	d := daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.a.Name, Args: []string{"-l"}, NoWait: true})
	if code, err := d.Wait(20 * time.Second); err != nil || code != 6 ||
		!strings.Contains(d.Log(), "Cannot read CA certificate '/etc/pki/CA/cacert.pem': No such file or directory") {
		t.Errorf("start without certificates: exit %d %v\n%s", code, err, d.Log())
	}

	// The certificates in files of the config's choosing.
	files := filepath.Join(h.dir, "files")
	os.MkdirAll(files, 0o755)
	install := func(ca *pkitest.CA, cert, key string) {
		for src, dst := range map[string]string{ca.Cert: "ca.pem", cert: "cert.pem", key: "key.pem"} {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(files, dst), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	conf := `ca_file = "` + files + `/ca.pem"
cert_file = "` + files + `/cert.pem"
key_file = "` + files + `/key.pem"
`
	expired, expiredKey := h.ca.Issue(t, "expired", pkitest.Options{Subject: "/CN=old", Server: true, Start: "20200101000000Z", End: "20200201000000Z"})
	install(h.ca, expired, expiredKey)
	d = daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.a.Name, Args: []string{"-l"}, NoWait: true, Config: conf})
	if code, err := d.Wait(20 * time.Second); err != nil || code != 6 ||
		!strings.Contains(d.Log(), "The server certificate "+files+"/cert.pem has expired") {
		t.Errorf("start with an expired certificate: exit %d %v\n%s", code, err, d.Log())
	}

	cert, key := h.ca.Issue(t, "server-files", pkitest.Options{Subject: "/CN=host1", Server: true, IPs: []string{netnstest.PairAddr(0)}})
	install(h.ca, cert, key)
	d = daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.a.Name, Args: []string{"-l"}, Config: conf + "log_level = 2\n"})
	old := h.pkis["client1"]
	if _, errOut, err := h.virsh(tlsURI(old), "hostname"); err != nil {
		t.Fatalf("virsh over TLS: %v %s", err, errOut)
	}
	// A new CA and certificate: clients of the new CA are refused until the daemon
	// loads the files again.
	ca2 := pkitest.NewCA(t, h.dir, "/C=GB/O=Example Org/CN=Second CA")
	cert2, key2 := ca2.Issue(t, "server2", pkitest.Options{Subject: "/CN=host1", Server: true, IPs: []string{netnstest.PairAddr(0)}})
	c2, k2 := ca2.Issue(t, "client-ca2", pkitest.Options{Subject: "/C=GB/O=Example Org/CN=client1"})
	newer := filepath.Join(h.dir, "pki-ca2")
	pkitest.InstallClient(t, newer, ca2.Cert, c2, k2, true)
	install(ca2, cert2, key2)
	if _, _, err := h.virsh(tlsURI(newer), "hostname"); err == nil {
		t.Errorf("the new certificates took effect before the reload")
	}
	d.VirtAdmin(t, "server-update-tls", "libvirtd")
	if _, errOut, err := h.virsh(tlsURI(newer), "hostname"); err != nil {
		t.Errorf("after server-update-tls: %v %s", err, errOut)
	}
	if _, _, err := h.virsh(tlsURI(old), "hostname"); err == nil {
		t.Errorf("the old CA's client still accepted after server-update-tls")
	}
	install(h.ca, cert, key)
	d.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "the reload", func() bool { return strings.Count(d.Log(), "TLS certificates reloaded") >= 2 })
	if _, errOut, err := h.virsh(tlsURI(old), "hostname"); err != nil {
		t.Errorf("after SIGHUP: %v %s", err, errOut)
	}
	if _, errOut, err := daemontest.Run(t.Context(), nil, "virt-admin", "-c", d.AdminURI(), "server-update-tls", "admin"); err == nil ||
		!strings.Contains(errOut, "no tls service found, unable to update tls files") {
		t.Errorf("server-update-tls of the admin server: %v %s", err, errOut)
	}
}

// TestTLSSocketActivation: libvirtd started by the libvirtd-tls.socket unit's socket
// serves TLS on it and refuses -l, as libvirt refuses it with activation.
func TestTLSSocketActivation(t *testing.T) {
	daemontest.RequireTool(t, "systemd-socket-activate")
	h := newRemoteHost(t)
	addr := netnstest.PairAddr(0) + ":16514"
	act := []string{"systemd-socket-activate", "-l", addr, "--fdname=libvirtd-tls.socket"}
	d := daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.a.Name, Etc: h.etc, Exec: act, NoWait: true})
	var out, errOut string
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out, errOut, err = h.virsh(tlsURI(h.pkis["client1"]), "hostname"); err == nil {
			break
		}
	}
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("virsh through the activated TLS socket: %v %s\n%s", err, errOut, d.Log())
	}
	d.Stop()
	d = daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.a.Name, Etc: h.etc, Exec: act, NoWait: true, Args: []string{"-l"}})
	waitFor(t, 10*time.Second, "the activation socket", func() bool {
		return exec.Command("ip", "netns", "exec", h.a.Name, "bash", "-c", "exec 3<>/dev/tcp/"+netnstest.PairAddr(0)+"/16514").Run() == nil
	})
	if code, err := d.Wait(20 * time.Second); err != nil || code == 0 ||
		!strings.Contains(d.Log(), "--listen parameter not permitted with systemd activation sockets") {
		t.Errorf("-l with activation: exit %d %v\n%s", code, err, d.Log())
	}
}

// TestProxyTLS: virtproxyd with listen_tls and listen_tcp in virtproxyd.conf (it has no
// -l) serves qemu+tls:// and qemu+tcp:// clients of another host, each relayed to
// virtqemud, and keeps serving the legacy libvirt-sock.
func TestProxyTLS(t *testing.T) {
	h := newRemoteHost(t)
	state := filepath.Join(h.dir, "state")
	daemontest.Start(t, "virtqemud", daemontest.Options{System: true, NetNS: h.a.Name, State: state})
	p := daemontest.Start(t, "virtproxyd", daemontest.Options{System: true, NetNS: h.a.Name, State: state, Etc: h.etc,
		Config: "listen_tls = 1\nlisten_tcp = 1\nauth_tcp = \"none\"\n"})
	for _, uri := range []string{tlsURI(h.pkis["client1"]), tcpURI("")} {
		out, errOut, err := h.virsh(uri, "version")
		if err != nil || !strings.Contains(out, "Using API: QEMU") || !strings.Contains(out, "Running hypervisor: QEMU") {
			t.Errorf("virsh -c %s version: %v\n%s%s", uri, err, out, errOut)
		}
	}
	if out := p.Virsh(t, "version"); !strings.Contains(out, "Running hypervisor: QEMU") {
		t.Errorf("legacy socket: %s", out)
	}
}
