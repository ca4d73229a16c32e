// Package systemde2e tests what org.libvirt shows of a guest that runs as a systemd
// scope: the unit and the machine, and their objects in org.freedesktop.systemd1 and
// org.freedesktop.machine1. The test binary runs a private systemd user manager and
// systemd-machined on a private bus (transient/systemdtest), which virtqemud takes for
// the system bus.
package systemde2e

import (
	"testing"

	"github.com/virtunit/virtunit/transient/systemdtest"
)

func TestMain(m *testing.M) { systemdtest.Main(m, systemdtest.WithMachined()) }
