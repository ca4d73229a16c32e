package sasl

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The file saslpasswd2 writes is read back.
func TestReadSASLDB(t *testing.T) {
	if _, err := exec.LookPath("saslpasswd2"); err != nil {
		t.Fatal("saslpasswd2 (sasl2-bin) is not installed: this test reads the file it writes")
	}
	db := filepath.Join(t.TempDir(), "passwd.db")
	for _, u := range []struct{ user, realm, pw string }{{"fred", "example.org", "secret123"}, {"bob", "", "pw2"}, {"fred", "other", "x"}} {
		args := []string{"-p", "-a", "libvirt", "-f", db, u.user}
		if u.realm != "" {
			args = append([]string{"-u", u.realm}, args...)
		}
		cmd := exec.Command("saslpasswd2", args...)
		cmd.Stdin = strings.NewReader(u.pw)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("saslpasswd2: %v\n%s", err, out)
		}
	}
	users, err := readSASLDB(db)
	if err != nil {
		t.Fatal(err)
	}
	if users["fred\x00example.org"] != "secret123" || users["fred\x00other"] != "x" || len(users) != 3 {
		t.Errorf("users: %q", users)
	}
}
