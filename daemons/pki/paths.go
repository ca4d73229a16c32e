package pki

import "path/filepath"

// Files are the PEM files of one side of a TLS connection. CRL may be empty (no
// revocation list); CRLOptional says a missing CRL file is skipped rather than an
// error, as for the default paths.
type Files struct {
	CA, CRL, Cert, Key string
	CRLOptional        bool
}

// The system-wide locations (LIBVIRT_PKI_DIR and friends in virnettlscontext.c).
const (
	systemCA         = "/etc/pki/CA/cacert.pem"
	systemCRL        = "/etc/pki/CA/cacrl.pem"
	systemServerCert = "/etc/pki/libvirt/servercert.pem"
	systemServerKey  = "/etc/pki/libvirt/private/serverkey.pem"
	systemClientCert = "/etc/pki/libvirt/clientcert.pem"
	systemClientKey  = "/etc/pki/libvirt/private/clientkey.pem"
)

// ServerFiles are a daemon's default files: the system's when privileged, else
// $HOME/.pki/libvirt/{cacert,servercert,serverkey}.pem
// (virNetTLSContextNewServerPath with tryUserPkiPath).
func ServerFiles(privileged bool, home string) Files {
	if privileged || home == "" {
		return Files{CA: systemCA, CRL: systemCRL, Cert: systemServerCert, Key: systemServerKey, CRLOptional: true}
	}
	dir := filepath.Join(home, ".pki", "libvirt")
	return Files{CA: filepath.Join(dir, "cacert.pem"), CRL: filepath.Join(dir, "cacrl.pem"),
		Cert: filepath.Join(dir, "servercert.pem"), Key: filepath.Join(dir, "serverkey.pem"), CRLOptional: true}
}

// ClientFiles are a client's files: DIR/{cacert,clientcert,clientkey,cacrl}.pem for a
// URI's pkipath=DIR; else, for an unprivileged user, $HOME/.pki/libvirt when its CA
// file exists; else the system's.
func ClientFiles(privileged bool, home, pkipath string, exists func(string) bool) Files {
	in := func(dir string) Files {
		return Files{CA: filepath.Join(dir, "cacert.pem"), CRL: filepath.Join(dir, "cacrl.pem"),
			Cert: filepath.Join(dir, "clientcert.pem"), Key: filepath.Join(dir, "clientkey.pem"), CRLOptional: true}
	}
	if pkipath != "" {
		return in(pkipath)
	}
	if !privileged && home != "" {
		if f := in(filepath.Join(home, ".pki", "libvirt")); exists(f.CA) {
			return f
		}
	}
	return Files{CA: systemCA, CRL: systemCRL, Cert: systemClientCert, Key: systemClientKey, CRLOptional: true}
}
