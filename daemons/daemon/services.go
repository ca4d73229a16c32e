package daemon

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/pki"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/sasl"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/polkit"
)

// ipWantedFor says which IP listeners the daemon opens, as libvirt's
// daemonSetupNetworking decides: libvirtd's listen_tcp and listen_tls count only with
// -l; virtproxyd's count alone.
func (d *Daemon) ipWantedFor(cfg *Config, listen bool) ipWanted {
	w := ipWanted{addr: cfg.IP.ListenAddr, tcpPort: cfg.IP.TCPPort, tlsPort: cfg.IP.TLSPort}
	switch d.IP {
	case IPWithListen:
		w.units, w.tcp, w.tls = true, listen && cfg.IP.ListenTCP, listen && cfg.IP.ListenTLS
	case IPByConfig:
		w.units, w.tcp, w.tls = true, cfg.IP.ListenTCP, cfg.IP.ListenTLS
	}
	return w
}

// tlsConfig is the server context the config asks for: the files the config names
// (all three or none), else the default paths.
func tlsConfig(cfg *Config, privileged bool, log *slog.Logger) (pki.ServerConfig, error) {
	ip := cfg.IP
	sc := pki.ServerConfig{AllowedDNs: ip.AllowedDNs, Priority: ip.Priority,
		SanityCheck: !ip.NoSanityCertificate, RequireValidCert: !ip.NoVerifyCertificate, Log: log}
	if ip.CAFile == "" && ip.CertFile == "" && ip.KeyFile == "" {
		sc.Files = pki.ServerFiles(privileged, os.Getenv("HOME"))
		if ip.CRLFile != "" {
			sc.Files.CRL, sc.Files.CRLOptional = ip.CRLFile, false
		}
		return sc, nil
	}
	unsupported := func(msg string) error {
		return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromNone, "%s", msg)
	}
	switch {
	case ip.CAFile == "":
		return sc, unsupported("No CA certificate path set to match server key/cert")
	case ip.CertFile == "":
		return sc, unsupported("No server certificate path set to match server key")
	case ip.KeyFile == "":
		return sc, unsupported("No server key path set to match server cert")
	}
	sc.Files = pki.Files{CA: ip.CAFile, CRL: ip.CRLFile, Cert: ip.CertFile, Key: ip.KeyFile}
	return sc, nil
}

// loadTLS builds the TLS listeners' context from the config.
func loadTLS(cfg *Config, privileged bool, log *slog.Logger) (*pki.Server, error) {
	sc, err := tlsConfig(cfg, privileged, log)
	if err != nil {
		return nil, err
	}
	return pki.NewServer(sc)
}

// authFor builds what answers the clients' authentication: polkit for unix sockets
// that ask for it, SASL for any listener that does.
func authFor(cfg *Config, services []rpc.Service, log *slog.Logger) (*remote.Auth, error) {
	a := &remote.Auth{AllowedUsers: cfg.IP.SASLAllowedUsers, MinSSF: int(cfg.IP.TCPMinSSF), Log: log}
	for _, s := range services {
		switch s.Auth {
		case rpc.AuthPolkit:
			if a.Polkit == nil {
				a.Polkit = &polkit.Authority{}
			}
		case rpc.AuthSASL:
			if a.SASL == nil {
				sc, err := sasl.LoadConfig(saslConfigFile())
				if err != nil {
					return nil, err
				}
				a.SASL = sasl.NewServer(sc)
			}
		}
	}
	return a, nil
}

// saslConfigFile is the "libvirt" service's Cyrus SASL file: in the first directory of
// SASL_CONF_PATH that has it (as Cyrus searches), else in /etc/sasl2.
func saslConfigFile() string {
	for _, dir := range strings.Split(os.Getenv("SASL_CONF_PATH"), ":") {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, "libvirt.conf")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return sasl.ConfigFile
}

// services are the main server's listeners with what each gives its clients.
func mainServices(socks *sockets, cfg *Config, tls *pki.Holder) []rpc.Service {
	auth := func(s string) rpc.AuthType { a, _ := rpc.ParseAuth(s); return a }
	var svcs []rpc.Service
	if socks.RW != nil {
		svcs = append(svcs, rpc.Service{Listener: socks.RW, Auth: auth(cfg.AuthUnixRW)})
	}
	if socks.RO != nil {
		svcs = append(svcs, rpc.Service{Listener: socks.RO, ReadOnly: true, Auth: auth(cfg.AuthUnixRO)})
	}
	for _, ln := range socks.TCP {
		svcs = append(svcs, rpc.Service{Listener: ln, Transport: rpc.TransportTCP, Auth: auth(cfg.IP.AuthTCP)})
	}
	for _, ln := range socks.TLS {
		svcs = append(svcs, rpc.Service{Listener: ln, Transport: rpc.TransportTLS, Auth: auth(cfg.IP.AuthTLS),
			TLS: func() rpc.TLSContext { return tls.Current() }})
	}
	return svcs
}
