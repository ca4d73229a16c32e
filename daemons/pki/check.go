package pki

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"log/slog"
	"time"
)

// role is what a certificate is checked for.
type role int

const (
	roleCA role = iota
	roleServer
	roleClient
)

func (r role) name() string {
	switch r {
	case roleCA:
		return "CA"
	case roleServer:
		return "server"
	}
	return "client"
}

// oidExtKeyUsage is the extendedKeyUsage extension, whose criticality Go does not
// expose on the parsed certificate.
var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// checkCert is virNetTLSContextCheckCert: validity period, basic constraints, key
// usage and (not for a CA) key purpose, for role. What libvirt only warns about is
// logged on log.
func checkCert(c *x509.Certificate, file string, r role, now time.Time, log *slog.Logger) error {
	if now.After(c.NotAfter) {
		return sysErr("The %s certificate %s has expired", r.name(), file)
	}
	if now.Before(c.NotBefore) {
		return sysErr("The %s certificate %s is not yet active", r.name(), file)
	}
	switch {
	case c.BasicConstraintsValid && c.IsCA && r != roleCA:
		return sysErr("The certificate %s basic constraints show a CA, but we need one for a %s", file, r.name())
	case c.BasicConstraintsValid && !c.IsCA && r == roleCA:
		return sysErr("The certificate %s basic constraints do not show a CA", file)
	case !c.BasicConstraintsValid && r == roleCA:
		return sysErr("The certificate %s is missing basic constraints for a CA", file)
	}
	usage, critical := c.KeyUsage, extCritical(c, asn1.ObjectIdentifier{2, 5, 29, 15})
	if usage == 0 { // no keyUsage extension: everything the role needs
		usage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	need := []usageNeed{{x509.KeyUsageDigitalSignature, "digital signature"}, {x509.KeyUsageKeyEncipherment, "key encipherment"}}
	if r == roleCA {
		need = []usageNeed{{x509.KeyUsageCertSign, "certificate signing"}}
	}
	for _, n := range need {
		if usage&n.bit != 0 {
			continue
		}
		if critical {
			return sysErr("Certificate %s usage does not permit %s", file, n.what)
		}
		log.Warn("Certificate " + file + " usage does not permit " + n.what)
	}
	if r == roleCA {
		return nil
	}
	// No extendedKeyUsage at all allows both purposes.
	allowServer := len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0
	allowClient := allowServer
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageServerAuth:
			allowServer = true
		case x509.ExtKeyUsageClientAuth:
			allowClient = true
		case x509.ExtKeyUsageAny:
			// libvirt's test is "neither server, client nor any": anyExtendedKeyUsage
			// alone grants nothing.
		default:
			allowServer, allowClient = true, true
		}
	}
	if len(c.UnknownExtKeyUsage) > 0 {
		allowServer, allowClient = true, true
	}
	ok, what := allowClient, "client"
	if r == roleServer {
		ok, what = allowServer, "server"
	}
	if !ok {
		if extCritical(c, oidExtKeyUsage) {
			return sysErr("Certificate %s purpose does not allow use for with a TLS %s", file, what)
		}
		log.Warn("Certificate " + file + " purpose does not allow use for with a TLS " + what)
	}
	return nil
}

type usageNeed struct {
	bit  x509.KeyUsage
	what string
}

func extCritical(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical
		}
	}
	return false
}

// verifyReason words why a certificate failed verification against the CAs, as
// libvirt words gnutls's status bits.
func verifyReason(err error) string {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var ia x509.InsecureAlgorithmError
	switch {
	case errors.Is(err, errRevoked):
		return "The certificate has been revoked."
	case errors.As(err, &ia):
		return "The certificate uses an insecure algorithm"
	case errors.As(err, &ua):
		return "The certificate hasn't got a known issuer."
	case errors.As(err, &ci):
		return "The certificate is not trusted."
	}
	return "Invalid certificate"
}

var errRevoked = errors.New("certificate revoked")

// verifyChain checks c against the CAs (and the CRL), for any key purpose: libvirt
// judges the purpose itself, in checkCert.
func verifyChain(c *x509.Certificate, intermediates []*x509.Certificate, cas *x509.CertPool, crl *x509.RevocationList, now time.Time) error {
	opts := x509.VerifyOptions{Roots: cas, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if len(intermediates) > 0 {
		opts.Intermediates = x509.NewCertPool()
		for _, i := range intermediates {
			opts.Intermediates.AddCert(i)
		}
	}
	chains, err := c.Verify(opts)
	if err != nil {
		return err
	}
	if crl == nil {
		return nil
	}
	for _, chain := range chains {
		for i, link := range chain[:len(chain)-1] {
			// A list counts for the certificates its issuer signed, if the issuer
			// signed the list too.
			if string(crl.RawIssuer) != string(link.RawIssuer) || crl.CheckSignatureFrom(chain[i+1]) != nil {
				continue
			}
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(link.SerialNumber) == 0 {
					return errRevoked
				}
			}
		}
	}
	return nil
}
