package sasl

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrAuth is a failed exchange; libvirt tells the client no more than "authentication
// failed", and neither does the server.
var ErrAuth = errors.New("authentication failed")

// Server offers the configured mechanisms and checks users against the SASL DB.
type Server struct {
	cfg   Config
	realm string // the default realm: the host's name, as Cyrus takes it

	mu      sync.Mutex
	users   map[string]string
	loaded  time.Time
	modTime time.Time
}

// NewServer builds a server; the user database is read when a client authenticates,
// and again when the file changed, so saslpasswd2 takes effect at once.
func NewServer(cfg Config) *Server {
	realm, _ := os.Hostname()
	return &Server{cfg: cfg, realm: realm}
}

// Session is one client's exchange.
type Session interface {
	// Step takes the client's data (nil when the client sent none, as distinct from
	// empty) and returns the server's, and whether the exchange is complete.
	Step(in []byte) (out []byte, done bool, err error)
	// User is the authenticated user, once done.
	User() string
	// SSF is the strength of the security layer the exchange set up; 0 for none.
	SSF() int
	// Layer is that security layer, nil when SSF is 0.
	Layer() Layer
}

// Layer protects the connection after the exchange: Encode turns a run of outgoing
// bytes into one protected record, Decoder reads records back.
type Layer interface {
	Encode(p []byte) ([]byte, error)
	// MaxEncode is the most bytes one record may carry.
	MaxEncode() int
	Decode(record []byte) ([]byte, error)
}

type mechanism struct {
	name string
	// ssf is the strongest security layer the mechanism can set up.
	ssf int
	// start begins a client's exchange; minSSF is the layer plain TCP needs.
	start func(s *Server, secure bool, minSSF int) Session
}

var mechanisms = []mechanism{
	{"SCRAM-SHA-256", 0, func(s *Server, _ bool, _ int) Session { return newSCRAM(s, sha256Hash) }},
	{"SCRAM-SHA-1", 0, func(s *Server, _ bool, _ int) Session { return newSCRAM(s, sha1Hash) }},
	{"DIGEST-MD5", 128, func(s *Server, secure bool, minSSF int) Session { return newDigestMD5(s, secure, minSSF) }},
}

// Mechanisms lists what a client may choose, as sasl_listmech does with libvirt's
// security properties: on a secure channel any mechanism; on plain TCP only those
// with a security layer of at least minSSF.
func (s *Server) Mechanisms(secure bool, minSSF int) []string {
	var out []string
	for _, m := range mechanisms {
		if len(s.cfg.Mechs) > 0 && !slices.Contains(s.cfg.Mechs, m.name) {
			continue
		}
		if !secure && m.ssf < minSSF {
			continue
		}
		out = append(out, m.name)
	}
	return out
}

// Start begins an exchange with the mechanism the client chose.
func (s *Server) Start(mech string, secure bool, minSSF int) (Session, error) {
	for _, m := range mechanisms {
		if m.name == strings.ToUpper(mech) && slices.Contains(s.Mechanisms(secure, minSSF), m.name) {
			return m.start(s, secure, minSSF), nil
		}
	}
	return nil, fmt.Errorf("%w: mechanism %q not offered", ErrAuth, mech)
}

// service is the SASL service name libvirt's daemons register: "libvirt".
func (s *Server) service() string { return "libvirt" }

// password looks a user up: "user@realm" names the realm, else the host's is used.
func (s *Server) password(user string) (string, error) {
	realm := s.realm
	if u, r, ok := strings.Cut(user, "@"); ok {
		user, realm = u, r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Stat(s.cfg.SASLDB)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errNoUser, err)
	}
	if s.users == nil || !fi.ModTime().Equal(s.modTime) {
		users, err := readSASLDB(s.cfg.SASLDB)
		if err != nil {
			return "", err
		}
		s.users, s.modTime, s.loaded = users, fi.ModTime(), time.Now()
	}
	pw, ok := s.users[user+"\x00"+realm]
	if !ok {
		return "", errNoUser
	}
	return pw, nil
}
