package rpc

import (
	"context"
	"strings"
	"testing"
	"time"
)

func echo(_ context.Context, n uint32) (uint32, error) { return n + 1, nil }

func TestPartialProgramWaitsForItsProcedures(t *testing.T) {
	prog, err := NewPartialProgram(0x1234, 1, []Procedure{Handle(testProc(1), echo)})
	if err != nil {
		t.Fatal(err)
	}
	if prog.Lookup(1) == nil {
		t.Fatal("procedure of the first table unknown")
	}
	found := make(chan *Procedure)
	go func() { found <- prog.Lookup(2) }()
	select {
	case p := <-found:
		t.Fatalf("Lookup of a procedure still to come returned %v before Complete", p)
	case <-time.After(50 * time.Millisecond):
	}
	if prog.known(2) != nil {
		t.Fatal("known reports a procedure not added yet")
	}
	if err := prog.Add([]Procedure{Handle(testProc(2), echo)}); err != nil {
		t.Fatal(err)
	}
	prog.Complete()
	if p := <-found; p == nil || p.Num != 2 {
		t.Fatalf("waiting Lookup returned %v, want procedure 2", p)
	}
	if prog.Lookup(3) != nil {
		t.Error("complete program reports an unknown procedure")
	}
	var got uint32
	if err := prog.Invoke(context.Background(), 2, uint32(41), &got); err != nil || got != 42 {
		t.Errorf("Invoke: %d, %v", got, err)
	}
	// Values of other types than the handler's go through the wire encoding.
	var wire struct{ V uint32 }
	if err := prog.Invoke(context.Background(), 2, struct{ V uint32 }{41}, &wire); err != nil || wire.V != 42 {
		t.Errorf("Invoke through XDR: %d, %v", wire.V, err)
	}
	if err := prog.Add([]Procedure{Handle(testProc(4), echo)}); err == nil {
		t.Error("Add after Complete succeeded")
	}
	prog.Complete() // a second Complete is harmless
}

func TestProgramRefusesDuplicateNumbers(t *testing.T) {
	_, err := NewProgram(0x1234, 1, []Procedure{Handle(testProc(1), echo)}, []Procedure{Handle(testProc(1), echo)})
	if err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Fatalf("got %v, want a duplicate-number error", err)
	}
}
