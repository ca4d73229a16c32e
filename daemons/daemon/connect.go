package daemon

import (
	"context"
	"sync"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// connector gives drivers connections to other drivers, as libvirt's drivers open
// secondary connections: the daemon's own REMOTE program when the daemon serves the
// scheme itself (libvirtd), else the modular daemon's socket (virtqemud reaching
// virtnetworkd). Peers are opened on first use, shared by the daemon's drivers, and
// opened again once lost.
type connector struct {
	schemes    []string
	privileged bool
	sockDir    string

	ready chan struct{} // closed once prog is set
	prog  *rpc.Program

	mu    sync.Mutex
	peers map[string]*rpc.Peer
}

func newConnector(schemes []string, privileged bool, sockDir string) *connector {
	return &connector{schemes: schemes, privileged: privileged, sockDir: sockDir,
		ready: make(chan struct{}), peers: map[string]*rpc.Peer{}}
}

// setProgram makes the daemon's own program available to local calls.
func (c *connector) setProgram(p *rpc.Program) {
	c.prog = p
	close(c.ready)
}

func (c *connector) connect(ctx context.Context, scheme string) (rpc.Caller, error) {
	for _, s := range c.schemes {
		if s == scheme {
			return local{c}, nil
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.peers[scheme]; p != nil {
		select {
		case <-p.Done():
		default:
			return p, nil
		}
	}
	path := "/session"
	if c.privileged {
		path = "/system"
	}
	p, err := remote.OpenPeer(ctx, remote.SocketFor(c.sockDir, scheme, false), scheme+"://"+path, false, nil)
	if err != nil {
		return nil, err
	}
	c.peers[scheme] = p
	return p, nil
}

func (c *connector) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s, p := range c.peers {
		p.Close()
		delete(c.peers, s)
	}
}

// local calls the daemon's own program, once it exists.
type local struct{ c *connector }

func (l local) Call(ctx context.Context, prog uint32, proc int32, args, ret any) error {
	select {
	case <-l.c.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	return l.c.prog.Invoke(ctx, proc, args, ret)
}
