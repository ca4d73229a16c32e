package rpc

import (
	"context"
	"sync"
)

// PeerStream is a data stream a Peer opened with a call (vol-upload relayed to the
// storage daemon, say): the packets the other daemon sends on it arrive in order on
// Packets, and Send sends packets of the stream's own call back.
type PeerStream struct {
	p      *Peer
	header Header // the opening call's; Type and Status are set per packet

	in   chan Packet
	done chan struct{} // closed by Close or when the connection is gone
	once sync.Once
}

// peerStreamDepth is how many packets may wait for the stream's reader. When they are
// not taken, the peer's reader waits, and the other daemon slows down with it.
const peerStreamDepth = 16

// CallStream makes a call that opens a stream and returns the stream with the call's
// reply payload. A failed call opens no stream.
func (p *Peer) CallStream(ctx context.Context, prog uint32, proc int32, args []byte) (*PeerStream, []byte, error) {
	st := &PeerStream{p: p, in: make(chan Packet, peerStreamDepth), done: make(chan struct{})}
	reply, err := p.call(ctx, prog, proc, args, st)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, reply, nil
}

// Next returns the next STREAM or STREAM_HOLE packet the other daemon sent; false
// once the stream is closed or the connection is gone and nothing is left.
func (s *PeerStream) Next() (Packet, bool) {
	select {
	case pkt := <-s.in:
		return pkt, true
	case <-s.done:
		select {
		case pkt := <-s.in: // sent before the end
			return pkt, true
		default:
			return Packet{}, false
		}
	}
}

// Send sends one packet of the stream: data (Stream, StatusContinue), a hole
// (StreamHole), the finish (Stream, StatusOK) or an abort (Stream, StatusError).
func (s *PeerStream) Send(typ Type, status Status, payload []byte) error {
	h := s.header
	h.Type, h.Status = typ, status
	pkt, err := EncodeRawPacket(h, payload)
	if err != nil {
		return err
	}
	return s.p.write(pkt)
}

// Close forgets the stream; packets that still come for it are dropped.
func (s *PeerStream) Close() {
	s.p.mu.Lock()
	if s.p.streams[s.header.Serial] == s {
		delete(s.p.streams, s.header.Serial)
	}
	s.p.mu.Unlock()
	s.end()
}

func (s *PeerStream) end() { s.once.Do(func() { close(s.done) }) }

// streamPacket hands a stream packet to its stream. The stream's serial is held until
// Close, so its reader has the packets in order; a packet for no stream is dropped.
func (p *Peer) streamPacket(pkt Packet) {
	p.mu.Lock()
	st := p.streams[pkt.Serial]
	p.mu.Unlock()
	if st == nil {
		return
	}
	select {
	case st.in <- pkt:
	case <-st.done: // closed meanwhile: nobody reads it any more
	}
}
