package rpc

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Cred is the identity of a unix-socket peer (SO_PEERCRED).
type Cred struct {
	Pid, Uid, Gid int
}

// Client is one connection to a server.
type Client struct {
	srv      *Server
	id       uint64
	conn     net.Conn
	created  time.Time
	cred     Cred
	readOnly atomic.Bool
	session  Session
	ctx      context.Context

	svc           Service    // the listener the client came through
	tlsCtx        TLSContext // the TLS context its handshake uses (TLS only)
	authenticated atomic.Bool
	pendingLayer  atomic.Pointer[SecurityLayer] // a SASL layer waiting for its reply to go
	idMu          sync.Mutex
	identity      Identity

	rd         *msgReader      // nil when the transport cannot carry descriptors
	raw        syscall.RawConn // for writes that must not wait; nil if the transport has none
	sndbufOnce sync.Once       // the send buffer grown for stream data (sockbuf.go)
	slots      chan struct{}
	pending    sync.WaitGroup

	closeOnce  sync.Once
	closed     chan struct{}
	closeAfter atomic.Bool

	ka    keepalive
	relay atomic.Pointer[net.Conn] // set once the client's traffic goes to a backend

	hookMu  sync.Mutex
	onClose []func()

	qmu     sync.Mutex // guards the output queue (send.go)
	qcond   *sync.Cond // signalled when output is written or the client closes
	queue   []outPacket
	queued  int  // bytes in queue
	sending bool // a goroutine is writing: the queue's order is kept by it alone

	smu     sync.Mutex // guards streams
	streams map[uint32]*DataStream
}

type clientKey struct{}

// ClientFrom returns the client whose call is running under ctx.
func ClientFrom(ctx context.Context) *Client {
	c, _ := ctx.Value(clientKey{}).(*Client)
	return c
}

type filesKey struct{}

// FilesFrom returns the descriptors that came with a CALL_WITH_FDS. They are closed
// when the call returns: a handler that keeps one must dup it.
func FilesFrom(ctx context.Context) []*os.File {
	fs, _ := ctx.Value(filesKey{}).([]*os.File)
	return fs
}

func newClient(s *Server, id uint64, conn net.Conn, svc Service) *Client {
	if tc, ok := conn.(*net.TCPConn); ok {
		if rc, err := newRawTCPConn(tc); err == nil {
			conn = rc
		}
	}
	var tlsCtx TLSContext
	if svc.Transport == TransportTLS && svc.TLS != nil {
		// The handshake itself happens on the client's own goroutine (serve).
		tlsCtx = svc.TLS()
		conn = tls.Server(conn, tlsCtx.Config())
	}
	if svc.Transport == TransportTCP && svc.Auth == AuthSASL {
		// SASL on plain TCP sets up a security layer; its writes cannot take the
		// direct path, which writes to the socket as is.
		conn = &layerConn{Conn: conn}
	}
	c := &Client{
		svc:     svc,
		tlsCtx:  tlsCtx,
		srv:     s,
		id:      id,
		conn:    conn,
		created: time.Now(),
		slots:   make(chan struct{}, s.limits.MaxClientRequests),
		closed:  make(chan struct{}),
	}
	c.qcond = sync.NewCond(&c.qmu)
	c.readOnly.Store(svc.ReadOnly)
	// Without authentication a client is authenticated from the start, except over
	// TLS, whose handshake must succeed first.
	c.authenticated.Store(svc.Auth == AuthNone && svc.Transport != TransportTLS)
	c.ctx = context.WithValue(context.Background(), clientKey{}, c)
	if uc, ok := conn.(*net.UnixConn); ok {
		c.rd, _ = newMsgReader(uc)
		c.cred = peerCred(uc)
	}
	if sc, ok := conn.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	return c
}

func peerCred(uc *net.UnixConn) Cred {
	cred := Cred{Pid: -1, Uid: -1, Gid: -1}
	raw, err := uc.SyscallConn()
	if err != nil {
		return cred
	}
	raw.Control(func(fd uintptr) {
		if u, err := syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED); err == nil {
			cred = Cred{Pid: int(u.Pid), Uid: int(u.Uid), Gid: int(u.Gid)}
		}
	})
	return cred
}

// ID is the client's number, unique within its server.
func (c *Client) ID() uint64 { return c.id }

// Server is the server the client connected to.
func (c *Client) Server() *Server { return c.srv }

// Created is when the client connected.
func (c *Client) Created() time.Time { return c.created }

// Cred is the peer's identity.
func (c *Client) Cred() Cred { return c.cred }

// ReadOnly reports whether the client may only call ReadOnly procedures.
func (c *Client) ReadOnly() bool { return c.readOnly.Load() }

// SetReadOnly restricts the client to ReadOnly procedures (CONNECT_OPEN with
// VIR_CONNECT_RO). A read-only client never becomes read-write again.
func (c *Client) SetReadOnly() { c.readOnly.Store(true) }

// Session is the client's session, as the server's NewSession made it.
func (c *Client) Session() Session { return c.session }

// OnClose registers f to run once the client is gone, for whoever keeps per-client
// state outside the session (a forwarded connection, say).
func (c *Client) OnClose(f func()) {
	c.hookMu.Lock()
	defer c.hookMu.Unlock()
	c.onClose = append(c.onClose, f)
}

// CloseAfterReply makes the client's connection close once the current call has been
// answered (CONNECT_CLOSE).
func (c *Client) CloseAfterReply() { c.closeAfter.Store(true) }

// StartKeepAlive begins server-side keepalive probes with the server's interval and
// count, once the client has said it understands them.
func (c *Client) StartKeepAlive() {
	l := c.srv.Limits()
	c.ka.start(l.KeepaliveInterval, l.KeepaliveCount, func(dead bool) {
		if dead {
			c.srv.log.Warn("no response from client after keepalive messages; closing it",
				"server", c.srv.name, "client", c.id, "count", l.KeepaliveCount,
				"seconds", int(l.KeepaliveInterval.Seconds())*l.KeepaliveCount)
			c.Close()
			return
		}
		c.send(Header{Program: KeepaliveProgram, Version: KeepaliveVersion, Procedure: keepalivePing, Type: Message}, nil)
	})
}

// Close disconnects the client at once. In-flight calls finish but their replies are
// lost.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.conn.Close()
		c.qmu.Lock()
		c.qcond.Broadcast()
		c.qmu.Unlock()
	})
}

// stopReading makes the client take no further calls; those in flight still answer,
// then the connection closes.
func (c *Client) stopReading() {
	if cr, ok := c.conn.(interface{ CloseRead() error }); ok && cr.CloseRead() == nil {
		return
	}
	c.Close()
}

// serve is the client's reader loop. Keepalive is answered here, never behind slow
// calls; calls go to the worker pool, at most max_client_requests at a time: when that
// many are in flight the loop stops reading, as libvirt does.
func (c *Client) serve() {
	defer c.finish()
	if tc, ok := c.conn.(*tls.Conn); ok && !c.tlsHandshake(tc) {
		return
	}
	var r io.Reader = c.conn
	if c.rd != nil {
		r = c.rd
	}
	br := bufio.NewReaderSize(r, 8<<10)
	for {
		pkt, err := ReadPacket(br, MaxMessage)
		if err != nil {
			c.readFailed(err)
			return
		}
		h, payload := pkt.Header, pkt.Payload
		c.ka.onPacket(time.Now())
		if h.Program == KeepaliveProgram {
			c.keepalive(h)
			continue
		}
		if b := c.relay.Load(); b != nil {
			if _, err := (*b).Write(pkt.Raw); err != nil {
				c.srv.log.Info("relay to backend failed; closing client", "client", c.id, "err", err)
				return
			}
			continue
		}
		switch h.Type {
		case Call, CallWithFDs:
			if !c.call(h, payload) {
				return
			}
		case Stream, StreamHole:
			if !c.streamPacket(h, payload, pkt.Raw) {
				c.srv.log.Warn("closing client that broke the stream protocol", "client", c.id, "serial", h.Serial)
				return
			}
		default:
			c.srv.log.Info("ignoring unexpected message", "client", c.id, "type", h.Type, "serial", h.Serial)
		}
	}
}

func (c *Client) readFailed(err error) {
	select {
	case <-c.closed:
		return
	default:
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET):
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrTooShort):
		c.srv.log.Warn("closing client after a malformed packet", "server", c.srv.name, "client", c.id, "pid", c.cred.Pid, "err", err)
	default:
		c.srv.log.Info("closing client after a read error", "server", c.srv.name, "client", c.id, "err", err)
	}
}

func (c *Client) keepalive(h Header) {
	if h.Type != Message || h.Procedure != keepalivePing {
		return // PONGs only prove liveness, which onPacket already noted
	}
	c.send(Header{Program: KeepaliveProgram, Version: KeepaliveVersion, Procedure: keepalivePong, Type: Message}, nil)
}

// finish waits for the calls still in flight to answer (or for a forced Close), then
// releases everything the client held.
func (c *Client) finish() {
	done := make(chan struct{})
	go func() {
		c.pending.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-c.closed:
	}
	c.ka.stop()
	c.Close()
	c.closeStreams()
	if c.rd != nil {
		c.rd.closeAll()
	}
	if c.session != nil {
		c.session.Close()
	}
	c.hookMu.Lock()
	hooks := c.onClose
	c.onClose = nil
	c.hookMu.Unlock()
	for _, f := range hooks {
		f()
	}
}
