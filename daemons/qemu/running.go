package qemu

import (
	"context"
	"sync"

	goqmp "github.com/digitalocean/go-qemu/qmp"
	"github.com/virtunit/virtunit/daemons/qemu/qmp"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/units"
)

// running is what the driver holds of a guest whose QEMU runs. A new one is made for
// every start or adoption; the watcher of an older one recognises it is stale by
// comparing with dom.run.
type running struct {
	unit    string // the unit the QEMU process runs as
	pid     int    // QEMU's pid
	monitor string // path of the QMP socket
	pty     string // the serial console's pty, if any
	dir     string // the guest's private directory

	mon    *qmp.Monitor
	watch  *units.Watch
	cancel context.CancelFunc // ends the watcher
	exited chan struct{}      // closed once QEMU is seen gone
	exit   sync.Once
	agent  sync.Mutex // one guest agent command at a time

	mu          sync.Mutex
	stopping    bool // the driver is stopping the guest: its events are expected
	gotShutdown bool // QEMU reported SHUTDOWN
	fakeReboot  bool // a reboot is a power-down followed by reset and cont
	console     *rpc.DataStream
	vcpus       []vcpuThread    // the vCPU threads, once asked (stats)
	unplugging  map[string]bool // devices a detach asked QEMU to remove, by alias
	taints      []string        // libvirt's taint flags, in the order they came (taint.go)
	lastNode    int             // the highest block node number handed out (freeNode)
}

func (r *running) set(f func(r *running)) {
	r.mu.Lock()
	f(r)
	r.mu.Unlock()
}

func (r *running) get(f func(r *running) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return f(r)
}

// markExited records that QEMU is gone.
func (r *running) markExited() { r.exit.Do(func() { close(r.exited) }) }

// connectMonitor opens the QMP monitor of a started or adopted guest. Its event
// stream lives as long as the driver (or until r.cancel), not as long as the request
// that connected it: the returned context is the one its watcher must run in.
func (d *Driver) connectMonitor(ctx context.Context, r *running) (context.Context, <-chan goqmp.Event, error) {
	wctx, wcancel := context.WithCancel(d.ctx)
	r.cancel = wcancel
	r.mon = qmp.New(r.monitor)
	evs, err := r.mon.Events(wctx)
	if err != nil {
		return nil, nil, err
	}
	if err := r.mon.ConnectContext(ctx); err != nil {
		return nil, nil, err
	}
	return wctx, evs, nil
}
