package daemon_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// saslUsers writes a SASL DB with saslpasswd2, as an administrator does.
func saslUsers(t *testing.T, db string, users map[string]string) {
	t.Helper()
	daemontest.RequireTool(t, "saslpasswd2")
	for u, pw := range users {
		cmd := exec.Command("saslpasswd2", "-p", "-a", "libvirt", "-f", db, u)
		cmd.Stdin = strings.NewReader(pw)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("saslpasswd2 %s: %v\n%s", u, err, out)
		}
	}
}

// authFile is a libvirt client auth.conf giving user's credentials for host 0.
func authFile(t *testing.T, dir, user, password string) string {
	p := filepath.Join(dir, "auth-"+user+".conf")
	content := "[credentials-test]\nauthname=" + user + "\npassword=" + password +
		"\n\n[auth-libvirt-" + netnstest.PairAddr(0) + "]\ncredentials=test\n"
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSASLOverTLS: auth_tls = "sasl" with the users of a SASL DB made by saslpasswd2:
// stock virsh (Cyrus SASL's client) authenticates with SCRAM-SHA-256 over TLS; a
// wrong password and a user not on sasl_allowed_username_list are refused; the user
// shows in virt-admin client-info.
func TestSASLOverTLS(t *testing.T) {
	h := newRemoteHost(t)
	saslSetup(t, h, "scram-sha-256")
	d := daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.a.Name, Etc: h.etc, Args: []string{"-l"},
		Config: "auth_tls = \"sasl\"\nsasl_allowed_username_list = [\"fred\"]\n"})
	uri := tlsURI(h.pkis["client1"])
	virsh := func(user, pw string, args ...string) (string, string, error) {
		return h.virshAs(t, uri, user, pw, args...)
	}
	if out, errOut, err := virsh("fred", "secret123", "hostname"); err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("fred with his password: %v %q %s\n%s", err, out, errOut, d.Log())
	}
	for _, c := range []struct{ user, pw string }{{"fred", "wrong"}, {"bob", "bobpw"}, {"nobody", "x"}} {
		if _, errOut, err := virsh(c.user, c.pw, "hostname"); err == nil || !strings.Contains(errOut, "authentication failed: authentication failed") {
			t.Errorf("%s/%s: %v %s", c.user, c.pw, err, errOut)
		}
	}
	ev := exec.Command("ip", "netns", "exec", h.b.Name, "virsh", "-c", uri, "event", "--all", "--timeout", "20")
	ev.Env = append(os.Environ(), "LIBVIRT_AUTH_FILE="+authFile(t, h.dir, "fred", "secret123"))
	if err := ev.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Process.Kill(); ev.Wait() })
	var info string
	waitFor(t, 15*time.Second, "fred's client", func() bool {
		for _, line := range strings.Split(d.VirtAdmin(t, "srv-clients-list", "libvirtd"), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[1] == "tls" {
				info = d.VirtAdmin(t, "client-info", "libvirtd", f[0])
				return regexp.MustCompile(`sasl_user_name\s*:\s*fred`).MatchString(info)
			}
		}
		return false
	})
}

// TestSASLOverTCP: auth_tcp = "sasl" on plain TCP, where libvirt demands a security
// layer of at least 56 bits: stock virsh (Cyrus SASL's digestmd5 plugin) authenticates
// with DIGEST-MD5 and negotiates its auth-conf layer (rc4, SSF 128), then every call
// travels encrypted — a domain defined from a document far bigger than one SASL
// record and read back with dumpxml, so records are split at maxbuf both ways; events
// and keepalive on a connection left open; python3-libvirt. DIGEST-MD5 over TLS sets
// up no layer. A wrong password and a user not on sasl_allowed_username_list are
// refused with libvirtd 9.0's "authentication failed: authentication failed".
func TestSASLOverTCP(t *testing.T) {
	h := newRemoteHost(t)
	saslSetup(t, h, "digest-md5")
	d := daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.a.Name, Etc: h.etc, Args: []string{"-l"},
		Config: "listen_tcp = 1\nauth_tcp = \"sasl\"\nauth_tls = \"sasl\"\nsasl_allowed_username_list = [\"fred\"]\nlog_level = 2\n"})
	uri := tcpURI("")
	virsh := func(user, pw string, args ...string) (string, string, error) {
		return h.virshAs(t, uri, user, pw, args...)
	}
	if out, errOut, err := virsh("fred", "secret123", "hostname"); err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("fred with his password: %v %q %s\n%s", err, out, errOut, d.Log())
	}

	// A connection that waits for events gets them through the layer, and its
	// keepalive pings (every 5 seconds) and the daemon's answers go through it too.
	ev := exec.Command("ip", "netns", "exec", h.b.Name, "virsh", "-c", uri, "event", "--all", "--loop", "--timeout", "12")
	ev.Env = append(os.Environ(), "LIBVIRT_AUTH_FILE="+authFile(t, h.dir, "fred", "secret123"))
	var evOut strings.Builder
	ev.Stdout, ev.Stderr = &evOut, &evOut
	if err := ev.Start(); err != nil {
		t.Fatal(err)
	}
	evDone := make(chan error, 1)
	go func() { evDone <- ev.Wait() }()
	t.Cleanup(func() { ev.Process.Kill(); <-evDone })
	waitFor(t, 15*time.Second, "the event client", func() bool { return strings.Count(d.Log(), "SASL authentication succeeded") >= 2 })

	// A description of 300 KB makes the define call and the dumpxml reply several
	// records each (at most 64 KiB).
	desc := strings.Repeat("all work and no play makes jack a dull boy. ", 300_000/44)
	xml := filepath.Join(h.dir, "big.xml")
	doc := `<domain type='qemu'><name>big</name><description>` + desc + `</description><memory unit='MiB'>32</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices><controller type='usb' model='none'/><memballoon model='none'/></devices></domain>`
	if err := os.WriteFile(xml, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := virsh("fred", "secret123", "define", xml); err != nil {
		t.Fatalf("define over the SASL layer: %v %s\n%s", err, errOut, d.Log())
	}
	out, errOut, err := virsh("fred", "secret123", "dumpxml", "big")
	if err != nil || !strings.Contains(out, desc) || !strings.Contains(out, "<name>big</name>") {
		t.Fatalf("dumpxml over the SASL layer: %v (%d bytes) %s", err, len(out), errOut)
	}
	// Several calls on one connection, through virsh's shell.
	start := time.Now()
	out, errOut, err = virsh("fred", "secret123", "list --all --name; domstate big; dominfo big; undefine big")
	if err != nil || !regexp.MustCompile(`(?s)^big\n+shut off\n.*Name: +big\n`).MatchString(out) {
		t.Fatalf("calls on one connection: %v %q %s", err, out, errOut)
	}
	t.Logf("four calls took %v", time.Since(start))
	if out, errOut, err := virsh("fred", "secret123", "list", "--all", "--name"); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("list after undefine: %v %q %s", err, out, errOut)
	}
	if err := <-evDone; err != nil || !strings.Contains(evOut.String(), "event 'lifecycle' for domain 'big': Defined") ||
		!strings.Contains(evOut.String(), "event 'lifecycle' for domain 'big': Undefined") {
		t.Errorf("events over the SASL layer: %v\n%s", err, evOut.String())
	}
	evDone <- nil
	if !strings.Contains(d.Log(), "ssf=128") {
		t.Errorf("the daemon did not log the rc4 layer's SSF 128:\n%s", d.Log())
	}

	// Over TLS the channel is secure already: DIGEST-MD5 is offered with qop "auth"
	// alone and no layer is set up (SSF 0), as libvirt's Cyrus does.
	tls := exec.Command("ip", "netns", "exec", h.b.Name, "virsh", "-q", "-c", tlsURI(h.pkis["client1"]), "hostname")
	tls.Env = append(os.Environ(), "LIBVIRT_AUTH_FILE="+authFile(t, h.dir, "fred", "secret123"))
	if out, err := tls.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) == "" {
		t.Errorf("DIGEST-MD5 over TLS: %v %s", err, out)
	}
	if !regexp.MustCompile(`SASL authentication succeeded client=\d+ user=fred ssf=0`).MatchString(d.Log()) {
		t.Errorf("no SSF 0 authentication over TLS in the log:\n%s", d.Log())
	}

	// python3-libvirt with credentials from its own callback: the capabilities
	// document and several calls over one connection.
	daemontest.RequireTool(t, "/usr/bin/python3")
	py := exec.Command("ip", "netns", "exec", h.b.Name, "/usr/bin/python3", "-c", `
import libvirt, sys
def cb(creds, _):
    for c in creds:
        c[4] = {libvirt.VIR_CRED_AUTHNAME: "fred", libvirt.VIR_CRED_PASSPHRASE: "secret123"}.get(c[0], c[3])
    return 0
conn = libvirt.openAuth(sys.argv[1], [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_REALM], cb, None], 0)
caps = conn.getCapabilities()
print(conn.getHostname(), len(caps), "<host>" in caps, len(conn.listAllDomains()), conn.getLibVersion() > 0)
`, uri)
	if out, err := py.CombinedOutput(); err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "True 0 True") {
		t.Errorf("python3-libvirt over the SASL layer: %v\n%s", err, out)
	}

	for _, c := range []struct{ user, pw string }{{"fred", "wrong"}, {"bob", "bobpw"}, {"nobody", "x"}} {
		start := time.Now()
		_, errOut, err := virsh(c.user, c.pw, "hostname")
		if err == nil || !strings.Contains(errOut, "authentication failed: authentication failed") {
			t.Errorf("%s/%s: %v %s", c.user, c.pw, err, errOut)
		}
		t.Logf("%s/%s refused in %v: %s", c.user, c.pw, time.Since(start), strings.TrimSpace(errOut))
	}
}

// saslSetup gives the host a SASL DB with fred (on the tests' allowed list) and bob,
// and a libvirt SASL config offering mech.
func saslSetup(t *testing.T, h *remoteHost, mech string) {
	t.Helper()
	db := filepath.Join(h.dir, "passwd.db")
	saslUsers(t, db, map[string]string{"fred": "secret123", "bob": "bobpw"})
	conf := filepath.Join(h.etc, "sasl2", "libvirt.conf")
	os.MkdirAll(filepath.Dir(conf), 0o755)
	if err := os.WriteFile(conf, []byte("mech_list: "+mech+"\nsasldb_path: "+db+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// virshAs runs stock virsh on the client side of the host against uri, answering
// SASL's questions with user and pw through an auth file.
func (h *remoteHost) virshAs(t *testing.T, uri, user, pw string, args ...string) (string, string, error) {
	cmd := exec.Command("ip", append([]string{"netns", "exec", h.b.Name, "virsh", "-q", "-c", uri}, args...)...)
	cmd.Env = append(os.Environ(), "LIBVIRT_AUTH_FILE="+authFile(t, h.dir, user, pw), "LIBVIRT_AUTOSTART=0")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}
