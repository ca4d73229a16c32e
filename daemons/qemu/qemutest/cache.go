package qemutest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// cacheDir is where built guests are kept between test runs.
func cacheDir() (string, error) {
	dir := filepath.Join(os.TempDir(), "virtunit-test-guests")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// MkdirAll keeps an existing directory's mode; the daemons under test may run as
	// another user and must be able to read what is here.
	if err := os.Chmod(dir, 0o755); err != nil && !os.IsPermission(err) {
		return "", err
	}
	return dir, nil
}

// hashOf names cached content by what it was built from.
func hashOf(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// publish moves a finished file into place under its final name, so a parallel test
// process never sees half of it.
func publish(tmp, final string) error {
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}
