package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"
)

// Limits are a server's tunables, from the daemon config (max_clients, min_workers, ...)
// and changeable at run time through the admin program.
type Limits struct {
	MaxClients          int
	MaxAnonymousClients int
	MaxClientRequests   int
	MinWorkers          int
	MaxWorkers          int
	PrioWorkers         int
	KeepaliveInterval   time.Duration // <= 0 disables server-side keepalive probes
	KeepaliveCount      int
}

// Session is per-client state owned by the programs of a server (for REMOTE: the opened
// URI and event registrations). Close runs once when the client is gone.
type Session interface {
	Close()
}

// Config describes a server.
type Config struct {
	// Name is what virt-admin lists ("virtqemud", "admin").
	Name     string
	Programs []*Program
	Limits   Limits
	Log      *slog.Logger
	// NewSession creates a client's session at accept time; nil means no session.
	NewSession func(c *Client) Session
	// ClientsChanged is called after a client connects or disconnects.
	ClientsChanged func()
}

// Server is one of libvirt's virNetServer: named, with its programs, clients, limits
// and worker pool. A daemon has two, the main one and "admin".
type Server struct {
	name       string
	log        *slog.Logger
	programs   map[uint32]*Program
	newSession func(*Client) Session
	changed    func()
	pool       *pool

	mu        sync.Mutex
	slotFree  *sync.Cond // signalled when a client leaves or limits grow
	limits    Limits
	clients   map[uint64]*Client
	unauth    int // clients that have not authenticated yet
	nextID    uint64
	listeners []net.Listener
	closing   bool
	serving   sync.WaitGroup // accept loops
	running   sync.WaitGroup // client loops
}

// NewServer builds a server; it serves nothing until Serve is given listeners.
func NewServer(cfg Config) *Server {
	s := &Server{
		name:       cfg.Name,
		log:        cfg.Log,
		programs:   map[uint32]*Program{},
		newSession: cfg.NewSession,
		changed:    cfg.ClientsChanged,
		limits:     normalize(cfg.Limits),
		clients:    map[uint64]*Client{},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.slotFree = sync.NewCond(&s.mu)
	for _, p := range cfg.Programs {
		s.programs[p.Number] = p
	}
	l := s.limits
	s.pool = newPool(l.MinWorkers, l.MaxWorkers, l.PrioWorkers)
	return s
}

func normalize(l Limits) Limits {
	if l.MaxClients <= 0 {
		l.MaxClients = 5000
	}
	if l.MaxClientRequests <= 0 {
		l.MaxClientRequests = 5
	}
	if l.MaxWorkers <= 0 {
		l.MaxWorkers = 20
	}
	if l.MinWorkers < 0 {
		l.MinWorkers = 0
	}
	if l.KeepaliveCount <= 0 {
		l.KeepaliveCount = 5
	}
	return l
}

// Name is the server's name.
func (s *Server) Name() string { return s.name }

// Serve accepts clients on the unix socket ln until Shutdown. Clients of a read-only
// listener can only call ReadOnly procedures. It returns when the listener is closed.
func (s *Server) Serve(ln net.Listener, readOnly bool) error {
	return s.ServeService(Service{Listener: ln, ReadOnly: readOnly})
}

// ServeService accepts clients on the service's listener until Shutdown; they get
// what the service says (transport, authentication, read-only access).
func (s *Server) ServeService(svc Service) error {
	ln := svc.Listener
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return errors.New("server is shut down")
	}
	s.listeners = append(s.listeners, ln)
	s.serving.Add(1)
	s.mu.Unlock()
	defer s.serving.Done()

	for {
		if !s.waitForSlot() {
			return nil
		}
		conn, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.log.Warn("accept failed", "server", s.name, "err", err)
			time.Sleep(10 * time.Millisecond) // EMFILE and friends: do not spin
			continue
		}
		// Another listener's loop may have filled the server while this one waited
		// in Accept: the connection then waits for its slot, unread.
		if !s.waitForSlot() {
			conn.Close()
			return nil
		}
		s.add(conn, svc)
	}
}

// waitForSlot blocks while the server has max_clients clients, or
// max_anonymous_clients that have not authenticated yet, so further connections wait
// in the listen backlog as they do with libvirt; false means the server is closing.
func (s *Server) waitForSlot() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	logged := false
	for !s.closing && s.fullLocked() {
		if !logged {
			s.log.Warn("Temporarily suspending accepting new clients", "server", s.name,
				"clients", len(s.clients), "max_clients", s.limits.MaxClients,
				"unauthenticated", s.unauth, "max_anonymous_clients", s.limits.MaxAnonymousClients)
			logged = true
		}
		s.slotFree.Wait()
	}
	return !s.closing
}

func (s *Server) fullLocked() bool {
	return len(s.clients) >= s.limits.MaxClients ||
		(s.limits.MaxAnonymousClients > 0 && s.unauth >= s.limits.MaxAnonymousClients)
}

func (s *Server) add(conn net.Conn, svc Service) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.nextID++
	c := newClient(s, s.nextID, conn, svc)
	s.clients[c.id] = c
	if !c.Authenticated() {
		s.unauth++
	}
	s.running.Add(1)
	s.mu.Unlock()
	readOnly := svc.ReadOnly
	if s.newSession != nil {
		c.session = s.newSession(c)
	}
	s.log.Debug("client connected", "server", s.name, "client", c.id, "readonly", readOnly, "pid", c.cred.Pid, "uid", c.cred.Uid)
	if s.changed != nil {
		s.changed()
	}
	go func() {
		defer s.running.Done()
		c.serve()
		s.remove(c)
	}()
}

// authenticated counts c out of the unauthenticated clients.
func (s *Server) authenticated(c *Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.authenticated.Swap(true) {
		return
	}
	if s.clients[c.id] == c {
		s.unauth--
		s.slotFree.Broadcast()
	}
}

func (s *Server) remove(c *Client) {
	s.mu.Lock()
	if !c.Authenticated() {
		s.unauth--
	}
	delete(s.clients, c.id)
	s.slotFree.Broadcast()
	s.mu.Unlock()
	s.log.Debug("client disconnected", "server", s.name, "client", c.id)
	if s.changed != nil {
		s.changed()
	}
}

// Clients returns the connected clients, oldest first.
func (s *Server) Clients() []*Client {
	s.mu.Lock()
	cs := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].id < cs[j].id })
	return cs
}

// Client returns the client with the given id, or nil.
func (s *Server) Client(id uint64) *Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[id]
}

// NumUnauthenticated is the number of connected clients that have not authenticated.
func (s *Server) NumUnauthenticated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unauth
}

// NumClients is the number of connected clients.
func (s *Server) NumClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// Limits returns the current limits.
func (s *Server) Limits() Limits {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits
}

// SetClientLimits changes max_clients and max_anonymous_clients at run time.
func (s *Server) SetClientLimits(maxClients, maxAnonymous int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if maxClients <= 0 {
		return fmt.Errorf("the maximum number of clients must be positive")
	}
	if maxAnonymous > maxClients {
		return fmt.Errorf("the maximum number of clients (%d) is lower than the maximum of unauthenticated clients (%d)", maxClients, maxAnonymous)
	}
	s.limits.MaxClients, s.limits.MaxAnonymousClients = maxClients, maxAnonymous
	s.slotFree.Broadcast()
	return nil
}

// PoolParams reports the worker pool.
func (s *Server) PoolParams() PoolParams { return s.pool.params() }

// SetPoolLimits changes the worker pool's limits at run time.
func (s *Server) SetPoolLimits(min, max, prio int) error {
	if max <= 0 || min > max {
		return fmt.Errorf("minWorkers (%d) must not exceed maxWorkers (%d), which must be positive", min, max)
	}
	s.mu.Lock()
	s.limits.MinWorkers, s.limits.MaxWorkers, s.limits.PrioWorkers = min, max, prio
	s.mu.Unlock()
	s.pool.setLimits(min, max, prio)
	return nil
}

// Shutdown stops accepting, lets in-flight calls finish and answer, then closes every
// client. It returns early with ctx's error if that takes too long, after cutting the
// remaining clients off.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for _, ln := range s.listeners {
		ln.Close()
	}
	clients := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		clients = append(clients, c)
	}
	s.slotFree.Broadcast()
	s.mu.Unlock()
	s.serving.Wait()

	for _, c := range clients {
		c.stopReading()
	}
	done := make(chan struct{})
	go func() {
		s.running.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		for _, c := range clients {
			c.Close()
		}
		<-done
	}
	s.pool.stop()
	return err
}
