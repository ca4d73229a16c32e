// Package proxy is virtproxyd's frontend: it answers a client's handshake itself, opens
// the client's URI on the modular daemon that serves its scheme (virtqemud for qemu://,
// virtnetworkd for network://, ...), and from then on relays the connection's packets
// unchanged in both directions, as libvirt's virtproxyd gives legacy clients and remote
// access a way to the modular daemons.
package proxy

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Proxy is the frontend.
type Proxy struct {
	sockDir    string
	privileged bool
	log        *slog.Logger
	prog       *rpc.Program
}

// New returns a proxy that finds the modular daemons' sockets in sockDir. Clients
// authenticate to the proxy itself, with auth, before their connection is relayed.
func New(sockDir string, privileged bool, auth *remote.Auth, log *slog.Logger) (*Proxy, error) {
	p := &Proxy{sockDir: sockDir, privileged: privileged, log: log}
	if auth == nil {
		auth = &remote.Auth{Log: log}
	}
	prog, err := rpc.NewProgram(remote.Program, remote.Version, auth.Procedures(), []rpc.Procedure{
		rpc.Handle(remote.ConnectSupportsFeature, p.supportsFeature, rpc.ReadOnly),
		rpc.HandleRaw(remote.ConnectOpen, func(ctx context.Context, payload []byte) (any, error) {
			a, err := remote.DecodeOpenArgs(payload)
			if err != nil {
				return nil, err
			}
			return p.open(ctx, a)
		}, rpc.ReadOnly),
		rpc.Handle(remote.ConnectClose, p.close, rpc.ReadOnly),
	})
	if err != nil {
		return nil, err
	}
	prog.Check = func(ctx context.Context, pr *rpc.Procedure) error {
		switch remote.Proc(pr.Num) {
		case remote.AuthList, remote.AuthSaslInit, remote.AuthSaslStart, remote.AuthSaslStep, remote.AuthPolkit,
			remote.ConnectSupportsFeature, remote.ConnectOpen, remote.ConnectClose:
			return nil
		}
		return virerror.New(libvirt.ErrInternalError, virerror.FromRPC, "connection not open")
	}
	p.prog = prog
	return p, nil
}

// Program is the program the main server dispatches until a connection is relayed.
func (p *Proxy) Program() *rpc.Program { return p.prog }

type session struct {
	mu     sync.Mutex
	opened bool
}

func (*session) Close() {}

// NewSession is per-client state.
func (p *Proxy) NewSession(*rpc.Client) rpc.Session { return &session{} }

// supportsFeature answers the keepalive question locally (this daemon keeps the client
// alive); every other feature is the backend's to answer, after the open.
func (p *Proxy) supportsFeature(ctx context.Context, a libvirt.ConnectSupportsFeatureArgs) (libvirt.ConnectSupportsFeatureRet, error) {
	const featureKeepalive = 10
	if a.Feature == featureKeepalive {
		rpc.ClientFrom(ctx).StartKeepAlive()
		return libvirt.ConnectSupportsFeatureRet{Supported: 1}, nil
	}
	return libvirt.ConnectSupportsFeatureRet{}, virerror.New(libvirt.ErrInternalError, virerror.FromRPC, "connection not open")
}

func (p *Proxy) close(ctx context.Context, _ struct{}) (struct{}, error) {
	rpc.ClientFrom(ctx).CloseAfterReply()
	return struct{}{}, nil
}

// open connects to the daemon for the URI's scheme, repeats the client's open there,
// and turns the client's connection into a relay.
func (p *Proxy) open(ctx context.Context, a libvirt.ConnectOpenArgs) (struct{}, error) {
	c := rpc.ClientFrom(ctx)
	s := c.Session().(*session)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened {
		return struct{}{}, virerror.New(libvirt.ErrInternalError, virerror.FromRPC, "connection already open")
	}
	name := ""
	if len(a.Name) > 0 {
		name = a.Name[0]
	}
	scheme := "qemu" // a probe goes to the hypervisor daemon
	if name != "" {
		u, err := url.Parse(name)
		if err != nil || remote.DaemonFor(strings.ToLower(u.Scheme)) == "" {
			return struct{}{}, virerror.New(libvirt.ErrNoConnect, virerror.FromNone, "%s", name)
		}
		scheme = strings.ToLower(u.Scheme)
	}
	readOnly := c.ReadOnly() || a.Flags&1 != 0
	sock := remote.SocketFor(p.sockDir, scheme, readOnly && p.privileged)
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	bc, err := rpc.Dial(dctx, sock)
	if err != nil {
		return struct{}{}, err
	}
	if err := remote.Handshake(dctx, bc, a); err != nil {
		bc.Close()
		return struct{}{}, err
	}
	if readOnly {
		c.SetReadOnly()
	}
	s.opened = true
	conn, r := bc.Detach()
	c.Relay(conn, r)
	p.log.Debug("relaying connection", "client", c.ID(), "uri", name, "backend", sock)
	return struct{}{}, nil
}
