package units

import (
	"fmt"
	"testing"
	"time"
)

func next(t *testing.T, w *Watch) Event {
	t.Helper()
	select {
	case ev, ok := <-w.C:
		if !ok {
			t.Fatal("watch closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	panic("unreachable")
}

// TestHubFansOutPerUnit checks that each watcher sees exactly its units' events, in
// order, and that a watcher nobody reads blocks no one.
func TestHubFansOutPerUnit(t *testing.T) {
	var h Hub
	qemu, _ := h.Watch("machine-*")
	net1, _ := h.Watch("virtnetwork-*")
	net2, _ := h.Watch("virtnetwork-default.service")
	idle, _ := h.Watch("*") // never read
	defer idle.Close()

	for i := range 100 {
		h.Publish(Event{Kind: StateChanged, Status: Status{Name: "virtnetwork-default.service", MainPID: i}})
	}
	h.Publish(Event{Kind: ProcessExited, Status: Status{Name: `machine-qemu\x2d1\x2dvm1.scope`}})

	for i := range 100 {
		for _, w := range []*Watch{net1, net2} {
			if ev := next(t, w); ev.Status.MainPID != i {
				t.Fatalf("event %d out of order: %v", i, ev)
			}
		}
	}
	if ev := next(t, qemu); ev.Kind != ProcessExited {
		t.Fatalf("qemu watcher got %v", ev)
	}
	select {
	case ev := <-qemu.C:
		t.Fatalf("qemu watcher got a network event: %v", ev)
	default:
	}

	net1.Close()
	if _, ok := <-net1.C; ok {
		t.Fatal("C still open after Close")
	}
	h.Close()
	if _, ok := <-net2.C; ok {
		t.Fatal("C still open after Hub.Close")
	}
	if _, err := h.Watch("*"); err != ErrClosed {
		t.Fatalf("Watch after Close = %v, want ErrClosed", err)
	}
}

func ExampleMachineScope() {
	fmt.Println(MachineScope("qemu-1-vm1"))
	// Output: machine-qemu\x2d1\x2dvm1.scope
}
