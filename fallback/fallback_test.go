package fallback

import (
	"testing"

	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/unitstest"
)

func newRealizer(t *testing.T, dir string) *Realizer {
	t.Helper()
	r, err := New(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestConformance(t *testing.T) {
	unitstest.Run(t, unitstest.Harness{New: func(t *testing.T, dir string) units.Realizer { return newRealizer(t, dir) }})
}
