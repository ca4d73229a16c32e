package sasl

import (
	"bytes"
	"crypto/md5"
	"errors"
	"strings"
	"testing"
)

// rfcServer is a server for RFC 2831 section 4's example: the IMAP service of
// elwood.innosoft.com, where chris's password is "secret".
func rfcServer(requireSSF, limitSSF int) *digestMD5 {
	return &digestMD5{
		lookup: func(user string) (string, error) {
			if user == "chris" {
				return "secret", nil
			}
			return "", errNoUser
		},
		service: "imap", realm: "elwood.innosoft.com", nonce: "OA6MG9tEQGm2hh",
		requireSSF: requireSSF, limitSSF: limitSSF,
	}
}

const rfcResponse = `charset=utf-8,username="chris",realm="elwood.innosoft.com",` +
	`nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",` +
	`digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth`

// The example exchange of RFC 2831 section 4: the client's response is accepted and
// the server answers the rspauth the RFC shows.
func TestDigestMD5RFC2831Example(t *testing.T) {
	d := rfcServer(0, 0)
	ch, done, err := d.Step(nil)
	if err != nil || done {
		t.Fatalf("challenge: %v %v", done, err)
	}
	// No layer is wanted, so only "auth" is offered (as Cyrus does on a secure channel).
	const wantCh = `nonce="OA6MG9tEQGm2hh",realm="elwood.innosoft.com",qop="auth",maxbuf=65536,charset=utf-8,algorithm=md5-sess`
	if string(ch) != wantCh {
		t.Errorf("challenge:\n got %s\nwant %s", ch, wantCh)
	}
	out, done, err := d.Step([]byte(rfcResponse))
	if err != nil || !done {
		t.Fatalf("response: %v %v", done, err)
	}
	if string(out) != "rspauth=ea40f60335c427b5527b84dbabcdfffd" {
		t.Errorf("rspauth: %s", out)
	}
	if d.User() != "chris" || d.SSF() != 0 || d.Layer() != nil {
		t.Errorf("user %q ssf %d layer %v", d.User(), d.SSF(), d.Layer())
	}
	if _, _, err := d.Step([]byte(rfcResponse)); err == nil {
		t.Error("a third step was accepted")
	}
}

// Responses the server must refuse, each with Cyrus's reason.
func TestDigestMD5Refusals(t *testing.T) {
	for _, c := range []struct {
		name, response, want string
		requireSSF, limit    int
	}{
		{"wrong password", strings.Replace(rfcResponse, "d388dad9", "d388dad8", 1), "doesn't match", 0, 0},
		{"other nonce", strings.Replace(rfcResponse, `nonce="OA6MG9tEQGm2hh"`, `nonce="x"`, 1), "nonce changed", 0, 0},
		{"other service", strings.Replace(rfcResponse, `"imap/`, `"ldap/`, 1), "doesn't match service", 0, 0},
		{"replayed nonce count", strings.Replace(rfcResponse, "nc=00000001", "nc=00000002", 1), "doesn't match", 0, 0},
		{"bad nc", strings.Replace(rfcResponse, "nc=00000001", "nc=zz", 1), "hex", 0, 0},
		{"no cnonce", strings.Replace(rfcResponse, `cnonce="OA6MHXh6VqTrRk",`, "", 1), "cnonce", 0, 0},
		{"duplicate qop", rfcResponse + ",qop=auth", "duplicate qop", 0, 0},
		{"latin-1 charset", strings.Replace(rfcResponse, "charset=utf-8", "charset=latin1", 1), "UTF-8", 0, 0},
		{"unbalanced quote", `username="chris`, "parse error", 0, 0},
		{"maxbuf too small", rfcResponse + ",maxbuf=16", "too small", 0, 0},
		{"auth on TCP", rfcResponse, "invalid qop", 56, digestLimitSSF},
		{"unoffered cipher", strings.Replace(rfcResponse, "qop=auth", "qop=auth-conf,cipher=des", 1), "invalid cipher", 56, digestLimitSSF},
		{"unknown user", strings.Replace(rfcResponse, `"chris"`, `"bob"`, 1), "no such user", 0, 0},
		{"empty", "", "input expected", 0, 0},
	} {
		d := rfcServer(c.requireSSF, c.limit)
		if _, _, err := d.Step(nil); err != nil {
			t.Fatalf("%s: challenge: %v", c.name, err)
		}
		_, _, err := d.Step([]byte(c.response))
		if err == nil || !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// On plain TCP with libvirt's bounds (56 to 100000) only auth-conf is offered, with
// the ciphers of at least 56 bits.
func TestDigestMD5ChallengeOnTCP(t *testing.T) {
	d := rfcServer(56, digestLimitSSF)
	ch, _, err := d.Step(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ch), `qop="auth-conf",cipher="rc4-56,rc4,3des",maxbuf=65536`) {
		t.Errorf("challenge: %s", ch)
	}
}

// The layer carries messages both ways for every cipher and for integrity only
// (several records in a row, so the CBC chaining and sequence numbers count), keeps
// records within the peer's maxbuf, and refuses replayed and altered records.
func TestDigestLayerRoundTrip(t *testing.T) {
	var ha1 [md5.Size]byte
	copy(ha1[:], "0123456789abcdef")
	ciphers := []*digestCipher{nil}
	for i := range digestCiphers {
		ciphers = append(ciphers, &digestCiphers[i])
	}
	for _, c := range ciphers {
		name := "auth-int"
		if c != nil {
			name = c.name
		}
		srv := newDigestLayer(ha1, c, 4096, true)
		cli := newDigestLayer(ha1, c, digestMaxBuf, false)
		msgs := [][]byte{[]byte("hello"), bytes.Repeat([]byte{7}, srv.MaxEncode()), {}, []byte("0123456789abcdefghijklmnopqrstuv")}
		for i, msg := range msgs {
			rec, err := srv.Encode(msg)
			if err != nil {
				t.Fatalf("%s: encode %d: %v", name, i, err)
			}
			if len(rec) > 4096 {
				t.Errorf("%s: record of %d bytes exceeds the peer's maxbuf", name, len(rec))
			}
			if got, err := cli.Decode(rec); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%s: client decode %d: %v %q", name, i, err, got)
			}
			back, err := cli.Encode(msg)
			if err != nil {
				t.Fatalf("%s: client encode %d: %v", name, i, err)
			}
			if got, err := srv.Decode(back); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%s: server decode %d: %v", name, i, err)
			}
			if i == len(msgs)-1 {
				if _, err := srv.Decode(back); err == nil {
					t.Errorf("%s: a replayed record was accepted", name)
				}
			}
		}
		if _, err := srv.Encode(make([]byte, srv.MaxEncode()+1)); err == nil {
			t.Errorf("%s: a message over MaxEncode was encoded", name)
		}
		srv, cli = newDigestLayer(ha1, c, 4096, true), newDigestLayer(ha1, c, digestMaxBuf, false)
		rec, _ := cli.Encode([]byte("some message"))
		rec[0] ^= 1
		if _, err := srv.Decode(rec); err == nil {
			t.Errorf("%s: an altered record was accepted", name)
		}
	}
}
