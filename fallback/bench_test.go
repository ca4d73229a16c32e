package fallback

import (
	"testing"

	"github.com/virtunit/virtunit/units/unitstest"
)

// BenchmarkStartStop100 starts and stops 100 short services through the realizer.
//
//	go test -run '^$' -bench StartStop -benchtime 3x ./fallback/
func BenchmarkStartStop100(b *testing.B) {
	r, err := New(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	unitstest.BenchRealizer(b, r, 100)
}
