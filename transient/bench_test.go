package transient

import (
	"testing"

	"github.com/virtunit/virtunit/transient/systemdtest"
	"github.com/virtunit/virtunit/units/unitstest"
)

// BenchmarkStartStop100 starts and stops 100 short services through the realizer, and
// the same with systemd-run --user and systemctl --user stop as whole processes, on the
// same manager. The realizer's median start latency must beat systemd-run's.
//
//	go test -run '^$' -bench StartStop -benchtime 3x ./transient/
func BenchmarkStartStop100(b *testing.B) {
	var realizer, command unitstest.BenchResult
	b.Run("realizer", func(b *testing.B) {
		r := connect(b)
		defer r.Close()
		realizer = unitstest.BenchRealizer(b, r, 100)
	})
	b.Run("systemd-run", func(b *testing.B) {
		m := systemdtest.Current(b)
		run := func(args ...string) error {
			if out, err := m.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
				b.Fatalf("%v: %v\n%s", args, err, out)
			}
			return nil
		}
		command = unitstest.Bench(b, 100, func(name string) error {
			return run("systemd-run", "--user", "--quiet", "--unit="+name, "-p", "Type=exec", "sleep", "3600")
		}, func(name string) error {
			return run("systemctl", "--user", "stop", name)
		})
	})
	if realizer.StartMedian >= command.StartMedian {
		b.Errorf("median start: realizer %v, systemd-run %v", realizer.StartMedian, command.StartMedian)
	}
}
