package mailbox

import (
	"testing"
	"time"
)

// TestOrderWithoutReader: Put never blocks, and everything arrives in order once
// the reader comes, the channel's buffer first and then the queue.
func TestOrderWithoutReader(t *testing.T) {
	b := New[int](4, 0)
	for i := range 1000 {
		b.Put(i)
	}
	b.Close()
	b.Put(-1) // after Close: dropped
	n := 0
	for v := range b.C() {
		if v != n {
			t.Fatalf("got %d, want %d", v, n)
		}
		n++
	}
	if n != 1000 {
		t.Fatalf("got %d values, want 1000", n)
	}
}

// TestNoGoroutineWhileReaderKeepsUp: a reader that keeps up leaves no goroutine
// behind, and one that falls behind only for as long as it is behind. The box's own
// flag says whether its feeder runs: the process's goroutine count also moves with
// other tests' feeders ending, which made a count comparison flaky.
func TestNoGoroutineWhileReaderKeepsUp(t *testing.T) {
	b := New[int](2, 0)
	for i := range 100 {
		b.Put(i)
		if v := <-b.C(); v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
		if b.isFeeding() {
			t.Fatalf("a feeder runs after value %d, though the reader kept up", i)
		}
	}
	for i := range 10 {
		b.Put(i)
	}
	if !b.isFeeding() {
		t.Fatal("no feeder with 8 values beyond the buffer")
	}
	for i := range 10 {
		if v := <-b.C(); v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.isFeeding() {
		if time.Now().After(deadline) {
			t.Fatal("the feeder did not end once its queue was empty")
		}
		time.Sleep(time.Millisecond)
	}
}

func (b *Box[T]) isFeeding() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.feeding
}

// TestMaxDropsOldest: beyond max waiting values the oldest go; the newest arrive,
// in order.
func TestMaxDropsOldest(t *testing.T) {
	b := New[int](1, 3)
	for i := range 10 {
		b.Put(i)
	}
	b.Close()
	var got []int
	for v := range b.C() {
		got = append(got, v)
	}
	// 0 sits in the buffer (or with the feeder); of the rest the last three wait.
	if len(got) < 4 || got[0] != 0 || got[len(got)-1] != 9 {
		t.Fatalf("got %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("out of order: %v", got)
		}
	}
	if len(got) > 5 {
		t.Fatalf("kept %d values, at most 5 expected (buffer, feeder's hand, 3 queued): %v", len(got), got)
	}
}

// TestAbort closes C at once, also under a blocked feeder, and Put after it does
// nothing.
func TestAbort(t *testing.T) {
	b := New[int](1, 0)
	for i := range 5 {
		b.Put(i)
	}
	b.Abort()
	b.Abort()
	b.Put(7)
	n := 0
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-b.C():
			if !ok {
				if n > 2 {
					t.Fatalf("%d values after Abort", n)
				}
				return
			}
			n++
		case <-timeout:
			t.Fatal("C not closed after Abort")
		}
	}
}
