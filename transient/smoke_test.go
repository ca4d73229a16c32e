package transient

import (
	"context"
	"testing"
	"time"

	"github.com/virtunit/virtunit/transient/systemdtest"
	"github.com/virtunit/virtunit/units"
)

func TestMain(m *testing.M) { systemdtest.Main(m, systemdtest.WithMachined()) }

func TestSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, _ := r.Watch("*")
	go func() {
		for ev := range w.C {
			t.Logf("event %v", ev)
		}
	}()
	for _, kind := range []units.Kind{units.Service, units.Scope} {
		name := "smoke.service"
		if kind == units.Scope {
			name = "smoke.scope"
		}
		t0 := time.Now()
		st, err := r.Start(ctx, units.Spec{Name: name, Kind: kind, Argv: []string{"sleep", "100"}, Description: "smoke test"})
		t.Logf("start %v %v in %v", st, err, time.Since(t0))
		t0 = time.Now()
		st, err = r.Stop(ctx, name)
		t.Logf("stop %v %v in %v", st, err, time.Since(t0))
	}
	time.Sleep(200 * time.Millisecond)
	out, _ := systemdtest.Current(t).Systemctl("list-units", "--all", "smoke*")
	t.Log(out)
	w.Close()
}
