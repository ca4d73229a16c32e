package qemu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRotateLog: a log past its bound is copied to .0 (older copies shifting up to the
// backup count) and emptied, and a writer that appends, as QEMU does, goes on at its
// start; a log within the bound is left alone.
func TestRotateLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vm-console.log")
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for round := range 4 {
		w.WriteString(strings.Repeat(string(rune('a'+round)), 100))
		if err := rotateLog(path, 50, 2); err != nil {
			t.Fatal(err)
		}
	}
	w.WriteString("after")
	for name, want := range map[string]string{
		"vm-console.log":   "after",
		"vm-console.log.0": strings.Repeat("d", 100),
		"vm-console.log.1": strings.Repeat("c", 100),
	} {
		got, err := os.ReadFile(filepath.Join(filepath.Dir(path), name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat(path + ".2"); err == nil {
		t.Error("a third backup kept with max_backups = 2")
	}
	if err := rotateLog(path, 50, 2); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "after" {
		t.Errorf("a log within its bound was rotated: %q", got)
	}
}

// TestLogTailReadsOnlyTheEnd: a failed start quotes the end of its log, not the whole.
func TestLogTailReadsOnlyTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vm.log")
	big := strings.Repeat("noise line\n", 200000) + "qemu-system-x86_64: the reason\n"
	if err := os.WriteFile(path, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := logTail(path, 0); !strings.HasSuffix(got, "qemu-system-x86_64: the reason") {
		t.Errorf("logTail = %q", got)
	}
}
