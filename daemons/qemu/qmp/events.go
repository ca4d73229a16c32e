package qmp

import (
	"context"

	goqmp "github.com/digitalocean/go-qemu/qmp"

	"github.com/virtunit/virtunit/internal/mailbox"
)

// maxQueued bounds the events waiting for one slow subscriber; beyond it the oldest
// are dropped rather than stalling the reader, and every command with it.
const maxQueued = 4096

// eventBuffer is how many events a subscriber's channel holds before they queue.
const eventBuffer = 16

// subscriber is one event stream. Publishing never blocks: see mailbox.
type subscriber struct {
	box     *mailbox.Box[goqmp.Event]
	unwatch func() bool // stops watching the subscriber's context
}

// Events returns a stream of every event QEMU sends from now on (SHUTDOWN, STOP,
// RESUME, RESET, POWERDOWN, GUEST_PANICKED, ...). It may be called before Connect.
// When the connection ends, the events already received are still delivered, then the
// channel closes; it closes at once when ctx ends.
func (m *Monitor) Events(ctx context.Context) (<-chan goqmp.Event, error) {
	s := &subscriber{box: mailbox.New[goqmp.Event](eventBuffer, maxQueued)}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	m.subs[s] = struct{}{}
	s.unwatch = context.AfterFunc(ctx, func() {
		m.mu.Lock()
		delete(m.subs, s)
		m.mu.Unlock()
		s.box.Abort()
	})
	m.mu.Unlock()
	return s.box.C(), nil
}

func (m *Monitor) publish(ev goqmp.Event) {
	m.mu.Lock()
	for s := range m.subs {
		s.box.Put(ev)
	}
	m.mu.Unlock()
}

// end marks the connection gone: what is queued is still delivered.
func (s *subscriber) end() {
	s.unwatch()
	s.box.Close()
}
