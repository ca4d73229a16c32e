package sasl

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cyrusClient drives Cyrus SASL's sasl-sample-client (sasl2-bin) through a terminal
// made by script(1), since it reads the password from its terminal: the lines it
// prints ("C: base64") are its side of the exchange, the "S: base64" lines written to
// it are the server's.
type cyrusClient struct {
	t   *testing.T
	cmd *exec.Cmd
	in  io.WriteCloser
	out chan string // the client's output, a chunk at a time
	buf strings.Builder
}

func startCyrusClient(t *testing.T, args ...string) *cyrusClient {
	t.Helper()
	for _, tool := range []string{"sasl-sample-client", "script"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (sasl2-bin, bsdutils): this test runs Cyrus SASL's client", tool)
		}
	}
	cmd := exec.Command("script", "-q", "-e", "-c", "sasl-sample-client "+strings.Join(args, " "), "/dev/null")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &cyrusClient{t: t, cmd: cmd, in: in, out: make(chan string, 64)}
	go func() {
		defer close(c.out)
		b := make([]byte, 4096)
		for {
			n, err := stdout.Read(b)
			if n > 0 {
				c.out <- string(b[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return c
}

// expect waits for the client to print what matches re and returns the match's
// groups; everything up to the match is consumed.
func (c *cyrusClient) expect(re string) []string {
	c.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(10 * time.Second)
	for {
		s := c.buf.String()
		if loc := rx.FindStringSubmatchIndex(s); loc != nil {
			m := rx.FindStringSubmatch(s)
			rest := s[loc[1]:]
			c.buf.Reset()
			c.buf.WriteString(rest)
			return m
		}
		select {
		case chunk, ok := <-c.out:
			if !ok {
				c.t.Fatalf("client exited waiting for %q; it printed:\n%s", re, s)
			}
			c.buf.WriteString(chunk)
		case <-deadline:
			c.t.Fatalf("timed out waiting for %q; the client printed:\n%s", re, s)
		}
	}
}

func (c *cyrusClient) send(b []byte) {
	fmt.Fprintf(c.in, "S: %s\n", base64.StdEncoding.EncodeToString(b))
}

// recv reads the client's next "C: " line.
func (c *cyrusClient) recv() []byte {
	c.t.Helper()
	m := c.expect(`C: ([A-Za-z0-9+/=]*)\r?\n`)
	b, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		c.t.Fatalf("client line %q: %v", m[1], err)
	}
	return b
}

// Cyrus SASL's own client authenticates against the DIGEST-MD5 server and exchanges a
// message each way through the security layers it can set up (its -b bounds make it
// pick the cipher), so the keys, ciphers, padding, MACs and framing are Cyrus's.
func TestDigestMD5WithCyrusClient(t *testing.T) {
	for _, c := range []struct {
		layer    string
		min, max int
		ssf      int
		authzid  bool
	}{
		{"rc4", 56, 128, 128, false},
		// No 3des: Cyrus leaves the DES keys' parity bits clear, OpenSSL 3's
		// DES_key_sched then returns -1 (while setting the schedule all the same),
		// and Cyrus's 3des set-up, unlike its des one, takes that for failure: its
		// client fails with "failed to init cipher '3des'" for all but 1 key in
		// 65536, against any server.
		{"rc4-56", 0, 56, 56, true},
		{"des", 0, 55, 55, false},
		{"rc4-40", 0, 40, 40, false},
		{"auth-int", 0, 1, 1, false},
		{"auth", 0, 0, 0, false},
	} {
		t.Run(c.layer, func(t *testing.T) {
			args := []string{"-s", "libvirt", "-n", "host1", "-a", "chris", "-l", "-m", "DIGEST-MD5",
				fmt.Sprintf("-b min=%d,max=%d", c.min, c.max)}
			if c.authzid {
				args = append(args, "-u", "chris")
			}
			cl := startCyrusClient(t, args...)
			srv := &digestMD5{
				lookup: func(user string) (string, error) {
					if user == "chris" {
						return "sécret pw", nil
					}
					return "", errNoUser
				},
				service: "libvirt", realm: "host1", limitSSF: digestLimitSSF,
			}
			cl.expect(`Waiting for mechanism list`)
			cl.send([]byte("DIGEST-MD5"))
			if mech := cl.recv(); string(mech) != "DIGEST-MD5" {
				t.Fatalf("client chose %q", mech)
			}
			ch, _, err := srv.Step(nil)
			if err != nil {
				t.Fatal(err)
			}
			cl.expect(`Waiting for server reply`)
			cl.send(ch)
			cl.expect(`Password: `)
			fmt.Fprintf(cl.in, "sécret pw\n")
			resp := cl.recv()
			out, done, err := srv.Step(resp)
			if err != nil || !done {
				t.Fatalf("server step: %v %v\nresponse: %s", done, err, resp)
			}
			if !strings.Contains(string(resp), "qop="+map[bool]string{true: "auth-conf", false: c.layer}[c.ssf > 1]) ||
				(c.ssf > 1 && !strings.Contains(string(resp), "cipher="+c.layer)) {
				t.Errorf("client's response: %s", resp)
			}
			if srv.SSF() != c.ssf || srv.User() != "chris" {
				t.Errorf("server ssf %d user %q, want %d", srv.SSF(), srv.User(), c.ssf)
			}
			cl.expect(`Waiting for server reply`)
			cl.send(out)
			if m := cl.expect(`SSF: (\d+)`); m[1] != fmt.Sprint(c.ssf) {
				t.Errorf("client SSF %s, want %d", m[1], c.ssf)
			}
			cl.expect(`Waiting for encoded message`)
			l := srv.Layer()
			if c.ssf == 0 {
				if l != nil {
					t.Fatal("a layer without SSF")
				}
				return
			}
			rec, err := l.Encode([]byte("srv message 1\x00"))
			if err != nil {
				t.Fatal(err)
			}
			cl.send(append(binary.BigEndian.AppendUint32(nil, uint32(len(rec))), rec...))
			cl.expect(`recieved decoded message 'srv message 1'`)
			back := cl.recv()
			if len(back) < 4 || int(binary.BigEndian.Uint32(back)) != len(back)-4 {
				t.Fatalf("client record: %x", back)
			}
			msg, err := l.Decode(back[4:])
			if err != nil || !bytes.Equal(msg, []byte("client message 1\x00")) {
				t.Errorf("client's message: %v %q", err, msg)
			}
		})
	}
}
