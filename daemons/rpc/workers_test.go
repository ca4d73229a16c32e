package rpc

import (
	"sync"
	"testing"
	"time"
)

func TestPoolGrowsToMaxAndKeepsPriorityWorkers(t *testing.T) {
	p := newPool(1, 3, 1)
	defer p.stop()
	block := make(chan struct{})
	var started sync.WaitGroup
	started.Add(3)
	for range 3 {
		p.submit(job{run: func() { started.Done(); <-block }})
	}
	started.Wait()
	if pp := p.params(); pp.Workers != 3 || pp.FreeWorkers != 0 {
		t.Errorf("after 3 blocking jobs: %+v", pp)
	}
	// Every ordinary worker is busy: an ordinary job queues, a priority job runs.
	ran := make(chan string, 2)
	p.submit(job{run: func() { ran <- "normal" }})
	p.submit(job{run: func() { ran <- "priority" }, priority: true})
	select {
	case got := <-ran:
		if got != "priority" {
			t.Fatalf("%s job ran while all ordinary workers were busy", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("priority job did not run while ordinary workers were busy")
	}
	if pp := p.params(); pp.JobQueueDepth != 1 {
		t.Errorf("queue depth %d, want 1", pp.JobQueueDepth)
	}
	close(block)
	if got := <-ran; got != "normal" {
		t.Errorf("got %s", got)
	}
}

func TestPoolShrinksOnNewLimits(t *testing.T) {
	p := newPool(5, 20, 0)
	defer p.stop()
	p.setLimits(1, 2, 0)
	deadline := time.Now().Add(5 * time.Second)
	for p.params().Workers > 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if pp := p.params(); pp.Workers > 2 || pp.MaxWorkers != 2 || pp.MinWorkers != 1 {
		t.Errorf("after shrinking: %+v", pp)
	}
}
