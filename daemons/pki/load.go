package pki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// readFile reads one of the PEM files; kind names it as libvirt's messages do ("CA
// certificate", "private key").
func readFile(kind, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Cannot read %s '%s': %s", kind, path, virerror.Strerror(unwrapPath(err)))
	}
	return b, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseCerts decodes every CERTIFICATE block of a PEM file.
func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate found")
	}
	return certs, nil
}

// loadCAs reads the CA file: one or more CA certificates.
func loadCAs(path string) ([]*x509.Certificate, error) {
	b, err := readFile("CA certificate", path)
	if err != nil {
		return nil, err
	}
	cas, err := parseCerts(b)
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Unable to import CA certificate list %s", path)
	}
	return cas, nil
}

// loadCRL reads the revocation list, if the files name one that is there.
func loadCRL(f Files) (*x509.RevocationList, error) {
	if f.CRL == "" {
		return nil, nil
	}
	if _, err := os.Stat(f.CRL); err != nil && f.CRLOptional {
		return nil, nil
	}
	b, err := readFile("CA revocation list", f.CRL)
	if err != nil {
		return nil, err
	}
	der := b
	if blk, _ := pem.Decode(b); blk != nil {
		der = blk.Bytes
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Unable to set x509 certificate revocation list: %s: %s", f.CRL, err)
	}
	return crl, nil
}

// loadPair reads the certificate and its key. side is "server" or "client".
func loadPair(f Files, side string) (tls.Certificate, *x509.Certificate, error) {
	certPEM, err := readFile(side+" certificate", f.Cert)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyPEM, err := readFile("private key", f.Key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certs, err := parseCerts(certPEM)
	if err != nil {
		return tls.Certificate{}, nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Unable to import %s certificate %s", side, f.Cert)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Unable to set x509 key and certificate: %s, %s: %s", f.Key, f.Cert, err)
	}
	return pair, certs[0], nil
}

// pool is a certificate pool of cas.
func pool(cas []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cas {
		p.AddCert(c)
	}
	return p
}

func sysErr(format string, args ...any) error {
	return virerror.New(libvirt.ErrSystemError, virerror.FromRPC, format, args...)
}
