package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "vm1.xml")
	for _, content := range []string{"first", "second, longer than the first"} {
		if err := WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
}

func TestWriteFileFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	// Renaming a file over a non-empty directory fails: the old content must stay.
	if err := os.WriteFile(filepath.Join(p, "keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("x"), 0o600); err == nil {
		t.Fatal("WriteFile over a directory succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "sub" {
		t.Fatalf("directory after failed write: %v", ents)
	}
}

func TestRemove(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := Remove(p); err != nil {
		t.Fatalf("removing a missing file: %v", err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
}

// TestSweepRemovesDebrisOfDeadWriters: temporary files of writers that are gone (and
// of versions that did not name the writer) go; a live writer's stays, and so does
// everything else.
func TestSweepRemovesDebrisOfDeadWriters(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { live.Process.Kill(); live.Wait() }()
	files := map[string]bool{ // name: kept
		"vm1.xml":                           true,
		".hidden":                           true,
		".vm1.xml.tmp123456":                false, // an earlier version's
		".vm1.xml.tmp-" + pid(dead) + "-99": false,
		".vm2.xml.tmp-" + pid(live) + "-98": true,
		".vm3.xml.tmp-" + strconv.Itoa(os.Getpid()) + "-7": true,
		".odd.tmp-x-1": true, // not WriteFile's
		".x.tmp.xml":   true, // a domain called ".x.tmp"
	}
	for n := range files {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := Sweep(dir); err != nil {
		t.Fatal(err)
	}
	for n, kept := range files {
		_, err := os.Stat(filepath.Join(dir, n))
		if exists := err == nil; exists != kept {
			t.Errorf("%s: present %v after Sweep, want %v", n, exists, kept)
		}
	}
	if err := Sweep(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("Sweep of a missing directory: %v", err)
	}
}

func pid(c *exec.Cmd) string { return strconv.Itoa(c.Process.Pid) }
