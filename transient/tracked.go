package transient

import (
	"context"
	"strings"
	"syscall"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/units"
)

const (
	unitIface    = "org.freedesktop.systemd1.Unit"
	serviceIface = "org.freedesktop.systemd1.Service"
	scopeIface   = "org.freedesktop.systemd1.Scope"
)

// watched are the properties a unit's status is made of, per interface.
var watched = map[string][]string{
	unitIface:    {"LoadState", "ActiveState", "SubState", "Description"},
	serviceIface: {"Type", "Restart", "MainPID", "NRestarts", "Result", "ExecMainCode", "ExecMainStatus", "ExecMainExitTimestampMonotonic"},
	scopeIface:   {"Result"},
}

// isWatched says whether a property is one of those in watched.
func isWatched(name string) bool {
	for _, names := range watched {
		for _, n := range names {
			if n == name {
				return true
			}
		}
	}
	return false
}

// unitPath is the object path systemd gives a unit.
func unitPath(name string) dbus.ObjectPath {
	return dbus.ObjectPath("/org/freedesktop/systemd1/unit/" + sddbus.PathBusEscape(name))
}

// typeIface is the unit-type interface of a unit, by its suffix.
func typeIface(name string) string {
	if strings.HasSuffix(name, ".scope") {
		return scopeIface
	}
	return serviceIface
}

// value is a property value with the sequence number of the message it came in, so a
// snapshot taken before a signal never overwrites what the signal said.
type value struct {
	v   any
	seq dbus.Sequence
}

// tracked is a unit we watch. Its fields are guarded by Realizer.mu.
type tracked struct {
	name  string
	path  dbus.ObjectPath
	props map[string]value

	pending  int  // Start, Stop or Adopt calls in progress: not final yet
	stopping bool // our own Stop: a scope's stop is ours to carry out with SIGTERM
	stopSeen bool // the scope's deactivation was acted on
	referred bool // we hold a reference (AddRef, Ref)

	// A scope's main process: the child we forked (exit status known), or the
	// session leader found in an adopted scope.
	mainPID   int
	exit      *units.Exit
	reaped    chan struct{} // closed once the process is reaped; nil without one
	stopChild context.CancelFunc

	last     units.Status // last published
	exitSeen uint64       // ExecMainExitTimestampMonotonic last reported
	runs     int          // Restarts when Running was last published

	// systemd 252 shows a service that will be restarted as "failed" for a moment
	// before "auto-restart". So the end of a service with a restart policy is published
	// only once a fresh read has settled it (see Realizer.settle).
	settled  bool // the current ended state was confirmed by a read
	settling bool // a read to confirm it is under way
}

func newTracked(name string) *tracked {
	return &tracked{name: name, path: unitPath(name), props: map[string]value{}}
}

// set records a property value that arrived at seq, unless a later one is known.
func (u *tracked) set(name string, v any, seq dbus.Sequence) {
	if old, ok := u.props[name]; ok && old.seq > seq {
		return
	}
	u.props[name] = value{v, seq}
}

func (u *tracked) str(name string) string {
	s, _ := u.props[name].v.(string)
	return s
}

func (u *tracked) num(name string) uint64 {
	switch v := u.props[name].v.(type) {
	case uint32:
		return uint64(v)
	case int32:
		return uint64(v)
	case uint64:
		return v
	}
	return 0
}

// gone says whether systemd no longer has the unit.
func (u *tracked) gone() bool {
	ls := u.str("LoadState")
	return ls == "not-found" || ls == "" && u.str("ActiveState") == ""
}

// status derives the unit's Status from its properties.
func (u *tracked) status() units.Status {
	st := units.Status{Name: u.name, Description: u.str("Description"), Result: u.str("Result")}
	switch active, sub := u.str("ActiveState"), u.str("SubState"); active {
	case "active", "reloading", "refreshing":
		st.State = units.Running
		if u.str("Type") == "oneshot" {
			st.State = units.Active
		}
	case "activating":
		st.State = units.Starting
		if sub == "auto-restart" {
			st.State = units.Restarting
		}
	case "deactivating":
		st.State = units.Stopping
	case "failed":
		st.State = units.Failed
	default:
		st.State = units.Dead
	}
	if u.str("LoadState") == "not-found" && st.State != units.Failed {
		// Collected while we were not looking (a lost connection took our reference):
		// its last known state is stale.
		st.State = units.Dead
	}
	if typeIface(u.name) == scopeIface {
		if st.State == units.Running || st.State == units.Stopping {
			st.MainPID = u.mainPID
		}
		st.Exit = u.exit
		return st
	}
	st.MainPID = int(u.num("MainPID"))
	st.Restarts = int(u.num("NRestarts"))
	if u.num("ExecMainExitTimestampMonotonic") != 0 {
		switch code, status := u.num("ExecMainCode"), int(u.num("ExecMainStatus")); code {
		case 1: // CLD_EXITED
			st.Exit = &units.Exit{Code: status}
		case 2, 3: // CLD_KILLED, CLD_DUMPED
			st.Exit = &units.Exit{Signal: syscall.Signal(status)}
		}
	}
	return st
}

// ended says whether the unit's state is Dead or Failed.
func (u *tracked) ended() bool {
	st := u.status().State
	return st == units.Dead || st == units.Failed
}

// unsettled says whether the unit looks ended but may be about to restart.
func (u *tracked) unsettled() bool {
	r := u.str("Restart")
	return r != "" && r != "no" && u.ended() && !u.settled
}

// final says whether the unit has ended for good: nothing in progress, no restart
// coming, and any child of ours reaped.
func (u *tracked) final() bool {
	if u.pending > 0 || !u.ended() || u.unsettled() {
		return false
	}
	if u.reaped != nil {
		select {
		case <-u.reaped:
		default:
			return false
		}
	}
	return true
}

// events compares the unit with what was last published and returns what to publish.
func (u *tracked) events() []units.Event {
	st := u.status()
	var evs []units.Event
	if stamp := u.num("ExecMainExitTimestampMonotonic"); stamp != u.exitSeen {
		u.exitSeen = stamp
		if stamp != 0 && u.str("Type") != "oneshot" {
			evs = append(evs, units.Event{Kind: units.ProcessExited, Status: st})
		}
	}
	if !u.ended() {
		u.settled = false
	}
	if st.State != u.last.State && !u.unsettled() {
		kind := units.StateChanged
		if st.State == units.Running {
			if st.Restarts > u.runs {
				kind = units.Restarted
			}
			u.runs = st.Restarts
		}
		evs = append(evs, units.Event{Kind: kind, Status: st})
		u.last = st
	}
	return evs
}

// stopWatchingChild ends the goroutine that waits for our child, if any.
func (u *tracked) stopWatchingChild() {
	if u.stopChild != nil {
		u.stopChild()
	}
}
