package transient

import (
	"context"
	"time"

	"github.com/godbus/dbus/v5"
)

// The realizer outlives its connection to the manager:
//
//   - When the manager re-executes (systemctl daemon-reexec) or restarts, its bus name
//     changes hands. Our connection and matches stay; the manager keeps our
//     subscription and references across a re-exec (it serializes them), but signals
//     it would have sent meanwhile are lost. So on NameOwnerChanged the realizer
//     subscribes again and reads every unit it watches (resync).
//   - When the connection itself is lost (the bus restarted, or it dropped us), the
//     realizer dials again, with a growing delay, and then restores what the old
//     connection held: the unit matches, the references, the subscription, and reads
//     every unit it watches. Calls made meanwhile fail; waits for jobs survive.

// reconnectDelays are the pauses between attempts to dial a lost bus again; the last
// repeats.
var reconnectDelays = []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second}

// watchBus replaces the connection whenever it is lost, until the realizer closes.
func (r *Realizer) watchBus() {
	defer close(r.done)
	for {
		b := r.bus()
		select {
		case <-r.ctx.Done():
			return
		case <-b.conn.Context().Done():
		}
		b.cancel()
		r.log.Warn("lost the connection to the systemd manager's bus; connecting again")
		for i := 0; ; i++ {
			select {
			case <-r.ctx.Done():
				return
			case <-time.After(reconnectDelays[min(i, len(reconnectDelays)-1)]):
			}
			ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
			nb, err := r.connect(ctx)
			if err == nil {
				r.cur.Store(nb)
				r.log.Info("connected to the systemd manager again", "bus", nb.conn.Names()[0], "attempts", i+1)
				r.resync(ctx, true)
				cancel()
				break
			}
			cancel()
			if i == 0 || i%30 == 0 {
				r.log.Warn("cannot reach the systemd manager yet", "err", err)
			}
		}
	}
}

// resync brings the watched units up to date after signals may have been lost. With
// fresh, the connection is new: the units' matches and our references on them are set
// up again, and the property values, whose sequence numbers belonged to the old
// connection, give way to whatever the new one brings.
func (r *Realizer) resync(ctx context.Context, fresh bool) {
	b := r.bus()
	if !fresh {
		if err := b.subscribe(ctx); err != nil {
			r.log.Warn("cannot subscribe to the systemd manager again", "err", err)
		}
	}
	r.mu.Lock()
	ts := make([]*tracked, 0, len(r.units))
	for _, u := range r.units {
		if fresh {
			for k, v := range u.props {
				u.props[k] = value{v.v, 0}
			}
		}
		ts = append(ts, u)
	}
	close(r.resynced)
	r.resynced = make(chan struct{})
	r.mu.Unlock()
	for _, u := range ts {
		if fresh {
			b.conn.BusObject().Go("org.freedesktop.DBus.AddMatch", dbus.FlagNoReplyExpected, nil, matchRule(u.path))
			r.mu.Lock()
			referred := u.referred
			r.mu.Unlock()
			if referred {
				b.conn.Object(systemdName, u.path).CallWithContext(ctx, unitIface+".Ref", 0)
			}
		}
		if err := r.readAll(ctx, u); err != nil {
			r.log.Warn("cannot read a unit again after losing its signals", "unit", u.name, "err", err)
		}
	}
}

// jobGone says whether a job has finished: the manager no longer has it. After a
// resync this stands in for a JobRemoved that may have been lost.
func (r *Realizer) jobGone(ctx context.Context, job dbus.ObjectPath) bool {
	var state string
	err := r.bus().conn.Object(systemdName, job).CallWithContext(ctx, propertiesIface+".Get", 0,
		"org.freedesktop.systemd1.Job", "State").Store(&state)
	return dbusErr(err, "org.freedesktop.DBus.Error.UnknownObject") || dbusErr(err, "org.freedesktop.systemd1.NoSuchJob")
}
