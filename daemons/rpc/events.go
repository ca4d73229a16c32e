package rpc

import (
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// MaxCallbacks bounds the event callbacks one connection may hold. libvirt sets no
// bound; without one a client can make every event cost the daemon an unbounded
// number of messages. A manager such as virt-manager holds a few dozen.
const MaxCallbacks = 1024

// Hub delivers events to the clients that registered callbacks for them. Drivers
// publish; the procedures that register and deregister callbacks (one pair per object
// family in the REMOTE program) record them here; a client's registrations die with it.
// In-process front ends (the D-Bus API) subscribe to every event instead.
type Hub struct {
	mu   sync.Mutex
	regs map[*Client]*clientRegs
	subs map[*subscriber]struct{}
}

type clientRegs struct {
	next int32
	byID map[int32]registration
}

type registration struct {
	family  int
	eventID int32
	key     string // "" matches every object of the family
}

// Event is one occurrence to deliver. Body builds the MESSAGE payload for a callback id,
// since each registration gets its own id inside the message.
type Event struct {
	Family  int
	ID      int32
	Key     string // the object's identity, as registrations filter by it (a UUID, a name)
	Program uint32
	Proc    int32
	Body    func(callbackID int32) any
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{regs: map[*Client]*clientRegs{}, subs: map[*subscriber]struct{}{}}
}

// Register records a callback of c for events id of family, restricted to the object
// key when key is not empty, and returns the callback id, unique on c's connection.
// A connection holding MaxCallbacks already is refused.
func (h *Hub) Register(c *Client, family int, id int32, key string) (int32, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.regs[c]
	if r == nil {
		r = &clientRegs{byID: map[int32]registration{}}
		h.regs[c] = r
	}
	if len(r.byID) >= MaxCallbacks {
		return 0, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "too many event callbacks on this connection (at most %d)", MaxCallbacks)
	}
	r.next++
	r.byID[r.next] = registration{family: family, eventID: id, key: key}
	return r.next, nil
}

// Deregister removes callback cb of c registered for family; false if there is none.
func (h *Hub) Deregister(c *Client, family int, cb int32) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.regs[c]
	if r == nil {
		return false
	}
	reg, ok := r.byID[cb]
	if !ok || reg.family != family {
		return false
	}
	delete(r.byID, cb)
	return true
}

// Drop forgets every registration of c (the client disconnected).
func (h *Hub) Drop(c *Client) {
	h.mu.Lock()
	delete(h.regs, c)
	h.mu.Unlock()
}

// Publish sends e to every matching callback. It does not block on slow clients.
func (h *Hub) Publish(e Event) {
	type target struct {
		c  *Client
		cb int32
	}
	var ts []target
	h.mu.Lock()
	for c, r := range h.regs {
		for cb, reg := range r.byID {
			if reg.family == e.Family && reg.eventID == e.ID && (reg.key == "" || reg.key == e.Key) {
				ts = append(ts, target{c, cb})
			}
		}
	}
	for s := range h.subs {
		s.push(e)
	}
	h.mu.Unlock()
	for _, t := range ts {
		if err := t.c.SendMessage(e.Program, e.Proc, e.Body(t.cb)); err != nil {
			t.c.srv.log.Error("cannot encode event", "proc", e.Proc, "err", err)
		}
	}
}

// Registered reports how many callbacks c holds; for tests and admin.
func (h *Hub) Registered(c *Client) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.regs[c]; r != nil {
		return len(r.byID)
	}
	return 0
}
