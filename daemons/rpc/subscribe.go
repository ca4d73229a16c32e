package rpc

import "sync"

// Subscribe calls fn with every event published from now on, in the order published,
// from a goroutine of its own: fn may call back into the drivers (which publish while
// holding their own locks), and a slow fn delays only itself, never a publisher. Events
// queue without bound while fn runs. The returned function ends the subscription; fn is
// not called after it returns.
func (h *Hub) Subscribe(fn func(Event)) (cancel func()) {
	s := &subscriber{wake: make(chan struct{}, 1), done: make(chan struct{}), exited: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	go s.run(fn)
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, s)
			h.mu.Unlock()
			close(s.done)
			<-s.exited
		})
	}
}

// subscriber is one in-process subscription: a queue drained by its own goroutine.
type subscriber struct {
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{}
	done   chan struct{}
	exited chan struct{}
}

// push queues e; it never blocks.
func (s *subscriber) push(e Event) {
	s.mu.Lock()
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) run(fn func(Event)) {
	defer close(s.exited)
	for {
		select {
		case <-s.done:
			return
		case <-s.wake:
		}
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, e := range batch {
			select {
			case <-s.done:
				return
			default:
			}
			fn(e)
		}
	}
}
