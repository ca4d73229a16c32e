// Package pkitest makes x509 certificates for tests with the openssl command, as an
// administrator makes them: a CA (with openssl ca's database, for dated certificates
// and revocation lists), server and client certificates signed by it, and the
// directory layouts libvirt reads (/etc/pki and a client's pkipath).
package pkitest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// CA is a certificate authority on disk.
type CA struct {
	Dir  string
	Cert string // PEM certificate
	Key  string
	conf string
}

var serial atomic.Uint64

// NewCA creates a CA in a new directory under dir with the subject, in openssl's
// "/C=GB/O=Example Org/CN=Test CA" form.
func NewCA(t testing.TB, dir, subject string) *CA {
	t.Helper()
	requireOpenSSL(t)
	d, err := os.MkdirTemp(dir, "ca-")
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{Dir: d, Cert: filepath.Join(d, "cacert.pem"), Key: filepath.Join(d, "cakey.pem"), conf: filepath.Join(d, "ca.cnf")}
	for _, sub := range []string{"newcerts"} {
		os.MkdirAll(filepath.Join(d, sub), 0o755)
	}
	os.WriteFile(filepath.Join(d, "index.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(d, "serial"), []byte(fmt.Sprintf("%04X\n", 0x1000+serial.Add(1))), 0o644)
	os.WriteFile(filepath.Join(d, "crlnumber"), []byte("01\n"), 0o644)
	conf := fmt.Sprintf(`[ca]
default_ca = ca_default
[ca_default]
dir = %s
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/cacert.pem
private_key = $dir/cakey.pem
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 30
policy = any
unique_subject = no
preserve = yes
[any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
`, d)
	if err := os.WriteFile(ca.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", ca.Key, "-out", ca.Cert, "-days", "30", "-subj", subject,
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	return ca
}

// Options shape an issued certificate.
type Options struct {
	// Subject in openssl's form; multi-valued RDNs with '+'.
	Subject string
	// Extensions are openssl x509v3 lines; nil means those of a server (Server) or a
	// client certificate.
	Extensions []string
	Server     bool
	// IPs and DNS names go into subjectAltName.
	IPs, DNS []string
	// Start and End date the certificate (YYYYMMDDHHMMSSZ); empty means now and 30
	// days on.
	Start, End string
}

// Issue creates a key and a certificate signed by the CA, as NAME.pem and
// NAME-key.pem in the CA's directory, and returns their paths.
func (ca *CA) Issue(t testing.TB, name string, o Options) (cert, key string) {
	t.Helper()
	cert, key = filepath.Join(ca.Dir, name+".pem"), filepath.Join(ca.Dir, name+"-key.pem")
	csr := filepath.Join(ca.Dir, name+".csr")
	run(t, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", key, "-out", csr, "-subj", o.Subject, "-multivalue-rdn")
	ext := o.Extensions
	if ext == nil {
		purpose := "clientAuth"
		if o.Server {
			purpose = "serverAuth"
		}
		ext = []string{"basicConstraints = critical, CA:FALSE",
			"keyUsage = critical, digitalSignature, keyEncipherment",
			"extendedKeyUsage = " + purpose}
	}
	var san []string
	for _, ip := range o.IPs {
		san = append(san, "IP:"+ip)
	}
	for _, d := range o.DNS {
		san = append(san, "DNS:"+d)
	}
	if len(san) > 0 {
		ext = append(ext, "subjectAltName = "+strings.Join(san, ","))
	}
	extFile := filepath.Join(ca.Dir, name+".ext")
	if err := os.WriteFile(extFile, []byte("[ext]\n"+strings.Join(ext, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"ca", "-batch", "-notext", "-config", ca.conf, "-in", csr, "-out", cert,
		"-extfile", extFile, "-extensions", "ext", "-multivalue-rdn", "-preserveDN"}
	if o.Start != "" {
		args = append(args, "-startdate", o.Start)
	}
	if o.End != "" {
		args = append(args, "-enddate", o.End)
	}
	run(t, "openssl", args...)
	return cert, key
}

// Revoke revokes cert and returns the path of a new revocation list.
func (ca *CA) Revoke(t testing.TB, cert string) string {
	t.Helper()
	run(t, "openssl", "ca", "-batch", "-config", ca.conf, "-revoke", cert)
	crl := filepath.Join(ca.Dir, "cacrl.pem")
	run(t, "openssl", "ca", "-batch", "-config", ca.conf, "-gencrl", "-out", crl)
	return crl
}

// InstallServer lays out the server's files under root as libvirt's default paths
// have them: root/CA/cacert.pem, root/libvirt/servercert.pem and
// root/libvirt/private/serverkey.pem; root stands for /etc/pki.
func InstallServer(t testing.TB, root, caCert, cert, key string) {
	t.Helper()
	install(t, caCert, filepath.Join(root, "CA", "cacert.pem"))
	install(t, cert, filepath.Join(root, "libvirt", "servercert.pem"))
	install(t, key, filepath.Join(root, "libvirt", "private", "serverkey.pem"))
}

// InstallClient lays out a client's files: in a pkipath directory (cacert.pem,
// clientcert.pem, clientkey.pem) when flat, else as under /etc/pki.
func InstallClient(t testing.TB, root, caCert, cert, key string, flat bool) {
	t.Helper()
	if flat {
		install(t, caCert, filepath.Join(root, "cacert.pem"))
		install(t, cert, filepath.Join(root, "clientcert.pem"))
		install(t, key, filepath.Join(root, "clientkey.pem"))
		return
	}
	install(t, caCert, filepath.Join(root, "CA", "cacert.pem"))
	install(t, cert, filepath.Join(root, "libvirt", "clientcert.pem"))
	install(t, key, filepath.Join(root, "libvirt", "private", "clientkey.pem"))
}

// Bundle writes the concatenation of PEM files to path.
func Bundle(t testing.TB, path string, files ...string) {
	t.Helper()
	var b []byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, d...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func install(t testing.TB, src, dst string) {
	t.Helper()
	if src == "" {
		return
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func requireOpenSSL(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl is not installed: the TLS tests make their certificates with it")
	}
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
