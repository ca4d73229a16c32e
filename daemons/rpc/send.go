package rpc

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// Everything the server sends a client goes through one queue per client, written in
// order: by the goroutine that queues a packet when the queue is idle and the socket
// takes it at once (no hand-off on the common path), else by a writer goroutine. No
// worker ever waits for a client to read:
//
//   - A reply is queued and its worker goes back to the pool. The call keeps its
//     max_client_requests slot until the reply is written, as libvirt counts a request
//     until its reply is sent, so a client that sends calls and reads nothing stops
//     being read after that many, and what it costs stays bounded.
//   - Events and keepalive messages are queued; past maxQueuedBytes of unsent output
//     the client is dropped.
//   - Stream data and relayed packets wait for room (pacedBytes) instead: they come at
//     the client's pace.
//
// Output that makes no progress for the keepalive period (interval × count, libvirt's
// bound for a client that stopped answering) closes the client, with a log line.

// maxQueuedBytes bounds the unsent output of a client: a few maximal messages.
const maxQueuedBytes = 2 * MaxMessage

// pacedBytes is the unsent output above which a stream or a relay waits.
const pacedBytes = 1 << 20

// outPacket is one queued packet and what to do once it is written (or dropped with
// its client).
type outPacket struct {
	data []byte
	done func()
}

// SendMessage queues an asynchronous MESSAGE packet (an event) for the client. Events
// never block the publisher: a client that stops reading and lets them pile up is
// disconnected instead.
func (c *Client) SendMessage(program uint32, proc int32, body any) error {
	// libvirtd sends events with serial 1, whatever the .x file says.
	pkt, err := EncodePacket(Header{Program: program, Version: 1, Procedure: proc, Type: Message, Serial: 1}, body)
	if err != nil {
		return err
	}
	c.post(pkt, nil)
	return nil
}

// SendRawMessage queues a MESSAGE packet whose payload is already encoded (an event
// forwarded from another daemon).
func (c *Client) SendRawMessage(program uint32, proc int32, payload []byte) error {
	pkt, err := EncodeRawPacket(Header{Program: program, Version: 1, Procedure: proc, Type: Message, Serial: 1}, payload)
	if err != nil {
		return err
	}
	c.post(pkt, nil)
	return nil
}

// send encodes and queues a packet without a payload of its own (keepalive).
func (c *Client) send(h Header, body any) {
	pkt, err := EncodePacket(h, body)
	if err != nil {
		c.srv.log.Error("cannot encode packet", "err", err)
		return
	}
	c.post(pkt, nil)
}

// post queues pkt without waiting; done, if set, runs once pkt is written or the
// client is gone.
func (c *Client) post(pkt []byte, done func()) {
	c.qmu.Lock()
	if c.queued+len(pkt) > maxQueuedBytes {
		queued := c.queued
		c.qmu.Unlock()
		c.srv.log.Warn("client does not read what the server sends; closing it",
			"server", c.srv.name, "client", c.id, "pid", c.cred.Pid, "queued_bytes", queued)
		c.Close()
		if done != nil {
			done()
		}
		return
	}
	c.queueLocked(outPacket{pkt, done})
}

// writePaced queues pkt once the client's unsent output is below pacedBytes, for
// producers that must go at the client's pace (stream data, a relayed backend).
func (c *Client) writePaced(pkt []byte) { c.writePacedDone(pkt, nil) }

// writePacedDone is writePaced with done run once pkt is written or dropped.
func (c *Client) writePacedDone(pkt []byte, done func()) {
	c.qmu.Lock()
	for c.queued > pacedBytes && !c.isClosed() {
		c.qcond.Wait()
	}
	if c.isClosed() {
		c.qmu.Unlock()
		if done != nil {
			done()
		}
		return
	}
	c.queueLocked(outPacket{data: pkt, done: done})
}

// queueLocked adds p to the queue, with c.qmu held, and releases the lock. When no
// one is writing, the caller tries the socket itself; what the socket does not take
// at once goes to a writer goroutine.
func (c *Client) queueLocked(p outPacket) {
	if c.sending {
		c.queue = append(c.queue, p)
		c.queued += len(p.data)
		c.qmu.Unlock()
		return
	}
	c.sending = true
	c.qmu.Unlock()
	n, err := c.tryWrite(p.data)
	c.wrote(p, n, err)
}

// wrote finishes a direct write that took n bytes of p.data (c.sending held): the
// rest, and whatever was queued meanwhile, goes to a writer goroutine.
func (c *Client) wrote(p outPacket, n int, err error) {
	if err != nil {
		c.Close()
	}
	c.qmu.Lock()
	if err == nil && n < len(p.data) {
		p.data = p.data[n:]
		c.queue = append([]outPacket{p}, c.queue...)
		c.queued += len(p.data)
		c.qmu.Unlock()
		go c.drain()
		return
	}
	if len(c.queue) > 0 && err == nil {
		c.qmu.Unlock()
		go c.drain()
	} else {
		c.sending = false
		c.qmu.Unlock()
	}
	if p.done != nil {
		p.done()
	}
}

// postString queues a packet of head followed by s as an XDR string, head's length
// word covering both. A socket that is idle takes it in one writev from s itself: a
// document of tens of KiB is then neither copied nor allocated again for each reply.
// Only what the socket does not take at once is copied into a queued packet.
func (c *Client) postString(head []byte, s string, done func()) {
	c.qmu.Lock()
	if c.sending || c.raw == nil {
		c.qmu.Unlock()
		c.post(joinString(head, s), done)
		return
	}
	c.sending = true
	c.qmu.Unlock()
	n, err := c.tryWriteString(head, s)
	p := outPacket{done: done}
	if err == nil && n < len(head)+xdrStringLen(s)-4 {
		p.data = joinString(head, s)[n:]
		n = 0
	}
	c.wrote(p, n, err)
}

// joinString is the packet postString sends, in one slice.
func joinString(head []byte, s string) []byte {
	return appendString(append(make([]byte, 0, len(head)-4+xdrStringLen(s)), head[:len(head)-4]...), s)
}

// xdrStringLen is the size of s encoded: length word, bytes, padding.
func xdrStringLen(s string) int { return 4 + len(s) + (4-len(s)%4)%4 }

// tryWriteString is tryWrite of head, s and its padding, with writev.
func (c *Client) tryWriteString(head []byte, s string) (int, error) {
	var pad [3]byte
	parts := [3][]byte{head, unsafe.Slice(unsafe.StringData(s), len(s)), pad[:(4-len(s)%4)%4]}
	total := len(head) + len(parts[1]) + len(parts[2])
	var n int
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for n < total {
			var iov [3]syscall.Iovec
			k, skip := 0, n
			for _, b := range parts {
				if skip >= len(b) {
					skip -= len(b)
					continue
				}
				iov[k].Base = &b[skip]
				iov[k].SetLen(len(b) - skip)
				k, skip = k+1, 0
			}
			r, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(k))
			switch {
			case e == syscall.EINTR:
			case e == syscall.EAGAIN:
				return true // never wait for the socket here
			case e != 0:
				werr = e
				return true
			default:
				n += int(r)
			}
		}
		return true
	})
	if err != nil {
		return n, err
	}
	return n, werr
}

// drain writes the queue until it is empty, blocking on the socket as it must.
func (c *Client) drain() {
	stall := c.srv.Limits().KeepaliveInterval * time.Duration(max(c.srv.Limits().KeepaliveCount, 1))
	for {
		c.qmu.Lock()
		if len(c.queue) == 0 || c.isClosed() {
			rest := c.queue
			c.queue, c.queued, c.sending = nil, 0, false
			c.qcond.Broadcast()
			c.qmu.Unlock()
			for _, p := range rest {
				if p.done != nil {
					p.done()
				}
			}
			return
		}
		p := c.queue[0]
		c.queue[0] = outPacket{}
		c.queue = c.queue[1:]
		c.qmu.Unlock()

		err := c.writeAll(p.data, stall)
		c.qmu.Lock()
		c.queued -= len(p.data)
		c.qcond.Broadcast()
		c.qmu.Unlock()
		if p.done != nil {
			p.done()
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.srv.log.Warn("client has read nothing for the keepalive period; closing it",
					"server", c.srv.name, "client", c.id, "pid", c.cred.Pid, "seconds", int(stall.Seconds()))
			}
			c.Close()
		}
	}
}

// writeAll writes b, giving up when no byte has gone for stall (0: no bound).
func (c *Client) writeAll(b []byte, stall time.Duration) error {
	if stall > 0 {
		// A deadline left behind would fail the next direct attempt unseen.
		defer c.conn.SetWriteDeadline(time.Time{})
	}
	for len(b) > 0 {
		if stall > 0 {
			c.conn.SetWriteDeadline(time.Now().Add(stall))
		}
		n, err := c.conn.Write(b)
		b = b[n:]
		if err != nil && !(errors.Is(err, os.ErrDeadlineExceeded) && n > 0) {
			return err
		}
	}
	return nil
}

// tryWrite writes as much of b as the socket takes without waiting. Where the
// transport has no descriptor to try (a pipe in tests, TLS), it takes nothing and the
// writer goroutine does the work.
func (c *Client) tryWrite(b []byte) (int, error) {
	if c.raw == nil {
		return 0, nil
	}
	var n int
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for {
			m, err := rawWrite(int(fd), b[n:])
			if m > 0 {
				n += m
			}
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
			case err != nil:
				werr = err
			case n < len(b) && m > 0:
				continue
			}
			return true // never wait for the socket here
		}
	})
	if err != nil {
		return n, err
	}
	return n, werr
}

// rawWrite is write(2) on a non-blocking socket as a raw system call, for the reason
// recvmsg is one.
func rawWrite(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

func (c *Client) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}
