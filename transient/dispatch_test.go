package transient

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// TestJobResultsAreNeverDropped: however many jobs of a unit end while a Start or
// Stop waits for its own, the waiter gets its result.
func TestJobResultsAreNeverDropped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &Realizer{ctx: ctx, jobs: map[string][]*jobWaiter{}, resynced: make(chan struct{})}
	w := r.waitJobs("vm.scope")
	defer r.unwaitJobs(w)
	removed := func(job dbus.ObjectPath, result string) {
		r.DeliverSignal(managerIface, "JobRemoved", &dbus.Signal{Body: []any{uint32(1), job, "vm.scope", result}})
	}
	for i := range 100 {
		removed(dbus.ObjectPath(fmt.Sprintf("/org/freedesktop/systemd1/job/%d", i)), "done")
	}
	removed("/org/freedesktop/systemd1/job/mine", "failed")
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	if got, err := r.wait(wctx, w, "/org/freedesktop/systemd1/job/mine"); err != nil || got != "failed" {
		t.Fatalf("wait = %q, %v; want the job's own result", got, err)
	}
}
