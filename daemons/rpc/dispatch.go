package rpc

import (
	"context"
	"encoding/binary"
	"errors"
	"os"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// writevMin is the size from which a one-string reply is written from the string
// itself rather than copied into its packet.
const writevMin = 4 << 10

// call hands one call to the pool; false means the client must be dropped.
func (c *Client) call(h Header, payload []byte) bool {
	var files []*os.File
	if h.Type == CallWithFDs {
		r := NewXDRReader(payload)
		n := r.Uint32()
		if r.Err() != nil || n > maxFDs || c.rd == nil {
			c.srv.log.Warn("closing client after a malformed CALL_WITH_FDS", "client", c.id, "fds", n)
			return false
		}
		fs, ok := c.rd.take(int(n))
		if !ok {
			c.srv.log.Warn("closing client: CALL_WITH_FDS without its descriptors", "client", c.id, "fds", n)
			return false
		}
		files, payload = fs, payload[4:]
	}
	select {
	case c.slots <- struct{}{}:
	case <-c.closed:
		closeFiles(files)
		return false
	}
	prog := c.srv.programs[h.Program]
	var priority, inline, inlineFirst bool
	if prog != nil {
		if p := prog.known(h.Procedure); p != nil {
			priority, inline, inlineFirst = p.priority, p.inline, p.inlineFirst
		}
	}
	c.pending.Add(1)
	// The call holds its slot until its reply is written (answered), as libvirt
	// counts a request until its reply has gone.
	answered := func() {
		<-c.slots
		c.pending.Done()
	}
	run := func() {
		defer closeFiles(files)
		c.dispatch(prog, h, payload, files, answered)
	}
	// Inline procedures run here when nothing else of this client is in flight, so
	// replies still leave in an order the client can match.
	if inline && len(c.slots) == 1 {
		run()
		return true
	}
	if inlineFirst && len(c.slots) == 1 && files == nil {
		ctx := context.WithValue(c.ctx, nonBlockingKey{}, true)
		if ret, err := c.invoke(ctx, prog, h, payload, nil); !errors.Is(err, ErrWouldBlock) {
			c.reply(h, ret, err, answered)
			return true
		}
	}
	if !c.srv.pool.submit(job{run: run, priority: priority}) {
		answered()
		closeFiles(files)
		return false
	}
	return true
}

// dispatch runs one call and queues its reply; answered runs once the reply is
// written.
func (c *Client) dispatch(prog *Program, h Header, payload []byte, files []*os.File, answered func()) {
	ret, err := c.invoke(c.ctx, prog, h, payload, files)
	c.reply(h, ret, err, answered)
}

// reply queues the answer to call h: ret, or err.
func (c *Client) reply(h Header, ret any, err error, answered func()) {
	reply := Header{Program: h.Program, Version: h.Version, Procedure: h.Procedure, Type: Reply, Serial: h.Serial}
	closeAfter := c.closeAfter.Load()
	layerOn := c.takeLayer()
	written := func() {
		if layerOn != nil {
			layerOn()
		}
		answered()
		if closeAfter {
			c.Close()
		}
	}
	var pkt []byte
	if s, ok := soleString(ret); ok && err == nil && len(s) >= writevMin && lenSize+HeaderSize+xdrStringLen(s) <= lenSize+MaxMessage {
		// A document: written from the string itself (postString).
		reply.Status = StatusOK
		head := binary.BigEndian.AppendUint32(newPacket(reply, 4), uint32(len(s)))
		binary.BigEndian.PutUint32(head, uint32(lenSize+HeaderSize+xdrStringLen(s)))
		c.postString(head, s, written)
		c.callAnswered(h.Serial, true)
		return
	}
	if raw, ok := ret.(RawReply); ok && err == nil {
		reply.Status = StatusOK
		pkt, err = EncodeRawPacket(reply, raw)
	} else if err == nil {
		reply.Status = StatusOK
		if pkt, err = EncodePacket(reply, ret); err != nil {
			c.srv.log.Error("cannot encode reply", "proc", h.Procedure, "err", err)
			err = rpcError("Unable to encode message payload")
		}
	}
	if err != nil {
		reply.Status = StatusError
		pkt, _ = EncodePacket(reply, wireError(c.srv.log, err))
	}
	c.post(pkt, written)
	c.callAnswered(h.Serial, reply.Status == StatusOK)
}

// invoke runs call h under ctx, the client's context or one derived from it.
func (c *Client) invoke(ctx context.Context, prog *Program, h Header, payload []byte, files []*os.File) (any, error) {
	switch {
	case prog == nil:
		return nil, rpcError("Cannot find program %d version %d", h.Program, h.Version)
	case h.Version != prog.Version:
		return nil, rpcError("version mismatch (actual %x, expected %x)", h.Version, prog.Version)
	case h.Status != StatusOK:
		return nil, rpcError("Unexpected message status %d", h.Status)
	}
	p := prog.Lookup(h.Procedure)
	if p == nil {
		return nil, rpcError("unknown procedure: %d", h.Procedure)
	}
	if !p.noAuth && !c.Authenticated() {
		// VIR_ERR_RPC rather than AUTH_FAILED, as libvirt, for old clients' sake.
		return nil, rpcError("authentication required")
	}
	if !p.readOnly && c.ReadOnly() {
		return nil, virerror.New(libvirt.ErrOperationDenied, p.Domain, "read only access prevents %s", p.API)
	}
	ctx = context.WithValue(ctx, callKey{}, h)
	if len(files) > 0 {
		ctx = context.WithValue(ctx, filesKey{}, files)
	}
	if prog.Check != nil {
		if err := prog.Check(ctx, p); err != nil {
			return nil, err
		}
	}
	return p.call(ctx, payload)
}
