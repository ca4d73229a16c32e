package transient

import (
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/transient/systemdtest"
	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/unitstest"
)

// TestManagerReexec: across systemctl daemon-reexec the realizer keeps hearing of its
// units (a killed service's restart, a scope's stop someone else asks for), and starts
// and stops units as before.
func TestManagerReexec(t *testing.T) {
	m := systemdtest.Current(t)
	r := newRealizer(t)
	w, _ := r.Watch("reexec.*")
	defer w.Close()
	svc := units.Spec{Name: "reexec.service", Kind: units.Service, Argv: []string{"sleep", "60"},
		Restart: units.RestartOnFailure, RestartDelay: 100 * time.Millisecond}
	st, err := r.Start(ctx(t), svc)
	if err != nil {
		t.Fatal(err)
	}
	sc := units.Spec{Name: "reexec.scope", Kind: units.Scope, Argv: []string{"sleep", "60"}, StopTimeout: 30 * time.Second}
	scst, err := r.Start(ctx(t), sc)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := m.Systemctl("daemon-reexec"); err != nil {
		t.Fatal(out, err)
	}
	syscall.Kill(st.MainPID, syscall.SIGKILL)
	unitstest.NextEvent(t, w, "the service's restart", func(ev units.Event) bool {
		return ev.Kind == units.Restarted && ev.Status.Name == svc.Name
	})

	if out, err := m.Systemctl("daemon-reexec"); err != nil {
		t.Fatal(out, err)
	}
	stop := m.Command("systemctl", "--user", "stop", sc.Name)
	if err := stop.Start(); err != nil {
		t.Fatal(err)
	}
	unitstest.NextEvent(t, w, "the scope's stop request", func(ev units.Event) bool { return ev.Kind == units.StopRequested })
	if !alive(scst.MainPID) {
		t.Fatal("the scope's process was killed instead of its owner asked")
	}
	// Our own Stop joins the stop under way and carries it out at once.
	if st, err := r.Stop(ctx(t), sc.Name); err != nil || st.State != units.Dead {
		t.Errorf("Stop during systemctl stop = %v, %v", st, err)
	}
	if err := stop.Wait(); err != nil {
		t.Errorf("systemctl stop: %v", err)
	}
	if st, err := r.Stop(ctx(t), svc.Name); err != nil || st.State != units.Dead {
		t.Errorf("Stop of the service = %v, %v", st, err)
	}
}

// TestLostConnection cuts the realizer's connection to the bus (it connects through a
// relay the test controls): the realizer dials again and goes on hearing of its units,
// including one whose change happened while it was away, and controls them.
func TestLostConnection(t *testing.T) {
	m := systemdtest.Current(t)
	relay := newRelay(t, strings.TrimPrefix(m.Bus, "unix:path="))
	r, err := New(ctx(t), Options{Address: "unix:path=" + relay.path})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, _ := r.Watch("lost-bus.*")
	defer w.Close()
	svc := units.Spec{Name: "lost-bus.service", Kind: units.Service, Argv: []string{"sleep", "60"},
		Restart: units.RestartOnFailure, RestartDelay: 100 * time.Millisecond}
	st, err := r.Start(ctx(t), svc)
	if err != nil {
		t.Fatal(err)
	}
	oneshot := units.Spec{Name: "lost-bus-gone.service", Kind: units.Service, Argv: []string{"sleep", "60"}}
	gone, err := r.Start(ctx(t), oneshot)
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := r.Watch(oneshot.Name)
	defer w2.Close()

	relay.cut(true)
	syscall.Kill(gone.MainPID, syscall.SIGKILL) // ends while the realizer is away
	time.Sleep(200 * time.Millisecond)
	relay.cut(false)
	unitstest.NextEvent(t, w2, "the end of the unit that died meanwhile", func(ev units.Event) bool {
		return ev.Status.State == units.Failed || ev.Status.State == units.Dead
	})
	syscall.Kill(st.MainPID, syscall.SIGKILL)
	unitstest.NextEvent(t, w, "the restart after reconnecting", func(ev units.Event) bool {
		return ev.Kind == units.Restarted && ev.Status.Name == svc.Name
	})
	if st, err := r.Stop(ctx(t), svc.Name); err != nil || st.State != units.Dead {
		t.Errorf("Stop after reconnecting = %v, %v", st, err)
	}
	r.ResetFailed(ctx(t), oneshot.Name)
}

// relay forwards connections to a unix socket, and can cut them all and refuse new
// ones for a while.
type relay struct {
	path, target string
	mu           sync.Mutex
	down         bool
	conns        []net.Conn
}

func newRelay(t *testing.T, target string) *relay {
	rl := &relay{path: filepath.Join(t.TempDir(), "relay"), target: target}
	ln, err := net.Listen("unix", rl.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); rl.cut(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			rl.mu.Lock()
			down := rl.down
			rl.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			up, err := net.Dial("unix", rl.target)
			if err != nil {
				c.Close()
				continue
			}
			rl.mu.Lock()
			rl.conns = append(rl.conns, c, up)
			rl.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return rl
}

// cut closes every relayed connection and, with down, refuses new ones until cut(false).
func (rl *relay) cut(down bool) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.down = down
	if down {
		for _, c := range rl.conns {
			c.Close()
		}
		rl.conns = nil
	}
}
