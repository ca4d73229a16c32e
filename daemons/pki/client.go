package pki

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// ClientConfig is the TLS side of a libvirt client connection: a daemon opening a
// peer-to-peer migration's destination, or a test.
type ClientConfig struct {
	Files    Files
	Priority string
	// NoVerify skips the check of the server's certificate (URI no_verify=1).
	NoVerify bool
	Log      *slog.Logger
}

// Client is a loaded client context.
type Client struct {
	cfg ClientConfig
	tls *tls.Config
	cas *x509.CertPool
	crl *x509.RevocationList
	log *slog.Logger
}

// NewClient loads the client's files (virNetTLSContextNewClient): the CA is required,
// the certificate and key are used when both exist, and the client's own certificate
// is checked against its CA before it ever connects.
func NewClient(cfg ClientConfig) (*Client, error) {
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
	prio := cfg.Priority
	if prio == "" {
		prio = DefaultPriority
	}
	p, err := parsePriority(prio)
	if err != nil {
		return nil, err
	}
	// Verification is libvirt's, after the handshake, so that its messages are
	// libvirt's and hostnames match as gnutls matches them.
	tc := &tls.Config{InsecureSkipVerify: true}
	if err := p.apply(tc); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Failed to set TLS session priority to %s: %v", prio, err)
	}
	if exists(cfg.Files.Cert) && exists(cfg.Files.Key) {
		pair, cert, err := loadPair(cfg.Files, "client")
		if err != nil {
			return nil, err
		}
		if err := sanity(cert, cfg.Files, cas, crl, roleClient, time.Now(), log); err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{pair}
	} else {
		log.Debug("Skipping non-existent cert " + cfg.Files.Cert + " key " + cfg.Files.Key + " on client")
	}
	return &Client{cfg: cfg, tls: tc, cas: pool(cas), crl: crl, log: log}, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Handshake runs TLS over conn for a server known as host, checks the server, and
// reads the daemon's confirmation byte, as libvirt's client does.
func (c *Client) Handshake(ctx context.Context, conn net.Conn, host string) (*tls.Conn, error) {
	tc := tls.Client(conn, c.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrAuthFailed, virerror.FromRPC, "TLS handshake failed %v", err)
	}
	if !c.cfg.NoVerify {
		if err := c.verifyServer(tc.ConnectionState(), host); err != nil {
			c.log.Info("server certificate refused", "host", host, "err", err)
			return nil, virerror.Wrap(err, libvirt.ErrAuthFailed, virerror.FromRPC, "Failed to verify peer's certificate")
		}
	}
	if dl, ok := ctx.Deadline(); ok {
		tc.SetReadDeadline(dl)
		defer tc.SetReadDeadline(time.Time{})
	}
	var b [1]byte
	if _, err := io.ReadFull(tc, b[:]); errors.Is(err, io.EOF) {
		// The server closed without confirming: it refused our certificate.
		return nil, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "server verification (of our certificate or IP address) failed")
	} else if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "Unable to read TLS confirmation: %s", virerror.Strerror(err))
	}
	return tc, nil
}

func (c *Client) verifyServer(cs tls.ConnectionState, host string) error {
	if len(cs.PeerCertificates) == 0 {
		return sysErr("Unable to verify TLS peer: %s", "No certificate was found.")
	}
	now := time.Now()
	peer := cs.PeerCertificates[0]
	if err := verifyChain(peer, cs.PeerCertificates[1:], c.cas, c.crl, now); err != nil {
		return sysErr("Certificate failed validation: %s", verifyReason(err))
	}
	if err := checkCert(peer, "[session]", roleServer, now, c.log); err != nil {
		return err
	}
	if host != "" && !matchHost(peer, host) {
		return virerror.New(libvirt.ErrRPC, virerror.FromRPC, "Certificate %s owner does not match the hostname %s", "[session]", host)
	}
	return nil
}

// matchHost is gnutls_x509_crt_check_hostname: the subjectAltName DNS names and IP
// addresses, or the CN when there is no DNS name.
func matchHost(c *x509.Certificate, host string) bool {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if ip := net.ParseIP(host); ip != nil {
		for _, a := range c.IPAddresses {
			if a.Equal(ip) {
				return true
			}
		}
		return len(c.DNSNames) == 0 && len(c.IPAddresses) == 0 && c.Subject.CommonName == host
	}
	if len(c.DNSNames) > 0 {
		return c.VerifyHostname(host) == nil
	}
	cn := strings.ToLower(c.Subject.CommonName)
	h := strings.ToLower(host)
	if cn == h {
		return true
	}
	if rest, ok := strings.CutPrefix(cn, "*."); ok {
		_, suffix, found := strings.Cut(h, ".")
		return found && suffix == rest
	}
	return false
}
