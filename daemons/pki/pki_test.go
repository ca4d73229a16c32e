package pki_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/pki"
	"github.com/virtunit/virtunit/daemons/pki/pkitest"
)

func parse(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The DN is the one libvirt's own tool prints for the certificate.
func TestDNAsLibvirtPrintsIt(t *testing.T) {
	if _, err := exec.LookPath("virt-pki-query-dn"); err != nil {
		t.Fatal("virt-pki-query-dn (libvirt-clients) is not installed: it gives the DNs this test expects")
	}
	ca := pkitest.NewCA(t, t.TempDir(), "/C=GB/O=Example Org/CN=Test CA")
	for i, subj := range []string{
		"/C=GB/O=Example Org/CN=client1",
		"/C=US/ST=New York/L=Albany/O=Acme, Inc./OU=Ops+CN=node 7",
		`/CN=quote"back\\slash;semi<less>/emailAddress=ops@example.org`,
		"/DC=org/DC=example/UID=jdoe/CN= lead and trail ",
	} {
		cert, _ := ca.Issue(t, "c"+string(rune('a'+i)), pkitest.Options{Subject: subj})
		out, err := exec.Command("virt-pki-query-dn", cert).CombinedOutput()
		if err != nil {
			t.Fatalf("virt-pki-query-dn %s: %v\n%s", cert, err, out)
		}
		want := strings.TrimRight(string(out), "\n")
		got, err := pki.DN(parse(t, cert).RawSubject)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("subject %s: DN %q, libvirt %q", subj, got, want)
		}
	}
}

func TestMatchDN(t *testing.T) {
	dn := "C=GB,O=Example Org,CN=client1"
	for _, c := range []struct {
		pats []string
		want bool
	}{
		{[]string{"C=GB,O=Example Org,CN=client1"}, true},
		{[]string{"C=GB,*"}, true},
		{[]string{"*CN=client?"}, true},
		{[]string{"*CN=client[0-9]"}, true},
		{[]string{"*CN=client[!1]"}, false},
		{[]string{"C=GB,O=Example Org,CN=client"}, false},
		{[]string{"CN=client1"}, false},
		{[]string{"nope", "*Example*"}, true},
		{[]string{}, false},
	} {
		if got := pki.MatchDN(c.pats, dn); got != c.want {
			t.Errorf("MatchDN(%q) = %v", c.pats, got)
		}
	}
}

type pkiSet struct {
	ca, other                                    *pkitest.CA
	serverCert, serverKey, clientCert, clientKey string
}

func newSet(t *testing.T) pkiSet {
	dir := t.TempDir()
	s := pkiSet{ca: pkitest.NewCA(t, dir, "/C=GB/O=Example Org/CN=Test CA"),
		other: pkitest.NewCA(t, dir, "/C=GB/O=Elsewhere/CN=Other CA")}
	s.serverCert, s.serverKey = s.ca.Issue(t, "server", pkitest.Options{Subject: "/C=GB/O=Example Org/CN=host1", Server: true, IPs: []string{"127.0.0.1"}})
	s.clientCert, s.clientKey = s.ca.Issue(t, "client", pkitest.Options{Subject: "/C=GB/O=Example Org/CN=client1"})
	return s
}

func (s pkiSet) files() pki.Files {
	return pki.Files{CA: s.ca.Cert, Cert: s.serverCert, Key: s.serverKey}
}

func TestServerStartChecks(t *testing.T) {
	s := newSet(t)
	caCert, caKey := s.ca.Issue(t, "ca-as-server", pkitest.Options{Subject: "/CN=sub",
		Extensions: []string{"basicConstraints = critical, CA:TRUE", "keyUsage = critical, keyCertSign, digitalSignature, keyEncipherment"}})
	clientOnly, clientOnlyKey := s.ca.Issue(t, "client-as-server", pkitest.Options{Subject: "/CN=c",
		Extensions: []string{"basicConstraints = CA:FALSE", "keyUsage = critical, digitalSignature, keyEncipherment", "extendedKeyUsage = critical, clientAuth"}})
	expired, expiredKey := s.ca.Issue(t, "expired", pkitest.Options{Subject: "/CN=old", Server: true, Start: "20200101000000Z", End: "20200201000000Z"})
	foreign, foreignKey := s.other.Issue(t, "foreign", pkitest.Options{Subject: "/CN=f", Server: true})
	for _, c := range []struct {
		f    pki.Files
		want string
	}{
		{pki.Files{CA: "/nonexistent/cacert.pem", Cert: s.serverCert, Key: s.serverKey}, "Cannot read CA certificate '/nonexistent/cacert.pem': No such file or directory"},
		{pki.Files{CA: s.ca.Cert, Cert: "/nonexistent/servercert.pem", Key: s.serverKey}, "Cannot read server certificate '/nonexistent/servercert.pem': No such file or directory"},
		{pki.Files{CA: s.ca.Cert, Cert: s.serverCert, Key: "/nonexistent/key.pem"}, "Cannot read private key '/nonexistent/key.pem': No such file or directory"},
		{pki.Files{CA: s.ca.Cert, Cert: caCert, Key: caKey}, "The certificate " + caCert + " basic constraints show a CA, but we need one for a server"},
		{pki.Files{CA: s.ca.Cert, Cert: clientOnly, Key: clientOnlyKey}, "Certificate " + clientOnly + " purpose does not allow use for with a TLS server"},
		{pki.Files{CA: s.ca.Cert, Cert: expired, Key: expiredKey}, "The server certificate " + expired + " has expired"},
		{pki.Files{CA: s.ca.Cert, Cert: foreign, Key: foreignKey}, "Our own certificate " + foreign + " failed validation against " + s.ca.Cert + ": The certificate hasn't got a known issuer."},
		{pki.Files{CA: s.ca.Cert, Cert: s.serverCert, Key: s.clientKey}, "Unable to set x509 key and certificate: " + s.clientKey + ", " + s.serverCert},
	} {
		_, err := pki.NewServer(pki.ServerConfig{Files: c.f, SanityCheck: true, RequireValidCert: true})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("files %+v: got %v, want %q", c.f, err, c.want)
		}
	}
	// Without the sanity check the daemon takes a certificate it would refuse.
	if _, err := pki.NewServer(pki.ServerConfig{Files: pki.Files{CA: s.ca.Cert, Cert: foreign, Key: foreignKey}}); err != nil {
		t.Errorf("tls_no_sanity_certificate: %v", err)
	}
	if _, err := pki.NewServer(pki.ServerConfig{Files: s.files(), SanityCheck: true, Priority: "NORMAL:+BOGUS"}); err == nil ||
		err.Error() != "Failed to set TLS session priority to NORMAL:+BOGUS: The request is invalid." {
		t.Errorf("bad priority: %v", err)
	}
}

// handshake connects a client with clientFiles to a server with cfg over a pipe and
// returns what the server's Verify said.
func handshake(t *testing.T, cfg pki.ServerConfig, clientFiles pki.Files) (string, error) {
	t.Helper()
	srv, err := pki.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := pki.NewClient(pki.ClientConfig{Files: clientFiles})
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	type result struct {
		dn  string
		err error
	}
	res := make(chan result, 1)
	go func() {
		tc := tls.Server(a, srv.Config())
		if err := tc.Handshake(); err != nil {
			res <- result{"", err}
			return
		}
		dn, err := srv.Verify(tc.ConnectionState())
		if err == nil {
			tc.Write([]byte{1})
		} else {
			a.Close()
		}
		res <- result{dn, err}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, cerr := cli.Handshake(ctx, b, "127.0.0.1")
	r := <-res
	if r.err == nil && cerr != nil {
		t.Fatalf("server accepted, client failed: %v", cerr)
	}
	if want := "server verification (of our certificate or IP address) failed"; r.err != nil && (cerr == nil || cerr.Error() != want) {
		t.Errorf("client of a refused connection: %v, want %s", cerr, want)
	}
	return r.dn, r.err
}

func TestPeerChecks(t *testing.T) {
	s := newSet(t)
	dir := t.TempDir()
	good := pki.Files{CA: s.ca.Cert, Cert: s.clientCert, Key: s.clientKey}
	base := pki.ServerConfig{Files: s.files(), SanityCheck: true, RequireValidCert: true}

	dn, err := handshake(t, base, good)
	if err != nil || dn != "C=GB,O=Example Org,CN=client1" {
		t.Fatalf("good client: %q %v", dn, err)
	}

	// A client certificate from another CA: the client needs both CAs to vouch for
	// its own certificate; the server knows only its own.
	fc, fk := s.other.Issue(t, "fclient", pkitest.Options{Subject: "/CN=intruder"})
	bundle := dir + "/both.pem"
	pkitest.Bundle(t, bundle, s.ca.Cert, s.other.Cert)
	if _, err := handshake(t, base, pki.Files{CA: bundle, Cert: fc, Key: fk}); err == nil ||
		err.Error() != "Certificate failed validation: The certificate hasn't got a known issuer." {
		t.Errorf("foreign client: %v", err)
	}

	// No certificate at all.
	if _, err := handshake(t, base, pki.Files{CA: s.ca.Cert, Cert: dir + "/none.pem", Key: dir + "/none-key.pem"}); err == nil ||
		!strings.HasPrefix(err.Error(), "Unable to verify TLS peer") {
		t.Errorf("no certificate: %v", err)
	}
	// ... which tls_no_verify_certificate lets through.
	lax := base
	lax.RequireValidCert = false
	if _, err := handshake(t, lax, pki.Files{CA: s.ca.Cert, Cert: dir + "/none.pem", Key: dir + "/none-key.pem"}); err != nil {
		t.Errorf("no certificate, no verification: %v", err)
	}

	listed := base
	listed.AllowedDNs = []string{"C=GB,O=Example Org,CN=admin*"}
	if _, err := handshake(t, listed, good); err == nil || !strings.HasPrefix(err.Error(), "Client's Distinguished Name is not on the list") {
		t.Errorf("DN not listed: %v", err)
	}
	listed.AllowedDNs = []string{"C=GB,O=Example Org,CN=client*"}
	if _, err := handshake(t, listed, good); err != nil {
		t.Errorf("DN listed: %v", err)
	}

	revoked := base
	revoked.Files.CRL = s.ca.Revoke(t, s.clientCert)
	if _, err := handshake(t, revoked, good); err == nil || err.Error() != "Certificate failed validation: The certificate has been revoked." {
		t.Errorf("revoked: %v", err)
	}
}
