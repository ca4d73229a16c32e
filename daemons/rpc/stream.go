package rpc

import (
	"context"
	"errors"
	"io"
	"sync"
)

// Streams (virsh console, vol-upload, ...) follow libvirt's rules
// (src/rpc/virnetserverprogram.c, src/remote/remote_daemon_stream.c):
//
//   - the call that opens a stream is answered by an ordinary REPLY; data flows only
//     after it, as STREAM packets carrying the call's program, procedure and serial;
//   - data is STREAM/CONTINUE with raw bytes; an empty STREAM/CONTINUE from the server
//     is its end of data (EOF);
//   - the client ends its side with STREAM/OK ("finish") or aborts with STREAM/ERROR;
//     either way it waits for the server's confirmation, an empty STREAM/OK;
//   - the server reports a failure with STREAM/ERROR carrying a remote_error;
//   - STREAM packets for no open stream get an empty REPLY and are dropped (serve).

// ErrStreamAborted is what Read returns after the client aborted the stream.
var ErrStreamAborted = errors.New("stream aborted at client request")

// maxStreamQueue bounds the data a client may send ahead of the handler's reads.
const maxStreamQueue = 4 << 20

// DataStream is one open data stream of a client, tied to the call that opened it.
type DataStream struct {
	c      *Client
	header Header // the opening call's program, version, procedure and serial

	ready chan struct{} // closed once the call's reply is out: data may follow
	done  chan struct{} // closed when the stream has ended, for whatever reason
	end   sync.Once

	mu      sync.Mutex
	in      [][]byte // data from the client not read yet
	inLen   int
	inEOF   error // io.EOF after the client's finish, ErrStreamAborted, or a disconnect
	wake    chan struct{}
	sentEOF bool
}

type callKey struct{}

// OpenStream opens a stream on the call running under ctx. The handler returns its
// reply as usual; the stream carries data only after that reply. If the call fails,
// the stream is dropped.
func OpenStream(ctx context.Context) (*DataStream, error) {
	c := ClientFrom(ctx)
	h, ok := ctx.Value(callKey{}).(Header)
	if c == nil || !ok {
		return nil, errors.New("no call to open a stream on")
	}
	s := &DataStream{c: c, header: h, ready: make(chan struct{}), done: make(chan struct{}), wake: make(chan struct{}, 1)}
	c.smu.Lock()
	defer c.smu.Unlock()
	if c.streams == nil {
		c.streams = map[uint32]*DataStream{}
	}
	if _, dup := c.streams[h.Serial]; dup {
		return nil, errors.New("a stream is already open on this call")
	}
	c.streams[h.Serial] = s
	return s, nil
}

// Done is closed when the stream has ended: finished or aborted by either side, or
// the client gone.
func (s *DataStream) Done() <-chan struct{} { return s.done }

// Read returns data the client sent. It returns io.EOF once the client finished the
// stream and ErrStreamAborted once it aborted it.
func (s *DataStream) Read(p []byte) (int, error) {
	for {
		s.mu.Lock()
		if len(s.in) > 0 {
			n := copy(p, s.in[0])
			if n == len(s.in[0]) {
				s.in = s.in[1:]
			} else {
				s.in[0] = s.in[0][n:]
			}
			s.inLen -= n
			s.mu.Unlock()
			return n, nil
		}
		err := s.inEOF
		s.mu.Unlock()
		if err != nil {
			return 0, err
		}
		select {
		case <-s.wake:
		case <-s.done: // close set inEOF: the next round returns it
		}
	}
}

// Write sends data to the client in chunks of at most MaxStreamChunk.
func (s *DataStream) Write(p []byte) (int, error) {
	select {
	case <-s.ready:
	case <-s.done:
		return 0, io.ErrClosedPipe
	}
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), MaxStreamChunk)]
		if err := s.send(StatusContinue, chunk); err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// CloseWrite tells the client there is no more data (EOF). The client then finishes
// the stream, and the server confirms.
func (s *DataStream) CloseWrite() error {
	select {
	case <-s.ready:
	case <-s.done:
		return io.ErrClosedPipe
	}
	s.mu.Lock()
	if s.sentEOF {
		s.mu.Unlock()
		return nil
	}
	s.sentEOF = true
	s.mu.Unlock()
	return s.send(StatusContinue, []byte{})
}

// Abort ends the stream with an error the client reports (STREAM/ERROR).
func (s *DataStream) Abort(err error) {
	select {
	case <-s.ready:
	case <-s.done:
		return
	}
	pkt, encErr := EncodePacket(s.packetHeader(StatusError), wireError(s.c.srv.log, err))
	if encErr == nil {
		s.c.post(pkt, nil)
	}
	s.close(ErrStreamAborted)
}

func (s *DataStream) packetHeader(st Status) Header {
	h := s.header
	h.Type, h.Status = Stream, st
	return h
}

func (s *DataStream) send(st Status, data []byte) error {
	select {
	case <-s.done:
		return io.ErrClosedPipe
	default:
	}
	pkt, err := EncodeRawPacket(s.packetHeader(st), data)
	if err != nil {
		return err
	}
	s.c.writePaced(pkt)
	return nil
}

// close ends the stream once and forgets it.
func (s *DataStream) close(why error) {
	s.end.Do(func() {
		s.mu.Lock()
		if s.inEOF == nil {
			s.inEOF = why
		}
		s.mu.Unlock()
		s.c.smu.Lock()
		if s.c.streams[s.header.Serial] == s {
			delete(s.c.streams, s.header.Serial)
		}
		s.c.smu.Unlock()
		close(s.done)
	})
}

// packet handles a STREAM packet from the client for this stream; false if the
// client broke the protocol and must be dropped.
func (s *DataStream) packet(h Header, payload []byte) bool {
	switch h.Status {
	case StatusContinue:
		s.mu.Lock()
		if s.inEOF != nil || s.inLen+len(payload) > maxStreamQueue {
			s.mu.Unlock()
			return false
		}
		if len(payload) > 0 {
			s.in = append(s.in, append([]byte(nil), payload...))
			s.inLen += len(payload)
		}
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	case StatusOK, StatusError:
		// Finish or abort: either way the client waits for an empty STREAM/OK.
		why := io.EOF
		if h.Status == StatusError {
			why = ErrStreamAborted
		}
		s.send(StatusOK, nil)
		s.close(why)
	}
	return true
}

// streamPacket routes a STREAM packet to its stream.
func (c *Client) streamPacket(h Header, payload []byte) bool {
	c.smu.Lock()
	s := c.streams[h.Serial]
	c.smu.Unlock()
	if s == nil || s.header.Procedure != h.Procedure || s.header.Program != h.Program {
		// No such stream (any more): answer so the sender's queue moves on, as libvirt does.
		c.srv.log.Debug("stream packet for no open stream", "client", c.id, "serial", h.Serial, "proc", h.Procedure)
		c.send(Header{Program: h.Program, Version: h.Version, Procedure: h.Procedure, Type: Reply, Serial: h.Serial}, nil)
		return true
	}
	return s.packet(h, payload)
}

// callAnswered starts the streams a call opened once its reply is out, or drops them
// when the call failed.
func (c *Client) callAnswered(serial uint32, ok bool) {
	c.smu.Lock()
	s := c.streams[serial]
	c.smu.Unlock()
	if s == nil {
		return
	}
	select {
	case <-s.ready:
		return // an older stream still running on a reused serial
	default:
	}
	if ok {
		close(s.ready)
	} else {
		s.close(io.ErrClosedPipe)
	}
}

// closeStreams ends every stream of a client that is gone.
func (c *Client) closeStreams() {
	c.smu.Lock()
	ss := make([]*DataStream, 0, len(c.streams))
	for _, s := range c.streams {
		ss = append(ss, s)
	}
	c.smu.Unlock()
	for _, s := range ss {
		s.close(io.ErrClosedPipe)
	}
}
