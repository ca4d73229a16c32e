package hook

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestCallOrderArgsAndInput runs a main script and two in network.d, as libvirt 9.0
// does: the main one first, then the directory's in name order, each with the same
// arguments and stdin. A file without the execute bit is skipped.
func TestCallOrderArgsAndInput(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	rec := `echo "$(basename $0) $*" >> ` + log + "\ncat >> " + log + "\necho >> " + log + "\n"
	writeScript(t, filepath.Join(dir, "network"), rec)
	writeScript(t, filepath.Join(dir, "network.d", "20-b"), rec)
	writeScript(t, filepath.Join(dir, "network.d", "10-a"), rec)
	if err := os.WriteFile(filepath.Join(dir, "network.d", "00-off"), []byte("#!/bin/sh\nexit 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Dir(dir).Call(context.Background(), "network", "net1", "start", "begin", "", "<hookData/>"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(log)
	want := "network net1 start begin -\n<hookData/>\n10-a net1 start begin -\n<hookData/>\n20-b net1 start begin -\n<hookData/>\n"
	if string(b) != want {
		t.Errorf("hook runs:\n%s\nwant:\n%s", b, want)
	}
	if Dir(dir).Present("qemu") {
		t.Error("a qemu hook is reported present")
	}
}

// TestCallFailure is libvirt's error for a script that exits non-zero: code 70 from
// VIR_FROM_HOOK, quoting the command line and the script's stderr.
func TestCallFailure(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, filepath.Join(dir, "network"), "echo refused >&2\nexit 3\n")
	err := Dir(dir).Call(context.Background(), "network", "n", "start", "begin", "", "")
	var ve *virerror.Error
	if !errors.As(err, &ve) || ve.Code != libvirt.ErrHookScriptFailed || ve.Domain != virerror.FromHook {
		t.Fatalf("error %v, want a hook script failure", err)
	}
	for _, s := range []string{"LC_ALL=C", filepath.Join(dir, "network") + " n start begin -", "unexpected exit status 3: refused\n"} {
		if !strings.Contains(ve.Detail, s) {
			t.Errorf("detail %q lacks %q", ve.Detail, s)
		}
	}
}
