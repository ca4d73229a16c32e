package daemon

import (
	"sync"
	"time"
)

// idleTimer implements --timeout: it fires once the daemon has had no clients and no
// inhibitions (running guests, active networks) for the timeout. Any client or
// inhibition stops the countdown; it restarts from zero when the last one goes.
type idleTimer struct {
	mu       sync.Mutex
	timeout  time.Duration // 0: never
	clients  func() int
	inhibits int
	timer    *time.Timer
	fire     chan struct{}
}

func newIdleTimer(timeout time.Duration, clients func() int) *idleTimer {
	return &idleTimer{timeout: timeout, clients: clients, fire: make(chan struct{}, 1)}
}

// update re-evaluates after clients or inhibitions changed.
func (t *idleTimer) update() {
	t.mu.Lock()
	defer t.mu.Unlock()
	idle := t.timeout > 0 && t.inhibits == 0 && t.clients() == 0
	switch {
	case idle && t.timer == nil:
		t.timer = time.AfterFunc(t.timeout, t.expire)
	case !idle && t.timer != nil:
		t.timer.Stop()
		t.timer = nil
	}
}

func (t *idleTimer) expire() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer == nil || t.inhibits > 0 || t.clients() > 0 {
		return
	}
	select {
	case t.fire <- struct{}{}:
	default:
	}
}

// setTimeout changes the timeout; the countdown restarts.
func (t *idleTimer) setTimeout(d time.Duration) {
	t.mu.Lock()
	t.timeout = d
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	t.mu.Unlock()
	t.update()
}

// inhibit counts an object that must keep the daemon alive (true) or its end (false).
func (t *idleTimer) inhibit(on bool) {
	t.mu.Lock()
	if on {
		t.inhibits++
	} else if t.inhibits > 0 {
		t.inhibits--
	}
	t.mu.Unlock()
	t.update()
}
