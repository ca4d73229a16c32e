// Package benchconn is the raw libvirt RPC client the call benchmarks drive both
// daemons with: one connection opened as virsh opens it, calls by procedure number
// with go-libvirt's argument and result types, and the percentiles they report.
package benchconn

import (
	"context"
	"fmt"
	"sort"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Conn is an open connection to one daemon.
type Conn struct{ c *rpc.Conn }

// Open connects to the daemon at sock and opens uri on it (AuthList, then
// ConnectOpen).
func Open(ctx context.Context, sock, uri string) (*Conn, error) {
	c, err := rpc.Dial(ctx, sock)
	if err != nil {
		return nil, err
	}
	conn := &Conn{c: c}
	var auth libvirt.AuthListRet
	if err := conn.Call(remote.AuthList, nil, &auth); err != nil {
		c.Close()
		return nil, fmt.Errorf("auth list: %w", err)
	}
	if err := conn.Call(remote.ConnectOpen, libvirt.ConnectOpenArgs{Name: libvirt.OptString{uri}}, nil); err != nil {
		c.Close()
		return nil, fmt.Errorf("open %s: %w", uri, err)
	}
	return conn, nil
}

// Call makes one REMOTE call; ret nil reads the reply without decoding it.
func (c *Conn) Call(p remote.Proc, args, ret any) error {
	return c.c.Call(context.Background(), remote.Program, int32(p), args, ret)
}

// Close ends the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Percentile is the p-th percentile of ds in microseconds.
func Percentile(ds []time.Duration, p int) int64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100].Microseconds()
}
