package rpc

import (
	"crypto/tls"
	"net"
)

// Transport is how a client reached the server, as virt-admin shows it
// (VIR_CLIENT_TRANS_UNIX, _TCP, _TLS).
type Transport uint32

// The transports.
const (
	TransportUnix Transport = 0
	TransportTCP  Transport = 1
	TransportTLS  Transport = 2
)

func (t Transport) String() string {
	switch t {
	case TransportTCP:
		return "tcp"
	case TransportTLS:
		return "tls"
	}
	return "unix"
}

// AuthType is how a listener's clients authenticate (REMOTE_AUTH_NONE, _SASL,
// _POLKIT, the values AUTH_LIST reports).
type AuthType int32

// The authentication types.
const (
	AuthNone   AuthType = 0
	AuthSASL   AuthType = 1
	AuthPolkit AuthType = 2
)

// ParseAuth reads an auth_* config value.
func ParseAuth(s string) (AuthType, bool) {
	switch s {
	case "none":
		return AuthNone, true
	case "sasl":
		return AuthSASL, true
	case "polkit":
		return AuthPolkit, true
	}
	return 0, false
}

// TLSContext is what a TLS listener gives each new connection: the configuration to
// handshake with and the check of the client once the handshake is done (returning
// its certificate's Distinguished Name).
type TLSContext interface {
	Config() *tls.Config
	Verify(tls.ConnectionState) (dn string, err error)
}

// Service is one listener of a server and what its clients get (libvirt's
// virNetServerService): read-only access, the transport, the authentication they
// must pass.
type Service struct {
	Listener  net.Listener
	ReadOnly  bool
	Transport Transport
	Auth      AuthType
	// TLS, for TransportTLS, is the context in force when a client connects; it may
	// change between connections (certificates reloaded).
	TLS func() TLSContext
}
