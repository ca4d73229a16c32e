package transient

import (
	"context"
	"testing"
	"time"

	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/unitstest"
)

// newRealizer connects to the manager systemdtest.Main started, as a root daemon would:
// through the system bus, which the harness points at it.
func newRealizer(t *testing.T) *Realizer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestConformance(t *testing.T) {
	unitstest.Run(t, unitstest.Harness{New: func(t *testing.T, _ string) units.Realizer { return newRealizer(t) }})
}
