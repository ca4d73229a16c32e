// Package daemontest starts the real daemon binaries for tests and drives them with the
// real clients (virsh, virt-admin): it builds ./cmd/... once per test binary, runs a
// daemon as an unprivileged user with its XDG directories in a temp dir (session mode)
// or as root inside a private mount namespace (system mode, /run and /etc/libvirt on
// tmpfs), waits for its sockets, and stops it at the end of the test, showing its log
// when the test failed.
package daemontest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binaries builds every daemon of the module once and returns the directory holding
// them.
func Binaries(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "virtunit-bin-")
		if err != nil {
			buildErr = err
			return
		}
		// World-readable so daemons started as an unprivileged user can run them.
		os.Chmod(dir, 0o755)
		cmd := exec.Command("go", "build", "-o", dir+"/", "./cmd/...")
		cmd.Dir = root
		// As installed (meson.build): static, without cgo; but the race detector
		// (GOFLAGS=-race builds the daemons with it too) needs cgo.
		if !strings.Contains(os.Getenv("GOFLAGS"), "-race") {
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/...: %v\n%s", err, out)
			return
		}
		binDir = dir
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the virtunit module")
	}
	return filepath.Dir(mod), nil
}

// RequireTool fails the test with a clear message when a program the test drives is
// not installed. CI installs everything, so a missing tool is a broken machine, never a
// reason to skip.
func RequireTool(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Fatalf("%s is not installed: this test drives the real %s (install it, e.g. with the README's test command)", n, n)
		}
	}
}

// Run runs a command and returns its stdout and stderr; err is non-nil when it failed.
func Run(ctx context.Context, env []string, name string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = env
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}
