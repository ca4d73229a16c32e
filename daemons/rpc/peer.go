package rpc

import (
	"bufio"
	"context"
	"net"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// Peer is a client connection from one daemon to another (virtqemud to virtnetworkd,
// say) that several goroutines use at once: calls are matched to replies by serial,
// events arrive on a callback, keepalive PINGs are answered. The daemon uses it to
// serve a procedure through the daemon that owns it, as libvirt's modular daemons open
// a secondary driver's connection.
type Peer struct {
	conn net.Conn
	wmu  sync.Mutex

	mu      sync.Mutex
	serial  uint32
	pending map[uint32]chan Packet
	streams map[uint32]*PeerStream
	err     error // set once the connection is gone
	done    chan struct{}

	onMessage func(Packet)
}

// DialPeer connects to the daemon on the unix socket at path. onMessage receives every
// MESSAGE packet (events) other than keepalive; it must not block for long.
func DialPeer(ctx context.Context, path string, onMessage func(Packet)) (*Peer, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromRPC, "Failed to connect socket to '%s': %s", path, virerror.Strerror(err))
	}
	return NewPeer(c, onMessage), nil
}

// NewPeer runs the client side of an established connection (TCP, TLS): conn is the
// peer's from now on.
func NewPeer(conn net.Conn, onMessage func(Packet)) *Peer {
	p := &Peer{conn: conn, pending: map[uint32]chan Packet{}, streams: map[uint32]*PeerStream{}, done: make(chan struct{}), onMessage: onMessage}
	go p.read()
	return p
}

// Done is closed when the connection is gone.
func (p *Peer) Done() <-chan struct{} { return p.done }

// Close closes the connection; calls in flight fail.
func (p *Peer) Close() error { return p.conn.Close() }

func (p *Peer) read() {
	r := bufio.NewReaderSize(p.conn, 16<<10)
	var err error
	for {
		var pkt Packet
		if pkt, err = ReadPacket(r, MaxMessage); err != nil {
			break
		}
		switch {
		case pkt.Program == KeepaliveProgram:
			if pkt.Procedure == keepalivePing {
				pong, _ := EncodePacket(Header{Program: KeepaliveProgram, Version: KeepaliveVersion, Procedure: keepalivePong, Type: Message}, nil)
				p.write(pong)
			}
		case pkt.Type == Message:
			if p.onMessage != nil {
				p.onMessage(pkt)
			}
		case pkt.Type == Stream || pkt.Type == StreamHole:
			p.streamPacket(pkt)
		case pkt.Type == Reply:
			p.mu.Lock()
			ch := p.pending[pkt.Serial]
			delete(p.pending, pkt.Serial)
			p.mu.Unlock()
			if ch != nil {
				ch <- pkt
			}
		}
	}
	p.mu.Lock()
	p.err = virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "End of file while reading data: %v", err)
	for s, ch := range p.pending {
		close(ch)
		delete(p.pending, s)
	}
	streams := p.streams
	p.streams = map[uint32]*PeerStream{}
	p.mu.Unlock()
	for _, st := range streams {
		st.end()
	}
	p.conn.Close()
	close(p.done)
}

func (p *Peer) write(pkt []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_, err := p.conn.Write(pkt)
	return err
}

// CallRaw sends one call whose arguments are already encoded and returns the reply's
// payload. An error reply comes back as the *virerror.Error the other daemon sent.
func (p *Peer) CallRaw(ctx context.Context, prog uint32, proc int32, args []byte) ([]byte, error) {
	return p.call(ctx, prog, proc, args, nil)
}

// call sends one call and waits for its reply; st, when set, is registered under the
// call's serial before the call leaves, so no stream packet that follows the reply is
// missed.
func (p *Peer) call(ctx context.Context, prog uint32, proc int32, args []byte, st *PeerStream) ([]byte, error) {
	ch := make(chan Packet, 1)
	p.mu.Lock()
	if p.err != nil {
		p.mu.Unlock()
		return nil, p.err
	}
	serial := p.serial
	p.serial++
	p.pending[serial] = ch
	if st != nil {
		st.header = Header{Program: prog, Version: 1, Procedure: proc, Type: Stream, Serial: serial}
		p.streams[serial] = st
	}
	p.mu.Unlock()
	pkt, err := EncodeRawPacket(Header{Program: prog, Version: 1, Procedure: proc, Type: Call, Serial: serial}, args)
	if err == nil {
		err = p.write(pkt)
	}
	if err != nil {
		p.forget(serial)
		return nil, virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "cannot send data: %v", err)
	}
	select {
	case reply, ok := <-ch:
		if !ok {
			p.mu.Lock()
			defer p.mu.Unlock()
			return nil, p.err
		}
		if reply.Status == StatusError {
			return nil, decodeRemoteError(reply.Payload)
		}
		return reply.Payload, nil
	case <-ctx.Done():
		p.forget(serial)
		return nil, virerror.Wrap(ctx.Err(), libvirt.ErrOperationTimeout, virerror.FromRPC, "no reply from the daemon: %v", ctx.Err())
	}
}

func (p *Peer) forget(serial uint32) {
	p.mu.Lock()
	delete(p.pending, serial)
	p.mu.Unlock()
}

// Call is CallRaw with XDR encoding of args and decoding into ret (nil for none).
func (p *Peer) Call(ctx context.Context, prog uint32, proc int32, args, ret any) error {
	var b []byte
	if args != nil {
		var err error
		if b, err = Encode(args); err != nil {
			return err
		}
	}
	payload, err := p.CallRaw(ctx, prog, proc, b)
	if err != nil || ret == nil {
		return err
	}
	if err := Decode(payload, ret); err != nil {
		return virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "Unable to decode message payload")
	}
	return nil
}

// DecodeRemoteError is the error a remote_error payload carries (a relayed stream's
// STREAM/ERROR).
func DecodeRemoteError(payload []byte) error { return decodeRemoteError(payload) }

func decodeRemoteError(payload []byte) error {
	var re remoteError
	if err := Decode(payload, &re); err != nil {
		return virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "Unable to decode message payload")
	}
	msg := ""
	if len(re.Message) > 0 {
		msg = re.Message[0]
	}
	return virerror.Verbatim(libvirt.ErrorNumber(re.Code), virerror.Domain(re.Domain), msg)
}

// RawReply is a reply payload already encoded (a forwarded reply), sent as is.
type RawReply []byte
