// Package mailbox is a channel whose sender never blocks and that needs no goroutine
// of its own while its reader keeps up.
//
// The drivers hand events (a unit's state, a QEMU monitor's events) from the goroutine
// that reads them to the one that acts on them. The reader must never wait for the
// consumer, so each subscription used to be a queue drained into a channel by a
// goroutine of its own: two goroutines for every running guest, 1.6 MB of stacks with
// 100 guests, and a goroutine switch per event. A Box puts values straight into a
// small buffered channel, and only when that is full does it queue them and start a
// goroutine that feeds them in, in order, and ends when the queue is empty.
package mailbox

import "sync"

// Box delivers what is Put on C, in order.
type Box[T any] struct {
	ch  chan T
	max int // most values queued beyond the channel's buffer; 0: no limit

	mu       sync.Mutex
	queue    []T
	feeding  bool          // a goroutine is moving the queue into ch
	closing  bool          // Close: no more Puts; ch closes once the queue is in
	aborted  bool          // Abort: the queue is dropped and ch closes
	closedCh bool          // ch is closed
	stop     chan struct{} // closed by Abort, for a feeder blocked on ch
}

// New returns a box whose channel buffers buffer values. Beyond them at most max
// values wait (0: any number); past that the oldest waiting one is dropped.
func New[T any](buffer, max int) *Box[T] {
	return &Box[T]{ch: make(chan T, buffer), max: max, stop: make(chan struct{})}
}

// C is the channel the values arrive on. It is closed after Close, once every value
// put before it has been received, or soon after Abort.
func (b *Box[T]) C() <-chan T { return b.ch }

// Put queues v. It never blocks; after Close or Abort it does nothing.
func (b *Box[T]) Put(v T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing || b.aborted {
		return
	}
	if !b.feeding {
		select {
		case b.ch <- v:
			return
		default:
		}
		b.feeding = true
		go b.feed()
	}
	if b.max > 0 && len(b.queue) >= b.max {
		b.queue = b.queue[1:]
	}
	b.queue = append(b.queue, v)
}

// Close ends the box: what was put is still delivered, then C closes.
func (b *Box[T]) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closing = true
	if !b.feeding {
		b.closeChLocked()
	}
}

// Abort ends the box at once: what is queued is dropped and C closes (values already
// in its buffer may still be received first). It is safe to call more than once.
func (b *Box[T]) Abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.aborted {
		return
	}
	b.aborted = true
	b.queue = nil
	close(b.stop)
	if !b.feeding {
		b.closeChLocked()
	}
}

func (b *Box[T]) closeChLocked() {
	if !b.closedCh {
		b.closedCh = true
		close(b.ch)
	}
}

// feed moves the queue into ch, oldest first, until it is empty.
func (b *Box[T]) feed() {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 || b.aborted {
			b.queue = nil
			b.feeding = false
			if b.closing || b.aborted {
				b.closeChLocked()
			}
			b.mu.Unlock()
			return
		}
		v := b.queue[0]
		var zero T
		b.queue[0] = zero
		b.queue = b.queue[1:]
		b.mu.Unlock()
		select {
		case b.ch <- v:
		case <-b.stop:
		}
	}
}
