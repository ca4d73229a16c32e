package qemu_test

import (
	"testing"

	"github.com/virtunit/virtunit/transient/systemdtest"
)

// TestMain runs the package's tests beside a private systemd user manager (with
// machined), which the tests of guests as transient scopes use; the other tests run
// their daemons with the fallback realizer as before.
func TestMain(m *testing.M) { systemdtest.Main(m, systemdtest.WithMachined()) }
