package qemu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"
)

// loadRunning brings back the guests a previous daemon left running, with the id and
// state their status files record. For each, the driver adopts the unit and
// reconnects the monitor, holding the guest's job meanwhile so calls on it wait; a
// guest whose QEMU died while no daemon watched is then shut off. As with libvirt's
// qemuProcessReconnect threads, a guest whose QEMU process is still there is listed
// as its status file says while that goes on. It returns the reconnects of the guests
// whose process is gone, which start-up waits for (up to reconnectWait) so that no
// client sees those running: they are queued first.
func (d *Driver) loadRunning() *sync.WaitGroup {
	gone := &sync.WaitGroup{}
	known := map[string]bool{}
	defer func() {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			// Looking at every guest unit is background work: it waits until the
			// reconnects, which clients wait for, are done.
			d.reconnecting.Wait()
			d.reportOrphans(d.ctx, known)
		}()
	}()
	var dead, alive []adoption
	for _, st := range d.readStatuses() {
		known[st.Unit.Name] = true
		live := st.Domain
		dom := d.doms.byUUIDOf(mustUUID(live.UUID))
		if dom == nil {
			dom = newDomain(mustUUID(live.UUID), live.Name)
			if err := d.doms.add(dom); err != nil {
				d.log.Error("skipping status file of a guest that clashes with another", "domain", live.Name, "err", err)
				continue
			}
		}
		state, _ := stateByName(st.State)
		id := 0
		if live.ID != nil {
			id = *live.ID
		}
		r := &running{unit: st.Unit.Name, pid: st.PID, monitor: st.Monitor.Path, dir: d.dirs.domainDir(id, dom.name), exited: make(chan struct{})}
		if st.Console != nil {
			r.pty = st.Console.Path
		}
		for _, t := range st.Taints {
			if _, known := taintMessages[t.Flag]; known {
				r.taints = append(r.taints, t.Flag)
			}
		}
		dom.job.Lock()
		dom.mu.Lock()
		dom.live, dom.id, dom.run = live, id, r
		dom.state, dom.reason = state, st.Reason
		dom.mu.Unlock()
		d.doms.seenID(id)
		d.env.Inhibit(true)
		d.reconnecting.Add(1)
		if processAlive(r.pid) {
			alive = append(alive, adoption{dom: dom, r: r})
		} else {
			gone.Add(1)
			dead = append(dead, adoption{dom: dom, r: r, dead: true})
		}
	}
	d.adopt(append(dead, alive...), gone)
	return gone
}

// adoption is a guest found running at start, its job held until it is reconnected.
type adoption struct {
	dom  *domain
	r    *running
	dead bool // its process was gone: start-up waits for it
}

// adopt reconnects the guests in order, reconnectSlots at a time, and marks each dead
// one done in gone. A few workers rather than a goroutine per guest: a hundred
// goroutines waiting for a slot would each take a stack of fresh memory, and on some
// of the virtual machines the project runs on a fresh page costs tens of microseconds
// before the first client is answered.
func (d *Driver) adopt(list []adoption, gone *sync.WaitGroup) {
	queue := make(chan adoption, len(list))
	for _, a := range list {
		queue <- a
	}
	close(queue)
	for range min(reconnectSlots, len(list)) {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for a := range queue {
				d.reconnect(a.dom, a.r)
				a.dom.job.Unlock()
				d.reconnecting.Done()
				if a.dead {
					gone.Done()
				}
			}
		}()
	}
}

// reconnectSlots bounds the guests reconnected at once. The daemon runs on one
// thread (GOMAXPROCS=1), whose run queue every runnable goroutine shares: with a
// hundred reconnects in it, each step of a client's call waits behind all of them.
// A few at a time keep the monitor handshakes overlapping and the clients answered.
const reconnectSlots = 4

// processAlive tells whether a process of that pid exists and has not exited (a
// zombie not reaped yet has). It may be another process that reused the pid:
// reconnecting finds that out (the unit's identity, the monitor) and shuts the guest
// off then.
func processAlive(pid int) bool {
	stat, err := readSmall(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold anything, so the state follows the last ')'.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	switch stat[i+2] {
	case 'Z', 'X', 'x':
		return false
	}
	return true
}

// reconnect adopts a running guest's unit and monitor, as libvirt's qemuProcessReconnect:
// if the monitor cannot be had back the guest is killed, so it never runs twice.
func (d *Driver) reconnect(dom *domain, r *running) {
	ctx, cancel := context.WithTimeout(d.ctx, monitorTimeout)
	defer cancel()
	if d.units == nil {
		d.log.Error("no unit realizer to adopt running guests with", "domain", dom.name)
		return
	}
	w, err := d.units.Watch(r.unit)
	if err != nil {
		d.log.Error("cannot watch guest unit", "domain", dom.name, "unit", r.unit, "err", err)
		return
	}
	r.watch = w
	st, err := d.units.Adopt(ctx, r.unit)
	if err != nil || !st.State.Up() {
		d.log.Info("guest ended while no daemon watched it", "domain", dom.name, "unit", r.unit, "status", st, "err", err)
		d.finishStop(dom, r, libvirt.DomainShutoffCrashed, libvirt.DomainEventStoppedFailed, !isNotFound(err))
		return
	}
	pidChanged := st.MainPID != 0 && st.MainPID != r.pid
	if pidChanged {
		d.log.Warn("guest unit has another main pid than recorded", "domain", dom.name, "recorded", r.pid, "now", st.MainPID)
		r.pid = st.MainPID
	}
	err = d.reattach(ctx, dom, r, pidChanged)
	if err == nil {
		// As libvirt, a reconnect hook that fails has the guest killed.
		dom.mu.Lock()
		live := dom.live
		dom.mu.Unlock()
		if live != nil {
			err = d.callHook(ctx, hookReconnect, live)
		}
	}
	if err != nil {
		// As libvirt: a QEMU whose monitor cannot be reached again (run with
		// -no-shutdown) crashed; one that answered but could not be brought up to
		// date is the daemon's failure. Either way it is killed, so it never runs
		// twice.
		reason := libvirt.DomainShutoffDaemon
		if errors.Is(err, errNoMonitor) {
			reason = libvirt.DomainShutoffCrashed
		}
		d.log.Error("cannot reconnect to the guest; killing it so it never runs twice", "domain", dom.name, "err", err)
		r.set(func(r *running) { r.stopping = true })
		if _, err := d.units.Stop(ctx, r.unit); err != nil && !isNotFound(err) {
			d.log.Error("cannot stop guest", "domain", dom.name, "err", err)
		}
		d.finishStop(dom, r, reason, libvirt.DomainEventStoppedFailed, false)
		return
	}
	d.log.Info("guest reconnected", "domain", dom.name, "id", dom.ref().ID, "pid", r.pid)
}

// reattach connects the monitor of an adopted guest and brings its state up to date
// with what QEMU says: a guest that powered off meanwhile gets its on_poweroff now.
func (d *Driver) reattach(ctx context.Context, dom *domain, r *running, pidChanged bool) error {
	wctx, evs, err := d.connectMonitor(ctx, r)
	if err != nil {
		return fmt.Errorf("%w: %v", errNoMonitor, err)
	}
	var qs struct {
		Status string `json:"status"`
	}
	if err := r.mon.Execute(ctx, "query-status", nil, &qs); err != nil {
		return err
	}
	// The status file is written again only when it no longer says what is so.
	changed := pidChanged
	switch qs.Status {
	case "running":
		if st, _ := dom.getState(); st != libvirt.DomainRunning {
			dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningUnpaused))
			changed = true
		}
	case "paused":
		if st, _ := dom.getState(); st != libvirt.DomainPaused {
			dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedUnknown))
			changed = true
		}
	case "prelaunch":
		// Never let run: started with --paused. (A start the daemon did not finish
		// left no status file, so it is not adopted at all.)
		if st, _ := dom.getState(); st != libvirt.DomainPaused {
			dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedUser))
			changed = true
		}
	case "shutdown":
		r.set(func(r *running) { r.gotShutdown = true })
	}
	if changed {
		d.saveStatusLogged(dom)
	}
	d.wg.Add(1)
	go d.watchGuest(wctx, dom, r, evs)
	if qs.Status == "shutdown" {
		// The guest powered off while no daemon watched; the job is held by our
		// caller, so apply on_poweroff from a goroutine that waits for it.
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.afterShutdown(wctx, dom, r, false)
		}()
	}
	return nil
}

// errNoMonitor: the guest's monitor could not be reached again.
var errNoMonitor = errors.New("monitor unreachable")

func mustUUID(s string) libvirt.UUID {
	u, _ := parseUUID(s) // checked when the status file was read
	return u
}
