package units

import "sync"

// Watch is one subscriber's stream of events. Its queue is unbounded, so a slow reader
// delays neither the realizer nor other watchers; events are few (a handful per unit
// life), so memory is not a concern.
type Watch struct {
	// C delivers the events in order. It is closed after Close, or when the realizer
	// closes.
	C <-chan Event

	pattern string
	hub     *Hub
	mu      sync.Mutex
	queue   []Event
	wake    chan struct{} // cap 1: the queue has grown
	done    chan struct{} // closed by Close
	once    sync.Once
}

// Close ends the subscription; C is closed soon after. It is safe to call twice.
func (w *Watch) Close() {
	w.once.Do(func() {
		w.hub.remove(w)
		close(w.done)
	})
}

func (w *Watch) push(ev Event) {
	w.mu.Lock()
	w.queue = append(w.queue, ev)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// pump moves queued events to C until Close.
func (w *Watch) pump(out chan<- Event) {
	defer close(out)
	for {
		w.mu.Lock()
		q := w.queue
		w.queue = nil
		w.mu.Unlock()
		for _, ev := range q {
			select {
			case out <- ev:
			case <-w.done:
				return
			}
		}
		select {
		case <-w.wake:
		case <-w.done:
			return
		}
	}
}

// Hub fans events out to Watches by unit-name pattern. Realizers embed one; its zero
// value is ready to use.
type Hub struct {
	mu      sync.Mutex
	watches map[*Watch]struct{}
	closed  bool
}

// Watch subscribes to the units whose names match pattern (see Match).
func (h *Hub) Watch(pattern string) (*Watch, error) {
	out := make(chan Event)
	w := &Watch{C: out, pattern: pattern, hub: h, wake: make(chan struct{}, 1), done: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if h.watches == nil {
		h.watches = map[*Watch]struct{}{}
	}
	h.watches[w] = struct{}{}
	go w.pump(out)
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
