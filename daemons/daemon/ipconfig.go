package daemon

import (
	"fmt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/internal/conf"
)

// IPConfig are the settings of the TCP and TLS listeners (libvirtd.conf's "Network
// connectivity controls", "Authentication" and "TLS x509 certificate configuration"),
// which only libvirtd and virtproxyd have.
type IPConfig struct {
	ListenTLS, ListenTCP bool
	TLSPort, TCPPort     string
	ListenAddr           string
	AuthTCP, AuthTLS     string
	TCPMinSSF            uint

	KeyFile, CertFile, CAFile, CRLFile string
	NoSanityCertificate                bool
	NoVerifyCertificate                bool
	// AllowedDNs is tls_allowed_dn_list: nil when unset (any DN), empty when set to
	// [] (no one).
	AllowedDNs []string
	Priority   string

	// SASLAllowedUsers is sasl_allowed_username_list, nil when unset.
	SASLAllowedUsers []string
}

// minSSF is the least tcp_min_ssf libvirt accepts: single DES.
const minSSF = 56

func defaultIPConfig(listenTLS bool) IPConfig {
	return IPConfig{ListenTLS: listenTLS, TLSPort: "16514", TCPPort: "16509",
		AuthTCP: "sasl", AuthTLS: "none", TCPMinSSF: minSSF}
}

// ipKeys are the keys applyIP knows.
func ipKeys() []string {
	var c Config
	bools, strs, lists := c.ipSettings()
	keys := []string{"tcp_min_ssf"}
	for k := range bools {
		keys = append(keys, k)
	}
	for k := range strs {
		keys = append(keys, k)
	}
	for k := range lists {
		keys = append(keys, k)
	}
	return keys
}

func (c *Config) ipSettings() (map[string]*bool, map[string]*string, map[string]*[]string) {
	ip := &c.IP
	bools := map[string]*bool{"listen_tls": &ip.ListenTLS, "listen_tcp": &ip.ListenTCP,
		"tls_no_sanity_certificate": &ip.NoSanityCertificate, "tls_no_verify_certificate": &ip.NoVerifyCertificate}
	strs := map[string]*string{"tls_port": &ip.TLSPort, "tcp_port": &ip.TCPPort, "listen_addr": &ip.ListenAddr,
		"auth_tcp": &ip.AuthTCP, "auth_tls": &ip.AuthTLS, "key_file": &ip.KeyFile, "cert_file": &ip.CertFile,
		"ca_file": &ip.CAFile, "crl_file": &ip.CRLFile, "tls_priority": &ip.Priority}
	lists := map[string]*[]string{"tls_allowed_dn_list": &ip.AllowedDNs, "sasl_allowed_username_list": &ip.SASLAllowedUsers}
	return bools, strs, lists
}

// applyIP reads key k of f if it is an IP setting; known reports whether it was.
func (c *Config) applyIP(f *conf.File, k string) (known bool, err error) {
	bools, strs, lists := c.ipSettings()
	switch {
	case bools[k] != nil:
		return true, f.Bool(k, bools[k])
	case strs[k] != nil:
		return true, f.String(k, strs[k])
	case lists[k] != nil:
		return true, f.StringList(k, false, lists[k])
	case k == "tcp_min_ssf":
		return true, f.UInt(k, &c.IP.TCPMinSSF)
	}
	return false, nil
}

// validateIP checks the IP settings' values, naming the place in the file.
func (c *Config) validateIP(f *conf.File) error {
	at := func(key, format string, args ...any) error {
		return &conf.Error{File: f.Name, Line: f.Line(key), Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	for key, v := range map[string]string{"auth_tcp": c.IP.AuthTCP, "auth_tls": c.IP.AuthTLS} {
		a, ok := rpc.ParseAuth(v)
		if !ok {
			return at(key, "%s: unsupported auth %s", key, v)
		}
		if a == rpc.AuthPolkit {
			return at(key, "authentication type 'polkit' for '%s' is only possible on UNIX sockets", key)
		}
	}
	if c.IP.TCPMinSSF < minSSF {
		return at("tcp_min_ssf", "minimum SSF levels lower than %d are not supported", minSSF)
	}
	return nil
}
