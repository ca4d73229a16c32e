package forward

import (
	"context"
	"log/slog"
	"sync"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Client is a daemon's own connection to the daemon of one family, for an in-process
// front end that calls the driver API (the D-Bus API of virtqemud reaching
// virtnetworkd): typed calls — Networks, Interfaces, NodeDevices and StoragePools
// wrap it — and the other daemon's life-cycle events, delivered to subscribers as the
// local hub delivers the local drivers' events.
//
// It connects on the first call, and again on the next call once the connection is
// lost; while it has subscribers, a lost connection is also redialled in the
// background, so that events keep coming after the other daemon restarts.
type Client struct {
	fam        *Family
	sockDir    string
	privileged bool
	log        *slog.Logger
	events     *rpc.Hub

	mu     sync.Mutex
	peer   *rpc.Peer
	subs   int
	closed bool
	done   chan struct{}
}

// Client returns a connection of the daemon's own to fam's daemon.
func (f *Forwarder) Client(fam Family) *Client {
	return &Client{fam: &fam, sockDir: f.sockDir, privileged: f.privileged, log: f.log,
		events: rpc.NewHub(), done: make(chan struct{})}
}

// Serves says whether the forwarder passes fam's calls on.
func (f *Forwarder) Serves(fam Family) bool {
	for _, g := range f.families {
		if g.Scheme == fam.Scheme {
			return true
		}
	}
	return false
}

// call makes one call of the REMOTE program on fam's daemon.
func call[R any](ctx context.Context, c *Client, p remote.Proc, args any) (R, error) {
	var ret R
	peer, err := c.connect(ctx)
	if err != nil {
		return ret, err
	}
	err = peer.Call(ctx, remote.Program, int32(p), args, &ret)
	return ret, err
}

// connect returns the live connection, dialling one if there is none.
func (c *Client) connect(ctx context.Context) (*rpc.Peer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.peer != nil {
		select {
		case <-c.peer.Done():
		default:
			return c.peer, nil
		}
	}
	path := "/session"
	if c.privileged {
		path = "/system"
	}
	peer, err := remote.OpenPeer(ctx, remote.SocketFor(c.sockDir, c.fam.Scheme, false), c.fam.Scheme+"://"+path, false, c.message)
	if err != nil {
		return nil, err
	}
	c.peer = peer
	if c.subs > 0 {
		c.registerLocked(ctx, peer)
	}
	return peer, nil
}

// registerLocked asks fam's daemon for its life-cycle events of every object, and
// redials when the connection is lost while someone listens.
func (c *Client) registerLocked(ctx context.Context, peer *rpc.Peer) {
	if c.fam.register == 0 {
		return
	}
	regs := []any{libvirt.ConnectNetworkEventRegisterAnyArgs{EventID: int32(libvirt.NetworkEventIDLifecycle)}}
	switch c.fam.Scheme {
	case NodeDevice.Scheme:
		regs = []any{libvirt.ConnectNodeDeviceEventRegisterAnyArgs{EventID: int32(libvirt.NodeDeviceEventIDLifecycle)}}
	case Storage.Scheme:
		// A pool's refresh is an event of its own, which libvirt-dbus turns into the
		// pool's Refresh signal.
		regs = []any{libvirt.ConnectStoragePoolEventRegisterAnyArgs{EventID: int32(libvirt.StoragePoolEventIDLifecycle)},
			libvirt.ConnectStoragePoolEventRegisterAnyArgs{EventID: int32(libvirt.StoragePoolEventIDRefresh)}}
	}
	for _, args := range regs {
		if err := peer.Call(ctx, remote.Program, int32(c.fam.register), args, nil); err != nil {
			c.log.Warn("cannot register for events", "daemon", remote.DaemonFor(c.fam.Scheme), "err", err)
			return
		}
	}
	go c.keep(peer)
}

// keep waits for the connection to be lost and, while there are subscribers, dials
// again, backing off up to 30 s.
func (c *Client) keep(peer *rpc.Peer) {
	select {
	case <-peer.Done():
	case <-c.done:
		return
	}
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 30*time.Second) {
		select {
		case <-time.After(wait):
		case <-c.done:
			return
		}
		c.mu.Lock()
		want := c.subs > 0 && c.peer == peer
		c.mu.Unlock()
		if !want {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := c.connect(ctx)
		cancel()
		if err == nil {
			return
		}
		c.log.Debug("cannot reconnect for events", "daemon", remote.DaemonFor(c.fam.Scheme), "err", err)
	}
}

// message decodes an event fam's daemon sent and publishes it to the subscribers.
func (c *Client) message(pkt rpc.Packet) {
	var e rpc.Event
	switch remote.Proc(pkt.Procedure) {
	case remote.NetworkEventLifecycle:
		var m libvirt.NetworkEventLifecycleMsg
		if rpc.Decode(pkt.Payload, &m) != nil {
			return
		}
		e = rpc.Event{Family: remote.NetworkEvents, ID: int32(libvirt.NetworkEventIDLifecycle), Key: remote.UUIDKey(m.Net.UUID),
			Body: func(cb int32) any { m.CallbackID = cb; return m }}
	case remote.NodeDeviceEventLifecycle:
		var m libvirt.NodeDeviceEventLifecycleMsg
		if rpc.Decode(pkt.Payload, &m) != nil {
			return
		}
		e = rpc.Event{Family: remote.NodeDeviceEvents, ID: int32(libvirt.NodeDeviceEventIDLifecycle), Key: m.Dev.Name,
			Body: func(cb int32) any { m.CallbackID = cb; return m }}
	case remote.StoragePoolEventLifecycle:
		var m libvirt.StoragePoolEventLifecycleMsg
		if rpc.Decode(pkt.Payload, &m) != nil {
			return
		}
		e = rpc.Event{Family: remote.StoragePoolEvents, ID: int32(libvirt.StoragePoolEventIDLifecycle), Key: remote.UUIDKey(m.Pool.UUID),
			Body: func(cb int32) any { m.CallbackID = cb; return m }}
	case remote.StoragePoolEventRefresh:
		var m libvirt.StoragePoolEventRefreshMsg
		if rpc.Decode(pkt.Payload, &m) != nil {
			return
		}
		e = rpc.Event{Family: remote.StoragePoolEvents, ID: int32(libvirt.StoragePoolEventIDRefresh), Key: remote.UUIDKey(m.Pool.UUID),
			Body: func(cb int32) any { m.CallbackID = cb; return m }}
	default:
		return
	}
	e.Program, e.Proc = remote.Program, pkt.Procedure
	c.events.Publish(e)
}

// Subscribe delivers fam's daemon's life-cycle events to fn, as rpc.Hub.Subscribe
// does; the registration is made on the next connection, or now if there is one.
func (c *Client) Subscribe(fn func(rpc.Event)) (cancel func()) {
	unsub := c.events.Subscribe(fn)
	c.mu.Lock()
	c.subs++
	if c.subs == 1 && c.peer != nil {
		select {
		case <-c.peer.Done():
		default:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c.registerLocked(ctx, c.peer)
			cancel()
		}
	}
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			unsub()
			c.mu.Lock()
			c.subs--
			c.mu.Unlock()
		})
	}
}

// Close closes the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	if c.peer != nil {
		return c.peer.Close()
	}
	return nil
}
