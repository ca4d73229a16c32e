package qmp

import (
	"context"
	"sync"

	goqmp "github.com/digitalocean/go-qemu/qmp"
)

// maxQueued bounds the events waiting for one slow subscriber; beyond it the oldest
// are dropped rather than stalling the reader, and every command with it.
const maxQueued = 4096

// subscriber is one event stream: a queue drained into a channel by its own goroutine,
// so publishing never blocks.
type subscriber struct {
	ch   chan goqmp.Event
	wake chan struct{}

	mu    sync.Mutex
	queue []goqmp.Event
	ended bool // the connection is gone: deliver what is queued, then close
}

// Events returns a stream of every event QEMU sends from now on (SHUTDOWN, STOP,
// RESUME, RESET, POWERDOWN, GUEST_PANICKED, ...). It may be called before Connect.
// When the connection ends, the events already received are still delivered, then the
// channel closes; it closes at once when ctx ends.
func (m *Monitor) Events(ctx context.Context) (<-chan goqmp.Event, error) {
	s := &subscriber{ch: make(chan goqmp.Event), wake: make(chan struct{}, 1)}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	m.subs[s] = struct{}{}
	m.mu.Unlock()
	go func() {
		s.run(ctx)
		m.mu.Lock()
		delete(m.subs, s)
		m.mu.Unlock()
	}()
	return s.ch, nil
}

func (m *Monitor) publish(ev goqmp.Event) {
	m.mu.Lock()
	for s := range m.subs {
		s.push(ev)
	}
	m.mu.Unlock()
}

func (s *subscriber) push(ev goqmp.Event) {
	s.mu.Lock()
	if len(s.queue) >= maxQueued {
		s.queue = s.queue[1:]
	}
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	s.poke()
}

// end marks the connection gone.
func (s *subscriber) end() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
	s.poke()
}

func (s *subscriber) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) run(ctx context.Context) {
	defer close(s.ch)
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			ended := s.ended
			s.mu.Unlock()
			if ended {
				return
			}
			select {
			case <-s.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		ev := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		select {
		case s.ch <- ev:
		case <-ctx.Done():
			return
		}
	}
}
