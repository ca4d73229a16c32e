package qemutest

import (
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

//go:embed tinyboot/boot.S tinyboot/link.ld
var tinySource embed.FS

// The lines the tiny image prints.
const (
	TinyReady    = "virtunit-tiny ready"
	TinyPowerOff = "virtunit-tiny power button: entering S5"
	TinyPanic    = "virtunit-tiny panics now"
)

// Firmware is the ROM of a guest that only has to run: qboot halts at once.
const Firmware = "/usr/share/qemu/qboot.rom"

var tiny struct {
	once sync.Once
	path string
	err  error
}

// TinyImage returns the path of the tiny multiboot image, building it on first use.
// Missing binutils fail the test: CI has them.
func TinyImage(t testing.TB) string {
	t.Helper()
	tiny.once.Do(func() { tiny.path, tiny.err = buildTiny() })
	if tiny.err != nil {
		t.Fatalf("build the tiny test guest: %v", tiny.err)
	}
	return tiny.path
}

func buildTiny() (string, error) {
	src, _ := tinySource.ReadFile("tinyboot/boot.S")
	lds, _ := tinySource.ReadFile("tinyboot/link.ld")
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	final := filepath.Join(dir, "tiny-"+hashOf(src, lds)+".elf")
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	for _, tool := range []string{"as", "ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", fmt.Errorf("%s (package binutils) is not installed", tool)
		}
	}
	work, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	for name, data := range map[string][]byte{"boot.S": src, "link.ld": lds} {
		if err := os.WriteFile(filepath.Join(work, name), data, 0o644); err != nil {
			return "", err
		}
	}
	steps := [][]string{
		{"as", "--32", "-o", "boot.o", "boot.S"},
		{"ld", "-m", "elf_i386", "-n", "-s", "--build-id=none", "--no-warn-rwx-segments", "-T", "link.ld", "-o", "tiny.elf", "boot.o"},
	}
	for _, s := range steps {
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%v: %v\n%s", s, err, out)
		}
	}
	return final, publish(filepath.Join(work, "tiny.elf"), final)
}
