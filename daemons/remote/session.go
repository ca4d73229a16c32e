package remote

import (
	"context"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Session is a client's REMOTE-program state: whether and to what it is connected.
type Session struct {
	hub    *rpc.Hub
	client *rpc.Client

	mu            sync.Mutex
	uri           string
	scheme        string
	closeCallback bool
}

// Close releases what the client held: its event registrations.
func (s *Session) Close() { s.hub.Drop(s.client) }

// URI is the URI the client opened, or "" before CONNECT_OPEN.
func (s *Session) URI() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uri
}

// Scheme is the scheme of the opened URI ("qemu").
func (s *Session) Scheme() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scheme
}

// SessionFrom returns the session of the client whose call runs under ctx, or nil.
func SessionFrom(ctx context.Context) *Session {
	c := rpc.ClientFrom(ctx)
	if c == nil {
		return nil
	}
	s, _ := c.Session().(*Session)
	return s
}

// errNotOpen is libvirt's answer to a call before CONNECT_OPEN.
func errNotOpen() error {
	return virerror.New(libvirt.ErrInternalError, virerror.FromRPC, "connection not open")
}
