package sasl

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
)

// scramIterations is Cyrus SASL's default scram_iteration_counter.
const scramIterations = 4096

var (
	sha256Hash = sha256.New
	sha1Hash   = sha1.New
)

// scram is RFC 5802's server, with the plain passwords saslpasswd2 stores.
type scram struct {
	srv   *Server
	h     func() hash.Hash
	state int
	user  string

	gs2, clientFirstBare, serverFirst, nonce string
	salt                                     []byte
	password                                 string
	done                                     bool
}

func newSCRAM(s *Server, h func() hash.Hash) *scram { return &scram{srv: s, h: h} }

func (c *scram) User() string { return c.user }
func (c *scram) SSF() int     { return 0 }
func (c *scram) Layer() Layer { return nil }

func (c *scram) Step(in []byte) ([]byte, bool, error) {
	switch c.state {
	case 0:
		c.state = 1
		if in == nil {
			return []byte{}, false, nil // the client sends its first message next
		}
		out, err := c.first(string(in))
		return out, false, err
	case 1:
		if c.serverFirst == "" {
			out, err := c.first(string(in))
			return out, false, err
		}
		out, err := c.final(string(in))
		if err != nil {
			return nil, false, err
		}
		c.done = true
		return out, true, nil
	}
	return nil, false, ErrAuth
}

func fail(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrAuth}, args...)...)
}

// first reads client-first-message and answers server-first-message.
func (c *scram) first(msg string) ([]byte, error) {
	// gs2-header: a channel binding flag, an optional authzid, then the bare message.
	flag, rest, ok := strings.Cut(msg, ",")
	if !ok || (flag != "n" && flag != "y") {
		return nil, fail("channel binding %q not supported", flag)
	}
	authzid, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, fail("malformed client-first-message")
	}
	c.gs2 = flag + "," + authzid + ","
	attrs := strings.Split(bare, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, fail("malformed client-first-message")
	}
	user, err := unescapeName(attrs[0][2:])
	if err != nil {
		return nil, err
	}
	if authzid != "" {
		z, err := unescapeName(strings.TrimPrefix(authzid, "a="))
		if err != nil || z != user {
			return nil, fail("authorization identity %q differs from %q", z, user)
		}
	}
	pw, err := c.srv.password(user)
	if err != nil {
		return nil, fail("user %q: %v", user, err)
	}
	c.user, c.password, c.clientFirstBare = user, pw, bare
	snonce := make([]byte, 18)
	rand.Read(snonce)
	c.salt = make([]byte, 16)
	rand.Read(c.salt)
	c.nonce = attrs[1][2:] + base64.StdEncoding.EncodeToString(snonce)
	c.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", c.nonce, base64.StdEncoding.EncodeToString(c.salt), scramIterations)
	return []byte(c.serverFirst), nil
}

// final checks client-final-message's proof and answers server-final-message.
func (c *scram) final(msg string) ([]byte, error) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return nil, fail("no proof")
	}
	withoutProof, proofB64 := msg[:i], msg[i+3:]
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || attrs[0] != "c="+base64.StdEncoding.EncodeToString([]byte(c.gs2)) || attrs[1] != "r="+c.nonce {
		return nil, fail("channel binding or nonce mismatch")
	}
	proof, err := base64.StdEncoding.DecodeString(proofB64)
	if err != nil {
		return nil, fail("bad proof encoding")
	}
	salted, err := pbkdf2.Key(c.h, c.password, c.salt, scramIterations, c.h().Size())
	if err != nil {
		return nil, err
	}
	clientKey := c.hmac(salted, "Client Key")
	stored := c.hash(clientKey)
	authMsg := c.clientFirstBare + "," + c.serverFirst + "," + withoutProof
	sig := c.hmac(stored, authMsg)
	if len(proof) != len(sig) {
		return nil, fail("bad proof")
	}
	key := make([]byte, len(sig))
	for j := range sig {
		key[j] = proof[j] ^ sig[j]
	}
	if subtle.ConstantTimeCompare(c.hash(key), stored) != 1 {
		return nil, fail("wrong password for %q", c.user)
	}
	serverSig := c.hmac(c.hmac(salted, "Server Key"), authMsg)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSig)), nil
}

func (c *scram) hmac(key []byte, msg string) []byte {
	m := hmac.New(c.h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func (c *scram) hash(b []byte) []byte {
	h := c.h()
	h.Write(b)
	return h.Sum(nil)
}

// unescapeName undoes saslname's "=2C" and "=3D".
func unescapeName(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", fail("bad saslname")
		}
		i += 2
	}
	return b.String(), nil
}
