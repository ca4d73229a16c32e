package units

import (
	"sync"

	"github.com/virtunit/virtunit/internal/mailbox"
)

// Watch is one subscriber's stream of events. A slow reader delays neither the
// realizer nor other watchers: what it has not taken waits in a queue without bound;
// events are few (a handful per unit life), so memory is not a concern.
type Watch struct {
	// C delivers the events in order. It is closed after Close, or when the realizer
	// closes.
	C <-chan Event

	pattern string
	hub     *Hub
	box     *mailbox.Box[Event]
}

// watchBuffer is how many events a watch holds before it queues them: enough for a
// unit's start or stop, so the queue's goroutine is rare.
const watchBuffer = 8

// Close ends the subscription; C is closed soon after. It is safe to call twice.
func (w *Watch) Close() {
	w.hub.remove(w)
	w.box.Abort()
}

func (w *Watch) push(ev Event) { w.box.Put(ev) }

// Hub fans events out to Watches by unit-name pattern. Realizers embed one; its zero
// value is ready to use.
type Hub struct {
	mu      sync.Mutex
	watches map[*Watch]struct{}
	closed  bool
}

// Watch subscribes to the units whose names match pattern (see Match).
func (h *Hub) Watch(pattern string) (*Watch, error) {
	box := mailbox.New[Event](watchBuffer, 0)
	w := &Watch{C: box.C(), pattern: pattern, hub: h, box: box}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if h.watches == nil {
		h.watches = map[*Watch]struct{}{}
	}
	h.watches[w] = struct{}{}
	return w, nil
}

// Publish queues ev for every watch whose pattern matches the unit. It never blocks.
func (h *Hub) Publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watches {
		if Match(w.pattern, ev.Status.Name) {
			w.push(ev)
		}
	}
}

// Close ends every watch; later calls to Watch fail with ErrClosed.
func (h *Hub) Close() {
	h.mu.Lock()
	ws := h.watches
	h.watches = nil
	h.closed = true
	h.mu.Unlock()
	for w := range ws {
		w.Close()
	}
}

func (h *Hub) remove(w *Watch) {
	h.mu.Lock()
	delete(h.watches, w)
	h.mu.Unlock()
}
