package transient

import (
	"testing"

	"github.com/virtunit/virtunit/transient/systemdtest"
)

func TestMain(m *testing.M) { systemdtest.Main(m, systemdtest.WithMachined()) }
