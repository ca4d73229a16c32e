package qemu_test

import (
	"os"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
)

// TestPythonLifecycle drives a guest's life from python3-libvirt (Debian's, under
// /usr/bin/python3), error codes and the console stream included.
func TestPythonLifecycle(t *testing.T) {
	t.Parallel()
	daemontest.RequireTool(t, "/usr/bin/python3")
	d := startQemud(t, daemontest.Options{})
	out, errOut, err := daemontest.Run(t.Context(), append(os.Environ(), "LIBVIRT_AUTOSTART=0"),
		"/usr/bin/python3", "testdata/lifecycle.py", d.URI(""), qemutest.Firmware)
	if err != nil || strings.TrimSpace(out) != "OK" {
		t.Fatalf("lifecycle.py: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
}
