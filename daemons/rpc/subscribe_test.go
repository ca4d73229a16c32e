package rpc

import (
	"testing"
	"time"
)

// TestSubscribeOrderAndReentry: a subscriber sees every event in order, may publish
// from inside its callback (as a front end calling a driver that publishes would)
// without deadlocking the hub, and sees nothing once cancelled.
func TestSubscribeOrderAndReentry(t *testing.T) {
	h := NewHub()
	got := make(chan int32, 100)
	cancel := h.Subscribe(func(e Event) {
		got <- e.ID
		if e.ID == 1 {
			h.Publish(Event{Family: 1, ID: 100})
		}
	})
	for i := int32(0); i < 5; i++ {
		h.Publish(Event{Family: 1, ID: i})
	}
	// 0 to 4 in order; 100, published while 1 was handled, after 1.
	var seq []int32
	for len(seq) < 6 {
		select {
		case id := <-got:
			seq = append(seq, id)
		case <-time.After(5 * time.Second):
			t.Fatalf("events delivered: %v, want six", seq)
		}
	}
	next, sawOne := int32(0), false
	for _, id := range seq {
		switch {
		case id == 100 && sawOne:
		case id == next:
			sawOne = sawOne || id == 1
			next++
		default:
			t.Fatalf("events delivered in the order %v", seq)
		}
	}
	cancel()
	h.Publish(Event{Family: 1, ID: 7})
	select {
	case id := <-got:
		t.Fatalf("event %d delivered after cancel", id)
	case <-time.After(100 * time.Millisecond):
	}
	cancel() // a second cancel is harmless
}
