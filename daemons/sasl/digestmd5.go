package sasl

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

const (
	// digestMaxBuf is the biggest record either side of libvirt's connections takes:
	// libvirt gives Cyrus 64 KiB as maxbufsize, and Cyrus advertises it as maxbuf.
	digestMaxBuf = 1 << 16
	// digestMaxLimit is the most maxbuf a client may announce (Cyrus's
	// MAX_SASL_BUFSIZE).
	digestMaxLimit = 0xFFFFFF
	// digestMaxResponse is the longest digest-response Cyrus reads.
	digestMaxResponse = 4096
	// digestLimitSSF is the strongest layer libvirt lets plain TCP negotiate: its
	// "arbitrary big number".
	digestLimitSSF = 100000
)

// digestCipher is one auth-conf cipher: its strength and how many bytes of H(A1) its
// keys are made from.
type digestCipher struct {
	name string
	ssf  int
	n    int
}

// digestCiphers are Cyrus's, in the order it offers them.
var digestCiphers = []digestCipher{
	{"rc4-40", 40, 5},
	{"rc4-56", 56, 7},
	{"rc4", 128, 16},
	{"des", 55, 16},
	{"3des", 112, 16},
}

// digestMD5 is one client's DIGEST-MD5 (RFC 2831) exchange: a challenge, then the
// client's response checked and answered with rspauth. DIGEST-MD5 is the mechanism
// with a security layer that stock clients have (libsasl2-modules' digestmd5 plugin),
// so it is what libvirt's clients use over plain TCP. It is hand-written because no
// maintained Go library implements its server side, let alone the layer Cyrus frames
// after the exchange; it does what that plugin does on the wire (the challenge's
// directives and their order, the checks on the response, the keys, ciphers and
// record format), since that is what the clients speak.
type digestMD5 struct {
	// lookup gives a user's plain password (saslpasswd2 stores the plain text as
	// userPassword, which is what DIGEST-MD5 needs); "user@realm" names a realm.
	lookup  func(user string) (string, error)
	service string // the digest-uri's service: "libvirt"
	realm   string
	// requireSSF and limitSSF bound the layer, as Cyrus's min_ssf and max_ssf less
	// the external SSF: libvirt asks for none on TLS and unix sockets, at least
	// tcp_min_ssf on plain TCP.
	requireSSF, limitSSF int

	state int
	nonce string
	user  string
	ssf   int
	layer *digestLayer
}

func newDigestMD5(s *Server, secure bool, minSSF int) *digestMD5 {
	d := &digestMD5{lookup: s.password, service: s.service(), realm: s.realm}
	if !secure {
		d.requireSSF, d.limitSSF = minSSF, digestLimitSSF
	}
	return d
}

func (d *digestMD5) User() string { return d.user }
func (d *digestMD5) SSF() int     { return d.ssf }

func (d *digestMD5) Layer() Layer {
	if d.layer == nil {
		return nil
	}
	return d.layer
}

func (d *digestMD5) Step(in []byte) ([]byte, bool, error) {
	switch d.state {
	case 0:
		// The server speaks first; a client's initial data would be a
		// reauthentication, which Cyrus only tries with reauth_timeout set.
		out, err := d.challenge()
		if err != nil {
			return nil, false, err
		}
		d.state = 1
		return out, false, nil
	case 1:
		d.state = 2
		out, err := d.response(in)
		if err != nil {
			return nil, false, err
		}
		return out, true, nil
	}
	return nil, false, fail("DIGEST-MD5 exchange already complete")
}

// qops are the qualities of protection the bounds allow, and the ciphers auth-conf
// may use.
func (d *digestMD5) qops() (qops []string, ciphers []digestCipher) {
	if d.requireSSF == 0 {
		qops = append(qops, "auth")
	}
	if d.requireSSF <= 1 && d.limitSSF >= 1 {
		qops = append(qops, "auth-int")
	}
	for _, c := range digestCiphers {
		if d.requireSSF <= c.ssf && d.limitSSF >= c.ssf {
			ciphers = append(ciphers, c)
		}
	}
	if len(ciphers) > 0 {
		qops = append(qops, "auth-conf")
	}
	return qops, ciphers
}

// challenge is the digest-challenge, its directives in the order Cyrus writes them.
func (d *digestMD5) challenge() ([]byte, error) {
	qops, ciphers := d.qops()
	if len(qops) == 0 {
		return nil, fail("no DIGEST-MD5 security layer meets the required SSF %d", d.requireSSF)
	}
	if d.nonce == "" {
		raw := make([]byte, 32)
		rand.Read(raw)
		d.nonce = base64.StdEncoding.EncodeToString(raw)
	}
	parts := []string{"nonce=" + quote(d.nonce)}
	if d.realm != "" {
		parts = append(parts, "realm="+quote(d.realm))
	}
	parts = append(parts, "qop="+quote(strings.Join(qops, ",")))
	if len(ciphers) > 0 {
		names := make([]string, len(ciphers))
		for i, c := range ciphers {
			names[i] = c.name
		}
		parts = append(parts, "cipher="+quote(strings.Join(names, ",")))
	}
	parts = append(parts, "maxbuf="+strconv.Itoa(digestMaxBuf), "charset=utf-8", "algorithm=md5-sess")
	return []byte(strings.Join(parts, ",")), nil
}

// digestResponse is what the client's digest-response says.
type digestResponse struct {
	username, authzid, realm, nonce, cnonce, qop, digestURI, response, cipher string
	nc                                                                        uint32
	maxbuf                                                                    int
	haveRealm, haveQop, haveURI                                               bool
}

// parseResponse reads a digest-response as Cyrus's server does: duplicates of the
// directives that must be unique, a bad nc or maxbuf, a charset other than utf-8, a
// digest-uri for another service and a missing required directive are refused;
// unknown directives are ignored.
func (d *digestMD5) parseResponse(in []byte) (*digestResponse, error) {
	if len(in) == 0 {
		return nil, fail("input expected in DIGEST-MD5, step 2")
	}
	if len(in) > digestMaxResponse {
		return nil, fail("DIGEST-MD5 response of %d bytes", len(in))
	}
	dirs, err := parseDirectives(string(in))
	if err != nil {
		return nil, fail("%v", err)
	}
	r := &digestResponse{maxbuf: digestMaxBuf}
	maxbufs := 0
	for _, dir := range dirs {
		v := dir.value
		switch strings.ToLower(dir.name) {
		case "username":
			r.username = v
		case "authzid":
			r.authzid = v
		case "cnonce":
			r.cnonce = v
		case "nc":
			n, err := strconv.ParseUint(v, 16, 32)
			if err != nil {
				return nil, fail("error converting hex to int")
			}
			r.nc = uint32(n)
		case "realm":
			if r.haveRealm {
				return nil, fail("duplicate realm: authentication aborted")
			}
			r.realm, r.haveRealm = v, true
		case "nonce":
			r.nonce = v
		case "qop":
			if r.haveQop {
				return nil, fail("duplicate qop: authentication aborted")
			}
			r.qop, r.haveQop = v, true
		case "digest-uri":
			if r.haveURI {
				return nil, fail("duplicate digest-uri: authentication aborted")
			}
			svc, _, ok := strings.Cut(v, "/")
			if !ok || !strings.EqualFold(svc, d.service) {
				return nil, fail("bad digest-uri: doesn't match service")
			}
			r.digestURI, r.haveURI = v, true
		case "response":
			r.response = v
		case "cipher":
			r.cipher = v
		case "maxbuf":
			maxbufs++
			if maxbufs > 1 {
				return nil, fail("duplicate maxbuf: authentication aborted")
			}
			n, err := strconv.ParseUint(strings.TrimRight(v, " \t\r\n"), 10, 32)
			switch {
			case err != nil:
				return nil, fail("invalid maxbuf parameter")
			case n <= 16:
				return nil, fail("maxbuf parameter too small")
			case n > digestMaxLimit:
				return nil, fail("maxbuf parameter too big")
			}
			r.maxbuf = int(n)
		case "charset":
			if !strings.EqualFold(v, "utf-8") {
				return nil, fail("client doesn't support UTF-8")
			}
		}
	}
	switch {
	case r.username == "":
		return nil, fail("required parameters missing: username")
	case r.nonce == "":
		return nil, fail("required parameters missing: nonce")
	case r.nc == 0:
		return nil, fail("required parameters missing: noncecount")
	case r.cnonce == "":
		return nil, fail("required parameters missing: cnonce")
	case !r.haveURI:
		return nil, fail("required parameters missing: digesturi")
	case r.response == "":
		return nil, fail("required parameters missing: response")
	}
	if !r.haveQop {
		r.qop = "auth"
	}
	return r, nil
}

// response checks the client's digest-response and answers rspauth, setting up the
// layer the client chose.
func (d *digestMD5) response(in []byte) ([]byte, error) {
	r, err := d.parseResponse(in)
	if err != nil {
		return nil, err
	}
	if r.nonce != d.nonce {
		return nil, fail("nonce changed: authentication aborted")
	}
	// A client may name a realm of its own; the user is then looked up in it.
	user := r.username
	if r.haveRealm && r.realm != d.realm && r.realm != "" {
		user = r.username + "@" + r.realm
	}
	if r.authzid != "" && r.authzid != user {
		return nil, fail("authorization identity %q differs from %q", r.authzid, user)
	}

	// The layer: auth-conf needs a cipher that was offered.
	_, offered := d.qops()
	var cipher *digestCipher
	ssf := 0
	switch {
	case strings.EqualFold(r.qop, "auth-conf") && r.cipher != "":
		for i := range offered {
			if strings.EqualFold(offered[i].name, r.cipher) {
				cipher = &offered[i]
			}
		}
		if cipher == nil {
			return nil, fail("client requested invalid cipher")
		}
		ssf = cipher.ssf
	case strings.EqualFold(r.qop, "auth-int") && d.requireSSF <= 1 && d.limitSSF >= 1:
		ssf = 1
	case strings.EqualFold(r.qop, "auth") && d.requireSSF == 0:
	default:
		return nil, fail("protocol violation: client requested invalid qop")
	}

	pw, err := d.lookup(user)
	if err != nil {
		return nil, fail("user %q: %v", user, err)
	}
	if pw == "" {
		return nil, fail("empty secret")
	}
	realm := ""
	if r.haveRealm {
		realm = r.realm
	}
	// Cyrus hashes names and password in ISO 8859-1 when they fit in it, and also
	// accepts the UTF-8 form from clients that do not convert.
	secrets := [][md5.Size]byte{digestSecret(r.username, realm, pw, true)}
	if utf8 := digestSecret(r.username, realm, pw, false); utf8 != secrets[0] {
		secrets = append(secrets, utf8)
	}
	var ha1 [md5.Size]byte
	ok := false
	for _, secret := range secrets {
		ha1 = digestHA1(secret, r.nonce, r.cnonce, r.authzid)
		want := digestResponseValue(ha1, r, "AUTHENTICATE")
		if subtle.ConstantTimeCompare([]byte(want), []byte(r.response)) == 1 {
			ok = true
			break
		}
	}
	if !ok {
		return nil, fail("client response doesn't match what we generated (wrong password for %q)", user)
	}
	if r.nc != 1 {
		return nil, fail("incorrect nonce-count")
	}
	if ssf > 0 {
		d.layer = newDigestLayer(ha1, cipher, r.maxbuf, true)
	}
	d.user, d.ssf = user, ssf
	return []byte("rspauth=" + digestResponseValue(ha1, r, "")), nil
}

// digestSecret is H({username, ":", realm, ":", password}), with each part in ISO
// 8859-1 when it fits and toLatin1 is set.
func digestSecret(user, realm, password string, toLatin1 bool) [md5.Size]byte {
	conv := func(s string) string {
		if toLatin1 && latin1(s) {
			return utf8ToLatin1(s)
		}
		return s
	}
	return md5.Sum([]byte(conv(user) + ":" + conv(realm) + ":" + conv(password)))
}

// digestHA1 is the md5-sess H(A1): H({secret, ":", nonce, ":", cnonce[, ":", authzid]}).
func digestHA1(secret [md5.Size]byte, nonce, cnonce, authzid string) [md5.Size]byte {
	a1 := append(secret[:], ":"+nonce+":"+cnonce...)
	if authzid != "" {
		a1 = append(a1, ":"+authzid...)
	}
	return md5.Sum(a1)
}

// digestResponseValue is the response-value: method "AUTHENTICATE" for the client's,
// empty for rspauth.
func digestResponseValue(ha1 [md5.Size]byte, r *digestResponse, method string) string {
	a2 := method + ":" + r.digestURI
	if !strings.EqualFold(r.qop, "auth") {
		a2 += ":00000000000000000000000000000000"
	}
	ha2 := md5.Sum([]byte(a2))
	kd := hex.EncodeToString(ha1[:]) + ":" + r.nonce + ":" + fmt.Sprintf("%08x", r.nc) + ":" +
		r.cnonce + ":" + r.qop + ":" + hex.EncodeToString(ha2[:])
	sum := md5.Sum([]byte(kd))
	return hex.EncodeToString(sum[:])
}

// latin1 is whether s is UTF-8 entirely within ISO 8859-1 (Cyrus's UTF8_In_8859_1:
// bytes below 0xC4, each 0xC0-0xC3 followed by a continuation byte).
func latin1(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 0xC3 {
			return false
		}
		if c >= 0xC0 {
			i++
			if i == len(s) || s[i] < 0x80 || s[i] > 0xBF {
				return false
			}
		}
	}
	return true
}

// utf8ToLatin1 converts a string latin1 accepted.
func utf8ToLatin1(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0xC0 && i+1 < len(s) {
			b = append(b, (c&0x3)<<6|(s[i+1]&0x3f))
			i++
			continue
		}
		b = append(b, c)
	}
	return string(b)
}
