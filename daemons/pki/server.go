package pki

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// ServerConfig is a daemon's TLS settings (libvirtd.conf's TLS keys).
type ServerConfig struct {
	Files Files
	// AllowedDNs are tls_allowed_dn_list's patterns; nil admits any DN, an empty
	// (non-nil) list nobody.
	AllowedDNs []string
	// Priority is tls_priority ("" is DefaultPriority).
	Priority string
	// SanityCheck checks the daemon's own certificate at load (the default; off with
	// tls_no_sanity_certificate = 1).
	SanityCheck bool
	// RequireValidCert refuses clients without a valid certificate (the default; off
	// with tls_no_verify_certificate = 1).
	RequireValidCert bool
	// Log receives what libvirt only warns about.
	Log *slog.Logger
}

// Server is a loaded server context: what a TLS listener hands each new connection.
type Server struct {
	cfg   ServerConfig
	tls   *tls.Config
	cas   *x509.CertPool
	crl   *x509.RevocationList
	log   *slog.Logger
	clock func() time.Time
}

// NewServer loads the files and makes the checks libvirt makes at start
// (virNetTLSContextNewServer): every error names the file at fault.
func NewServer(cfg ServerConfig) (*Server, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cas, err := loadCAs(cfg.Files.CA)
	if err != nil {
		return nil, err
	}
	crl, err := loadCRL(cfg.Files)
	if err != nil {
		return nil, err
	}
	pair, cert, err := loadPair(cfg.Files, "server")
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if cfg.SanityCheck {
		if err := sanity(cert, cfg.Files, cas, crl, roleServer, now, log); err != nil {
			return nil, err
		}
	}
	prio := cfg.Priority
	if prio == "" {
		prio = DefaultPriority
	}
	p, err := parsePriority(prio)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{
		Certificates: []tls.Certificate{pair},
		// Requested, not required: like gnutls with GNUTLS_CERT_REQUEST, the handshake
		// completes and the daemon judges the certificate afterwards, so a refused
		// client hears nothing but a closed connection.
		ClientAuth: tls.RequestClientCert,
		// No TLS 1.3 session tickets, as gnutls servers send none: a ticket arriving
		// before the confirmation byte makes libvirt's client read nothing ("Unable to
		// read TLS confirmation: Resource temporarily unavailable").
		SessionTicketsDisabled: true,
	}
	if err := p.apply(tc); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Failed to set TLS session priority to %s: %v", prio, err)
	}
	return &Server{cfg: cfg, tls: tc, cas: pool(cas), crl: crl, log: log, clock: time.Now}, nil
}

// sanity is the check of the daemon's (or client's) own certificate and of its CAs.
func sanity(cert *x509.Certificate, f Files, cas []*x509.Certificate, crl *x509.RevocationList, r role, now time.Time, log *slog.Logger) error {
	for _, ca := range cas {
		if err := checkCert(ca, f.CA, roleCA, now, log); err != nil {
			return err
		}
	}
	if err := checkCert(cert, f.Cert, r, now, log); err != nil {
		return err
	}
	if err := verifyChain(cert, nil, pool(cas), crl, now); err != nil {
		return sysErr("Our own certificate %s failed validation against %s: %s", f.Cert, f.CA, verifyReason(err))
	}
	return nil
}

// Files are the files the context was loaded from.
func (s *Server) Files() Files { return s.cfg.Files }

// Config is the TLS configuration for a new connection.
func (s *Server) Config() *tls.Config { return s.tls }

// Verify judges a client after the handshake, as virNetTLSContextCheckCertificate:
// its certificate against the CA and CRL, its validity and purpose, then its DN
// against tls_allowed_dn_list. It returns the DN (empty without a certificate). With
// tls_no_verify_certificate a bad certificate is logged and let through.
func (s *Server) Verify(cs tls.ConnectionState) (string, error) {
	dn, err := s.verify(cs)
	if err != nil && !s.cfg.RequireValidCert {
		s.log.Warn("Ignoring bad certificate at user request", "err", err)
		return dn, nil
	}
	return dn, err
}

func (s *Server) verify(cs tls.ConnectionState) (string, error) {
	if len(cs.PeerCertificates) == 0 {
		return "", sysErr("Unable to verify TLS peer: %s", "No certificate was found.")
	}
	now := s.clock()
	peer := cs.PeerCertificates[0]
	if err := verifyChain(peer, cs.PeerCertificates[1:], s.cas, s.crl, now); err != nil {
		return "", sysErr("Certificate failed validation: %s", verifyReason(err))
	}
	if err := checkCert(peer, "[session]", roleClient, now, s.log); err != nil {
		return "", err
	}
	dn, err := DN(peer.RawSubject)
	if err != nil {
		return "", sysErr("Failed to get certificate %s distinguished name: %v", "[session]", err)
	}
	if s.cfg.AllowedDNs != nil && !MatchDN(s.cfg.AllowedDNs, dn) {
		s.log.Info("Failed ACL check for client DN '" + dn + "'")
		return dn, sysErr("Client's Distinguished Name is not on the list of allowed clients (tls_allowed_dn_list).  Use 'virt-pki-query-dn clientcert.pem' to view the Distinguished Name field in the client certificate, or run this daemon with --verbose option.")
	}
	return dn, nil
}

// Holder is a listener's current context, replaced when the files are loaded again
// (SIGHUP, virt-admin server-update-tls); connections keep the context they began
// with.
type Holder struct{ p atomic.Pointer[Server] }

// NewHolder holds s.
func NewHolder(s *Server) *Holder {
	h := &Holder{}
	h.p.Store(s)
	return h
}

// Current is the context new connections use.
func (h *Holder) Current() *Server { return h.p.Load() }

// Replace makes s the context of new connections.
func (h *Holder) Replace(s *Server) { h.p.Store(s) }
