package forward

import (
	"context"
	"encoding/binary"
	"log/slog"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// hubFamily marks, in the event hub, callback ids reserved for forwarded
// registrations: no driver publishes under it, it only keeps ids unique per client.
const hubFamily = 1000

// Forwarder serves the families' procedures through their own daemons.
type Forwarder struct {
	families   []Family
	sockDir    string
	privileged bool
	hub        *rpc.Hub
	log        *slog.Logger

	mu      sync.Mutex
	clients map[*rpc.Client]*clientConns
}

// clientConns are one client's connections to the other daemons, by scheme.
type clientConns struct {
	mu       sync.Mutex
	backends map[string]*backend
}

// backend is one opened connection to another daemon, with the mapping between the
// callback ids it assigned and the ids the client sees.
type backend struct {
	peer     *rpc.Peer
	mu       sync.Mutex
	toLocal  map[int32]int32
	toRemote map[int32]int32
}

// Driver returns a factory for a forwarder of the given families, which finds the other
// daemons' sockets in the run directory.
func Driver(families ...Family) driver.Factory {
	return func(ctx context.Context, env *driver.Env) (driver.Driver, error) {
		return &Forwarder{
			families:   families,
			sockDir:    env.Paths.RunDir,
			privileged: env.Paths.Privileged,
			hub:        env.Events,
			log:        env.Logger("forward"),
			clients:    map[*rpc.Client]*clientConns{},
		}, nil
	}
}

// Procedures is every call of every family, each passed through.
func (f *Forwarder) Procedures() []rpc.Procedure {
	var ps []rpc.Procedure
	for i := range f.families {
		fam := &f.families[i]
		for _, p := range fam.procs() {
			switch {
			case p == fam.register:
				ps = append(ps, rpc.HandleRaw(p, f.registerEvent(fam), rpc.ReadOnly))
			case p == fam.deregister:
				ps = append(ps, rpc.HandleRaw(p, f.deregisterEvent(fam), rpc.ReadOnly))
			case fam.isStream(p):
				ps = append(ps, rpc.HandleRaw(p, f.passStream(fam, p), rpc.ReadOnly))
			default:
				// Read-only clients get a read-only connection on the other side, which
				// refuses changes with its own words.
				ps = append(ps, rpc.HandleRaw(p, f.pass(fam, p), rpc.ReadOnly))
			}
		}
	}
	return ps
}

func (f *Forwarder) pass(fam *Family, p remote.Proc) func(context.Context, []byte) (any, error) {
	return func(ctx context.Context, payload []byte) (any, error) {
		b, err := f.backend(ctx, fam)
		if err != nil {
			return nil, err
		}
		reply, err := b.peer.CallRaw(ctx, remote.Program, int32(p), payload)
		if err != nil {
			return nil, err
		}
		return rpc.RawReply(reply), nil
	}
}

// backend returns the client's connection to fam's daemon, opening it on first use.
func (f *Forwarder) backend(ctx context.Context, fam *Family) (*backend, error) {
	c := rpc.ClientFrom(ctx)
	f.mu.Lock()
	cc := f.clients[c]
	if cc == nil {
		cc = &clientConns{backends: map[string]*backend{}}
		f.clients[c] = cc
		c.OnClose(func() { f.drop(c) })
	}
	f.mu.Unlock()

	cc.mu.Lock()
	defer cc.mu.Unlock()
	if b := cc.backends[fam.Scheme]; b != nil {
		select {
		case <-b.peer.Done():
		default:
			return b, nil
		}
	}
	path := "/session"
	if f.privileged {
		path = "/system"
	}
	b := &backend{toLocal: map[int32]int32{}, toRemote: map[int32]int32{}}
	peer, err := remote.OpenPeer(ctx, remote.SocketFor(f.sockDir, fam.Scheme, f.privileged && c.ReadOnly()),
		fam.Scheme+"://"+path, c.ReadOnly(), func(pkt rpc.Packet) { f.relayEvent(c, fam, b, pkt) })
	if err != nil {
		return nil, err
	}
	b.peer = peer
	cc.backends[fam.Scheme] = b
	f.log.Debug("opened secondary connection", "client", c.ID(), "daemon", remote.DaemonFor(fam.Scheme))
	return b, nil
}

// drop closes a departed client's connections.
func (f *Forwarder) drop(c *rpc.Client) {
	f.mu.Lock()
	cc := f.clients[c]
	delete(f.clients, c)
	f.mu.Unlock()
	if cc == nil {
		return
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for _, b := range cc.backends {
		b.peer.Close()
	}
}

// Close closes every forwarded connection.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	clients := make([]*rpc.Client, 0, len(f.clients))
	for c := range f.clients {
		clients = append(clients, c)
	}
	f.mu.Unlock()
	for _, c := range clients {
		f.drop(c)
	}
	return nil
}

// registerEvent registers on the other daemon and hands the client an id unique on
// its own connection.
func (f *Forwarder) registerEvent(fam *Family) func(context.Context, []byte) (any, error) {
	return func(ctx context.Context, payload []byte) (any, error) {
		b, err := f.backend(ctx, fam)
		if err != nil {
			return nil, err
		}
		var ret struct{ CallbackID int32 }
		reply, err := b.peer.CallRaw(ctx, remote.Program, int32(fam.register), payload)
		if err != nil {
			return nil, err
		}
		if err := rpc.Decode(reply, &ret); err != nil {
			return nil, rpc.DecodeError(err)
		}
		local, err := f.hub.Register(rpc.ClientFrom(ctx), hubFamily, -1, "")
		if err != nil {
			// The other daemon holds a callback this connection cannot have: give it back.
			_ = b.peer.Call(ctx, remote.Program, int32(fam.deregister), struct{ CallbackID int32 }{ret.CallbackID}, nil)
			return nil, err
		}
		b.mu.Lock()
		b.toLocal[ret.CallbackID], b.toRemote[local] = local, ret.CallbackID
		b.mu.Unlock()
		return struct{ CallbackID int32 }{local}, nil
	}
}

func (f *Forwarder) deregisterEvent(fam *Family) func(context.Context, []byte) (any, error) {
	return func(ctx context.Context, payload []byte) (any, error) {
		var args struct{ CallbackID int32 }
		if err := rpc.Decode(payload, &args); err != nil {
			return nil, rpc.DecodeError(err)
		}
		b, err := f.backend(ctx, fam)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		id, ok := b.toRemote[args.CallbackID]
		b.mu.Unlock()
		if !ok {
			return nil, virerror.New(libvirt.ErrInternalError, virerror.FromRPC, "%s event callback %d not registered", fam.Scheme, args.CallbackID)
		}
		if err := b.peer.Call(ctx, remote.Program, int32(fam.deregister), struct{ CallbackID int32 }{id}, nil); err != nil {
			return nil, err
		}
		b.mu.Lock()
		delete(b.toRemote, args.CallbackID)
		delete(b.toLocal, id)
		b.mu.Unlock()
		f.hub.Deregister(rpc.ClientFrom(ctx), hubFamily, args.CallbackID)
		return struct{}{}, nil
	}
}

// relayEvent passes an event message on to the client, its callback id (the first
// field of every callback event message) renumbered to the client's.
func (f *Forwarder) relayEvent(c *rpc.Client, fam *Family, b *backend, pkt rpc.Packet) {
	if !fam.isMessage(pkt.Procedure) || len(pkt.Payload) < 4 {
		return
	}
	b.mu.Lock()
	local, ok := b.toLocal[int32(binary.BigEndian.Uint32(pkt.Payload))]
	b.mu.Unlock()
	if !ok {
		return
	}
	payload := append([]byte(nil), pkt.Payload...)
	binary.BigEndian.PutUint32(payload, uint32(local))
	if err := c.SendRawMessage(remote.Program, pkt.Procedure, payload); err != nil {
		f.log.Warn("cannot relay event", "err", err)
	}
}

func (fam *Family) isStream(p remote.Proc) bool {
	for _, s := range fam.streams {
		if s == p {
			return true
		}
	}
	return false
}

func (fam *Family) isMessage(proc int32) bool {
	for _, m := range fam.messages {
		if int32(m) == proc {
			return true
		}
	}
	return false
}
