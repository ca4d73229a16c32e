package remote_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/host"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// testDriver serves domain event registration and two domain procedures, one
// mutating (DOMAIN_CREATE, which blocks until released) and one read-only.
type testDriver struct {
	hub     *rpc.Hub
	running atomic.Int32
	peak    atomic.Int32
	release chan struct{}
}

func (d *testDriver) Procedures() []rpc.Procedure {
	return append(remote.DomainEventProcedures(d.hub),
		rpc.Handle(remote.DomainCreate, func(ctx context.Context, a libvirt.DomainCreateArgs) (struct{}, error) {
			n := d.running.Add(1)
			defer d.running.Add(-1)
			for {
				p := d.peak.Load()
				if n <= p || d.peak.CompareAndSwap(p, n) {
					break
				}
			}
			if a.Dom.Name == "slow" {
				<-d.release
			}
			return struct{}{}, nil
		}),
		rpc.Handle(remote.DomainGetState, func(ctx context.Context, a libvirt.DomainGetStateArgs) (libvirt.DomainGetStateRet, error) {
			return libvirt.DomainGetStateRet{State: 1}, nil
		}, rpc.ReadOnly),
	)
}

type server struct {
	rw, ro string
	hub    *rpc.Hub
	drv    *testDriver
	srv    *rpc.Server
}

func startServer(t *testing.T, limits rpc.Limits) *server { return startServerB(t, limits) }

func startServerB(t testing.TB, limits rpc.Limits) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{rw: filepath.Join(dir, "sock"), ro: filepath.Join(dir, "sock-ro"), hub: rpc.NewHub()}
	s.drv = &testDriver{hub: s.hub, release: make(chan struct{})}
	r, err := remote.New(remote.Config{Schemes: []string{"qemu"}, Host: host.New(host.UUIDConfig{}), Hub: s.hub, Drivers: []driver.Driver{s.drv}})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = rpc.NewServer(rpc.Config{Name: "test", Programs: []*rpc.Program{r.Program()}, Limits: limits, NewSession: r.NewSession})
	for _, p := range []struct {
		path string
		ro   bool
	}{{s.rw, false}, {s.ro, true}} {
		ln, err := net.Listen("unix", p.path)
		if err != nil {
			t.Fatal(err)
		}
		go s.srv.Serve(ln, p.ro)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.srv.Shutdown(ctx)
	})
	return s
}

func connect(t *testing.T, sock string, uri string) *libvirt.Libvirt { return connectB(t, sock, uri) }

func connectB(t testing.TB, sock string, uri string) *libvirt.Libvirt {
	t.Helper()
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(sock)))
	if err := l.ConnectToURI(libvirt.ConnectURI(uri)); err != nil {
		t.Fatalf("connect %s: %v", uri, err)
	}
	t.Cleanup(func() { l.Disconnect() })
	return l
}

// TestGoLibvirtClient drives the REMOTE program with go-libvirt, the Go client many
// orchestrators use.
func TestGoLibvirtClient(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	l := connect(t, s.rw, "qemu:///session")
	if v, err := l.ConnectGetLibVersion(); err != nil || v != remote.LibVersion {
		t.Errorf("lib version = %d, %v", v, err)
	}
	if v, err := l.ConnectGetVersion(); err != nil || v != 0 {
		t.Errorf("hypervisor version = %d, %v (no hypervisor driver: 0)", v, err)
	}
	if typ, err := l.ConnectGetType(); err != nil || typ != "QEMU" {
		t.Errorf("type = %q, %v", typ, err)
	}
	if u, err := l.ConnectGetUri(); err != nil || u != "qemu:///session" {
		t.Errorf("uri = %q, %v", u, err)
	}
	if h, err := l.ConnectGetHostname(); err != nil || h == "" {
		t.Errorf("hostname = %q, %v", h, err)
	}
	caps, err := l.ConnectGetCapabilities()
	if err != nil || !strings.Contains(caps, "<host>") || !strings.Contains(caps, "<secmodel>") {
		t.Errorf("capabilities: %v\n%s", err, caps)
	}
	if _, _, cpus, _, _, _, _, _, err := l.NodeGetInfo(); err != nil || cpus < 1 {
		t.Errorf("node info: cpus %d, %v", cpus, err)
	}
	if ok, err := l.ConnectSupportsFeature(14); err != nil || ok != 1 {
		t.Errorf("event callback feature = %d, %v", ok, err)
	}
	// A procedure no driver serves is libvirt's "not supported by the connection
	// driver", which clients fall back on; a number that is no call at all stays an
	// unknown procedure.
	_, _, err = l.ConnectListAllDomains(1, 0)
	var lerr libvirt.Error
	if !errors.As(err, &lerr) || lerr.Code != uint32(libvirt.ErrNoSupport) ||
		lerr.Message != "this function is not supported by the connection driver: virConnectListAllDomains" {
		t.Errorf("unserved procedure: %#v", err)
	}
	if _, err := l.StoragePoolLookupByName("p"); !errors.As(err, &lerr) ||
		lerr.Message != "this function is not supported by the connection driver: virStoragePoolLookupByName" {
		t.Errorf("unserved storage procedure: %v", err)
	}
}

func TestOpenChecksURI(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	for uri, want := range map[string]string{
		"network:///session": "no connection driver available for network:///session",
		"qemu:///system":     "internal error: unexpected qemu URI path '/system', try qemu:///session",
		"qemu://host/system": "no connection driver available for qemu://host/system",
	} {
		l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(s.rw)))
		err := l.ConnectToURI(libvirt.ConnectURI(uri))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("open %s: %v, want %q", uri, err, want)
		}
		l.Disconnect()
	}
}

func TestReadOnlySocketRefusesChanges(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	l := connect(t, s.ro, "qemu:///session")
	dom := libvirt.Domain{Name: "vm1", ID: -1}
	if _, _, err := l.DomainGetState(dom, 0); err != nil {
		t.Errorf("read-only call refused: %v", err)
	}
	err := l.DomainCreate(dom)
	if err == nil || !strings.Contains(err.Error(), "operation forbidden: read only access prevents virDomainCreate") {
		t.Errorf("mutating call on -ro: %v", err)
	}
	var lerr libvirt.Error
	if e, ok := err.(libvirt.Error); ok {
		lerr = e
	}
	if lerr.Code != uint32(libvirt.ErrOperationDenied) {
		t.Errorf("code = %d, want %d", lerr.Code, libvirt.ErrOperationDenied)
	}
}

func TestEventsReachRegisteredCallbacks(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	l := connect(t, s.rw, "qemu:///session")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := l.SubscribeEvents(ctx, libvirt.DomainEventIDLifecycle, libvirt.OptDomain{})
	if err != nil {
		t.Fatal(err)
	}
	dom := libvirt.Domain{Name: "vm1", UUID: libvirt.UUID{1, 2, 3}, ID: 3}
	s.hub.Publish(rpc.Event{
		Family: remote.DomainEvents, ID: int32(libvirt.DomainEventIDLifecycle), Key: remote.UUIDKey(dom.UUID),
		Program: remote.Program, Proc: int32(remote.DomainEventCallbackLifecycle),
		Body: func(cb int32) any {
			return libvirt.DomainEventCallbackLifecycleMsg{CallbackID: cb, Msg: libvirt.DomainEventLifecycleMsg{Dom: dom, Event: 2, Detail: 0}}
		},
	})
	select {
	case ev := <-events:
		msg, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
		if !ok || msg.Msg.Dom.Name != "vm1" || msg.Msg.Event != 2 {
			t.Errorf("event = %#v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event delivered")
	}
}

// rawConn speaks the wire protocol by hand, for what no client library does on
// purpose: pipelining, keepalive, garbage.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, path string) *rawConn {
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

func (rc *rawConn) send(h rpc.Header, body any) {
	pkt, err := rpc.EncodePacket(h, body)
	if err != nil {
		rc.t.Fatal(err)
	}
	if _, err := rc.c.Write(pkt); err != nil {
		rc.t.Fatal(err)
	}
}

func (rc *rawConn) call(serial uint32, proc remote.Proc, body any) {
	rc.send(rpc.Header{Program: remote.Program, Version: 1, Procedure: int32(proc), Type: rpc.Call, Serial: serial}, body)
}

func (rc *rawConn) read() rpc.Packet {
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	p, err := rpc.ReadPacket(rc.r, rpc.MaxMessage)
	if err != nil {
		rc.t.Fatalf("read: %v", err)
	}
	return p
}

func (rc *rawConn) open() {
	rc.call(0, remote.ConnectOpen, libvirt.ConnectOpenArgs{Name: libvirt.OptString{"qemu:///session"}})
	if p := rc.read(); p.Status != rpc.StatusOK {
		rc.t.Fatalf("open failed")
	}
}

func TestKeepalivePingIsAnswered(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	rc := dialRaw(t, s.rw)
	rc.send(rpc.Header{Program: rpc.KeepaliveProgram, Version: 1, Procedure: 1, Type: rpc.Message}, nil)
	p := rc.read()
	if p.Program != rpc.KeepaliveProgram || p.Procedure != 2 || p.Type != rpc.Message {
		t.Errorf("answer to PING = %+v", p.Header)
	}
}

func TestCallsBeforeOpenAreRefused(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	rc := dialRaw(t, s.rw)
	rc.call(1, remote.ConnectGetHostname, nil)
	p := rc.read()
	if p.Status != rpc.StatusError || !strings.Contains(string(p.Payload), "connection not open") {
		t.Errorf("hostname before open: status %d payload %q", p.Status, p.Payload)
	}
}

// TestPipelinedCallsAndRequestLimit sends more calls than max_client_requests at once:
// all are answered, matched by serial, never more than the limit running together.
func TestPipelinedCallsAndRequestLimit(t *testing.T) {
	s := startServer(t, rpc.Limits{MaxClientRequests: 2})
	rc := dialRaw(t, s.rw)
	rc.open()
	for i := uint32(1); i <= 4; i++ {
		rc.call(i, remote.DomainCreate, libvirt.DomainCreateArgs{Dom: libvirt.Domain{Name: "slow"}})
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.drv.running.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a third call, were it dispatched, would show now
	if n := s.drv.running.Load(); n != 2 {
		t.Fatalf("%d calls running with max_client_requests=2", n)
	}
	close(s.drv.release)
	seen := map[uint32]bool{}
	for range 4 {
		p := rc.read()
		if p.Status != rpc.StatusOK || p.Type != rpc.Reply {
			t.Fatalf("reply %+v", p.Header)
		}
		seen[p.Serial] = true
	}
	if len(seen) != 4 || s.drv.peak.Load() != 2 {
		t.Errorf("serials %v, peak concurrency %d", seen, s.drv.peak.Load())
	}
}

// TestMalformedPacketClosesOnlyThatClient: an oversized length word drops the client
// that sent it; the server goes on serving others.
func TestMalformedPacketClosesOnlyThatClient(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	good := connect(t, s.rw, "qemu:///session")
	rc := dialRaw(t, s.rw)
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], 0x7fffffff)
	rc.c.Write(b[:])
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := rc.r.ReadByte(); err == nil {
		t.Error("server answered an oversized packet instead of closing")
	}
	if _, err := good.ConnectGetHostname(); err != nil {
		t.Errorf("other client broken: %v", err)
	}
}

func TestUnknownProgram(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	rc := dialRaw(t, s.rw)
	rc.send(rpc.Header{Program: 0x12345678, Version: 1, Procedure: 1, Type: rpc.Call, Serial: 9}, nil)
	p := rc.read()
	if p.Status != rpc.StatusError || p.Serial != 9 || !strings.Contains(string(p.Payload), "Cannot find program") {
		t.Errorf("unknown program: %+v %q", p.Header, p.Payload)
	}
}

// TestServerKeepaliveDropsSilentClients: once a client says it speaks keepalive, the
// server probes it when idle and drops it after keepalive_count unanswered PINGs.
func TestServerKeepaliveDropsSilentClients(t *testing.T) {
	s := startServer(t, rpc.Limits{KeepaliveInterval: 100 * time.Millisecond, KeepaliveCount: 2})
	rc := dialRaw(t, s.rw)
	rc.call(0, remote.ConnectSupportsFeature, libvirt.ConnectSupportsFeatureArgs{Feature: 10})
	if p := rc.read(); p.Status != rpc.StatusOK {
		t.Fatal("keepalive feature refused")
	}
	pings := 0
	start := time.Now()
	for {
		rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		p, err := rpc.ReadPacket(rc.r, rpc.MaxMessage)
		if err != nil {
			break // dropped
		}
		if p.Program == rpc.KeepaliveProgram && p.Procedure == 1 {
			pings++
		}
	}
	if pings != 2 {
		t.Errorf("%d PINGs before the drop, want 2", pings)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("dropped after %v", el)
	}
}

// TestMaxClients: with max_clients reached, a new connection waits in the backlog, as
// with libvirt, and is served once a slot frees.
func TestMaxClients(t *testing.T) {
	s := startServer(t, rpc.Limits{MaxClients: 1})
	first := dialRaw(t, s.rw)
	first.call(0, remote.AuthList, nil)
	first.read()
	second := dialRaw(t, s.rw)
	second.call(0, remote.AuthList, nil)
	second.c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := rpc.ReadPacket(second.r, rpc.MaxMessage); err == nil {
		t.Fatal("second client served beyond max_clients=1")
	}
	first.c.Close()
	if p := second.read(); p.Procedure != int32(remote.AuthList) || p.Status != rpc.StatusOK {
		t.Errorf("second client after a slot freed: %+v", p.Header)
	}
}

// TestInlineCallsPipelined: calls the reader answers itself (rpc.Inline) and calls
// handed to workers may be mixed and pipelined; every one is answered, by serial.
func TestInlineCallsPipelined(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	rc := dialRaw(t, s.rw)
	rc.open()
	close(s.drv.release)
	const n = 50
	for i := uint32(1); i <= n; i++ {
		if i%5 == 0 {
			rc.call(i, remote.DomainCreate, libvirt.DomainCreateArgs{Dom: libvirt.Domain{Name: "slow"}})
		} else {
			rc.call(i, remote.ConnectGetLibVersion, nil)
		}
	}
	seen := map[uint32]bool{}
	for range n {
		p := rc.read()
		if p.Status != rpc.StatusOK {
			t.Fatalf("reply %+v", p.Header)
		}
		seen[p.Serial] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct replies, want %d", len(seen), n)
	}
}

// TestEventCallbacksBounded: a connection may hold rpc.MaxCallbacks event callbacks;
// one more is refused with an error the client sees, the connection stays usable, and
// a callback given back makes room again.
func TestEventCallbacksBounded(t *testing.T) {
	s := startServer(t, rpc.Limits{})
	l := connect(t, s.rw, "qemu:///session")
	var last int32
	for i := 0; i < rpc.MaxCallbacks; i++ {
		id, err := l.ConnectDomainEventCallbackRegisterAny(int32(libvirt.DomainEventIDLifecycle), libvirt.OptDomain{})
		if err != nil {
			t.Fatalf("callback %d: %v", i, err)
		}
		last = id
	}
	_, err := l.ConnectDomainEventCallbackRegisterAny(int32(libvirt.DomainEventIDLifecycle), libvirt.OptDomain{})
	if err == nil || !strings.Contains(err.Error(), "too many event callbacks") {
		t.Fatalf("callback past the bound: err = %v", err)
	}
	if err := l.ConnectDomainEventCallbackDeregisterAny(last); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ConnectDomainEventCallbackRegisterAny(int32(libvirt.DomainEventIDLifecycle), libvirt.OptDomain{}); err != nil {
		t.Fatalf("callback after one was given back: %v", err)
	}
	// Another connection has its own bound.
	other := connect(t, s.rw, "qemu:///session")
	if _, err := other.ConnectDomainEventCallbackRegisterAny(int32(libvirt.DomainEventIDLifecycle), libvirt.OptDomain{}); err != nil {
		t.Fatalf("another connection's callback: %v", err)
	}
}
