package transient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/units"
)

const propertiesIface = "org.freedesktop.DBus.Properties"

// dbusErr says whether err is the D-Bus error name.
func dbusErr(err error, name string) bool {
	var e dbus.Error
	return errors.As(err, &e) && e.Name == name
}

// mapErr turns systemd's errors into the units package's.
func mapErr(err error) error {
	switch {
	case dbusErr(err, "org.freedesktop.systemd1.NoSuchUnit"):
		return fmt.Errorf("%w (%v)", units.ErrNotFound, err)
	case dbusErr(err, "org.freedesktop.systemd1.UnitExists"):
		return fmt.Errorf("%w (%v)", units.ErrExists, err)
	}
	return err
}

// track starts watching name (a path-filtered match on its PropertiesChanged) and counts
// one call in progress on it; release ends that call.
func (r *Realizer) track(ctx context.Context, name string) (*tracked, error) {
	path := unitPath(name)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, units.ErrClosed
	}
	if u := r.units[path]; u != nil {
		u.pending++
		r.mu.Unlock()
		return u, nil
	}
	u := newTracked(name)
	u.pending = 1
	r.units[path] = u
	r.mu.Unlock()
	// No need to wait for the reply: the bus applies our messages in order, so the
	// match is in place before any call we make next reaches systemd.
	if err := r.bus().conn.BusObject().Go("org.freedesktop.DBus.AddMatch", dbus.FlagNoReplyExpected, nil, matchRule(path)).Err; err != nil {
		r.release(u)
		return nil, fmt.Errorf("watch %s: %w", name, err)
	}
	return u, nil
}

// matchRule selects the PropertiesChanged signals of one unit.
func matchRule(path dbus.ObjectPath) string {
	return fmt.Sprintf("type='signal',sender='%s',path='%s',interface='%s',member='PropertiesChanged'",
		systemdName, path, propertiesIface)
}

// release ends a call on u; a unit that has ended for good is then forgotten.
func (r *Realizer) release(u *tracked) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u.pending--
	if u.final() {
		r.untrackLocked(u)
	}
}

// untrackLocked forgets u: its match goes, and so does our reference, which lets
// systemd collect the unit.
func (r *Realizer) untrackLocked(u *tracked) {
	if r.units[u.path] != u {
		return
	}
	delete(r.units, u.path)
	u.stopWatchingChild()
	referred := u.referred
	go func() {
		ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
		defer cancel()
		r.bus().conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.RemoveMatch", 0, matchRule(u.path))
		if referred {
			r.bus().conn.Object(systemdName, u.path).CallWithContext(ctx, unitIface+".Unref", 0)
		}
	}()
}

// known says whether u's state came with a signal. systemd sends a unit's pending
// PropertiesChanged before the JobRemoved of its job, so after a job it is current.
func (u *tracked) known() bool { return u.props["ActiveState"].seq != 0 }

// readAll reads every watched property of u.
func (r *Realizer) readAll(ctx context.Context, u *tracked) error {
	return r.read(ctx, u, map[string][]string{unitIface: watched[unitIface], typeIface(u.name): watched[typeIface(u.name)]}, nil)
}

// read fetches properties of u, all calls in flight at once, and merges them by sequence
// number. Of a unit systemd no longer has, only LoadState is kept: the defaults systemd
// reports for it would erase how the unit ended. then, if not nil, runs after the merge
// under the lock.
func (r *Realizer) read(ctx context.Context, u *tracked, which map[string][]string, then func()) error {
	n := 0
	for _, names := range which {
		n += len(names)
	}
	done := make(chan *dbus.Call, n)
	obj := r.bus().conn.Object(systemdName, u.path)
	for iface, names := range which {
		for _, name := range names {
			obj.GoWithContext(ctx, propertiesIface+".Get", 0, done, iface, name)
		}
	}
	calls := make([]*dbus.Call, 0, n)
	var firstErr error
	for range n {
		c := <-done
		if c.Err != nil {
			if firstErr == nil {
				firstErr = c.Err
			}
			continue
		}
		calls = append(calls, c)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var err error
	if len(calls) == 0 {
		err = fmt.Errorf("read %s: %w", u.name, firstErr)
	}
	gone := false
	for _, c := range calls {
		if c.Args[1] == "LoadState" {
			gone = c.Body[0].(dbus.Variant).Value() == "not-found"
		}
	}
	for _, c := range calls {
		if name := c.Args[1].(string); !gone || name == "LoadState" {
			u.set(name, c.Body[0].(dbus.Variant).Value(), c.ResponseSequence)
		}
	}
	if then != nil {
		then()
	}
	r.changedLocked(u)
	return err
}

// auxUnit is an auxiliary unit of StartTransientUnit, D-Bus type (sa(sv)); we send none.
type auxUnit struct {
	Name  string
	Props []sddbus.Property
}

// startUnit calls StartTransientUnit, dropping optional properties the manager refuses
// (and remembering that), and clearing a dead unit of the same name that is in the way.
func (r *Realizer) startUnit(ctx context.Context, name string, props []property) (dbus.ObjectPath, error) {
	cleared := false
	for {
		var job dbus.ObjectPath
		err := r.bus().systemd.CallWithContext(ctx, managerIface+".StartTransientUnit", 0, name, "fail", r.usable(props), []auxUnit{}).Store(&job)
		switch {
		case err == nil:
			return job, nil
		case r.dropRefused(err, props):
		case dbusErr(err, "org.freedesktop.systemd1.UnitExists") && !cleared && r.clearDead(ctx, name):
			cleared = true
		default:
			return "", mapErr(err)
		}
	}
}

// usable is props without the optional ones this manager refused, or with their stand-ins.
func (r *Realizer) usable(props []property) []sddbus.Property {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]sddbus.Property, 0, len(props))
	for _, p := range props {
		switch {
		case !r.unsupported[p.Name] || !p.optional && p.instead == nil:
			out = append(out, p.Property)
		case p.instead != nil:
			out = append(out, *p.instead)
		}
	}
	return out
}

// dropRefused says whether err is the manager refusing an optional property of props
// (PropertyReadOnly "Cannot set property X, or unknown property."), which it then
// remembers, so the caller may retry; machined refuses PIDFDs the same way.
func (r *Realizer) dropRefused(err error, props []property) bool {
	var e dbus.Error
	if !errors.As(err, &e) || e.Name != "org.freedesktop.DBus.Error.PropertyReadOnly" && e.Name != "org.freedesktop.DBus.Error.UnknownProperty" {
		return false
	}
	msg, _ := e.Body[0].(string)
	for _, p := range props {
		if (p.optional || p.instead != nil) && strings.Contains(msg, "property "+p.Name+",") {
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.unsupported[p.Name] {
				return false
			}
			r.unsupported[p.Name] = true
			r.log.Info("systemd refuses an optional property; going without it", "property", p.Name, "systemd", r.bus().version)
			return true
		}
	}
	return false
}

// clearDead makes room for a new unit named name if the old one has ended but is still
// loaded (failed, or pinned by our reference). It says whether it did.
func (r *Realizer) clearDead(ctx context.Context, name string) bool {
	var active string
	v, err := r.bus().conn.Object(systemdName, unitPath(name)).GetProperty(unitIface + ".ActiveState")
	if err != nil || v.Store(&active) != nil || active != "inactive" && active != "failed" {
		return false
	}
	r.bus().systemd.CallWithContext(ctx, managerIface+".ResetFailedUnit", 0, name)
	r.bus().conn.Object(systemdName, unitPath(name)).CallWithContext(ctx, unitIface+".Unref", 0)
	return true
}
