package rpc

import (
	"context"
	"encoding/binary"
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
//   - on sparse streams (vol-upload --sparse) either side may send STREAM_HOLE,
//     {hyper length; unsigned flags}, for bytes the receiver skips rather than writes;
//   - STREAM packets for no open stream get an empty REPLY and are dropped (serve).

// ErrStreamAborted is what Read returns after the client aborted the stream.
var ErrStreamAborted = errors.New("stream aborted at client request")

// maxStreamQueue bounds the data a client may send ahead of the handler's reads. When
// it is full the client's reader waits, as libvirt stops reading a client whose stream
// messages are not consumed yet: an upload goes at the pace of the disk.
const maxStreamQueue = 4 << 20

// holeCost is what a queued hole counts against maxStreamQueue, so that a flood of
// holes is bounded too.
const holeCost = 64

// Chunk is one piece of what a client sent on a stream: data, or, on a sparse stream,
// a hole of Hole bytes (STREAM_HOLE) the receiver skips instead of writing zeros.
type Chunk struct {
	Data []byte
	Hole int64
	// buf is the packet Data lies in, reused once the receiver is done with it.
	buf []byte
}

// Release hands the chunk's memory back for the next packets; Data must not be used
// after. A chunk not released is garbage collected as usual.
func (c Chunk) Release() {
	if c.buf != nil {
		releaseBuf(c.buf)
	}
}

// StreamOption qualifies a stream at OpenStream.
type StreamOption func(*DataStream)

// HandlerFinishes makes the handler confirm the client's finish with Finish, instead
// of the stream confirming it at once: an upload's data must be on disk, or a relayed
// stream's far end must have confirmed, before the client hears that all went well.
func HandlerFinishes(s *DataStream) { s.handlerFinishes = true }

// DataStream is one open data stream of a client, tied to the call that opened it.
type DataStream struct {
	c      *Client
	header Header // the opening call's program, version, procedure and serial

	ready chan struct{} // closed once the call's reply is out: data may follow
	done  chan struct{} // closed when the stream has ended, for whatever reason
	end   sync.Once

	handlerFinishes bool

	mu       sync.Mutex
	space    *sync.Cond // signalled when queued input shrinks or the stream ends
	in       []Chunk    // what the client sent, not read yet
	inLen    int
	inEOF    error // io.EOF after the client's finish, ErrStreamAborted, or a disconnect
	finished bool  // the client sent its finish (STREAM/OK)
	wake     chan struct{}
	sentEOF  bool
}

type callKey struct{}

// OpenStream opens a stream on the call running under ctx. The handler returns its
// reply as usual; the stream carries data only after that reply. If the call fails,
// the stream is dropped.
func OpenStream(ctx context.Context, opts ...StreamOption) (*DataStream, error) {
	c := ClientFrom(ctx)
	h, ok := ctx.Value(callKey{}).(Header)
	if c == nil || !ok {
		return nil, errors.New("no call to open a stream on")
	}
	s := &DataStream{c: c, header: h, ready: make(chan struct{}), done: make(chan struct{}), wake: make(chan struct{}, 1)}
	s.space = sync.NewCond(&s.mu)
	for _, o := range opts {
		o(s)
	}
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

// Recv returns the next chunk the client sent, data or hole. It returns io.EOF once
// the client finished the stream and ErrStreamAborted once it aborted it. The chunk's
// data belongs to the caller.
func (s *DataStream) Recv() (Chunk, error) {
	for {
		s.mu.Lock()
		if len(s.in) > 0 {
			c := s.in[0]
			s.in[0] = Chunk{}
			s.in = s.in[1:]
			s.inLen -= chunkCost(c)
			s.space.Broadcast()
			s.mu.Unlock()
			return c, nil
		}
		err := s.inEOF
		s.mu.Unlock()
		if err != nil {
			return Chunk{}, err
		}
		select {
		case <-s.wake:
		case <-s.done: // close set inEOF: the next round returns it
		}
	}
}

// Read returns data the client sent, skipping holes. It returns io.EOF once the client
// finished the stream and ErrStreamAborted once it aborted it.
func (s *DataStream) Read(p []byte) (int, error) {
	for {
		s.mu.Lock()
		for len(s.in) > 0 && s.in[0].Data == nil {
			s.inLen -= chunkCost(s.in[0])
			s.in = s.in[1:]
		}
		if len(s.in) > 0 {
			n := copy(p, s.in[0].Data)
			if n == len(s.in[0].Data) {
				s.in[0].Release()
				s.in[0] = Chunk{}
				s.in = s.in[1:]
			} else {
				s.in[0].Data = s.in[0].Data[n:]
			}
			s.inLen -= n
			s.space.Broadcast()
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
		case <-s.done:
		}
	}
}

func chunkCost(c Chunk) int {
	if c.Data == nil {
		return holeCost
	}
	return len(c.Data)
}

// Write sends data to the client in chunks of at most MaxStreamChunk.
func (s *DataStream) Write(p []byte) (int, error) {
	select {
	case <-s.ready:
	case <-s.done:
		return 0, io.ErrClosedPipe
	}
	s.c.growSendBuffer()
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

// WriteHole tells the client of a hole of n bytes (a sparse stream's STREAM_HOLE).
func (s *DataStream) WriteHole(n int64) error {
	select {
	case <-s.ready:
	case <-s.done:
		return io.ErrClosedPipe
	}
	var b [12]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	pkt, err := EncodeRawPacket(Header{Program: s.header.Program, Version: s.header.Version,
		Procedure: s.header.Procedure, Type: StreamHole, Serial: s.header.Serial, Status: StatusContinue}, b[:])
	if err != nil {
		return err
	}
	s.c.writePaced(pkt)
	return nil
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

// Finish answers the client's finish of a HandlerFinishes stream: with nil the stream
// ended well (STREAM/OK), otherwise the client gets err (STREAM/ERROR).
func (s *DataStream) Finish(err error) {
	if err != nil {
		s.Abort(err)
		return
	}
	select {
	case <-s.ready:
	case <-s.done:
		return
	}
	s.send(StatusOK, nil)
	s.close(io.EOF)
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
	h := s.packetHeader(st)
	pkt := packetBuf(lenSize + HeaderSize + len(data))
	putHeader(pkt, h)
	copy(pkt[lenSize+HeaderSize:], data)
	s.c.writePacedDone(pkt, func() { releaseBuf(pkt) })
	return nil
}

// SendFrom sends up to MaxStreamChunk bytes of r at off as one data packet, read
// straight into the packet. It returns how many bytes it sent; 0 with io.EOF at the
// end of r.
func (s *DataStream) SendFrom(r io.ReaderAt, off int64, n int) (int, error) {
	select {
	case <-s.ready:
	case <-s.done:
		return 0, io.ErrClosedPipe
	}
	s.c.growSendBuffer()
	n = min(n, MaxStreamChunk)
	pkt := packetBuf(lenSize + HeaderSize + n)
	got, err := r.ReadAt(pkt[lenSize+HeaderSize:], off)
	if got == 0 {
		releaseBuf(pkt)
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	pkt = pkt[:lenSize+HeaderSize+got]
	putHeader(pkt, s.packetHeader(StatusContinue))
	s.c.writePacedDone(pkt, func() { releaseBuf(pkt) })
	if err == io.EOF {
		err = nil
	}
	return got, err
}

// close ends the stream once and forgets it.
func (s *DataStream) close(why error) {
	s.end.Do(func() {
		s.mu.Lock()
		if s.inEOF == nil || s.inEOF == io.EOF && why != io.EOF {
			s.inEOF = why
		}
		s.space.Broadcast()
		s.mu.Unlock()
		s.c.smu.Lock()
		if s.c.streams[s.header.Serial] == s {
			delete(s.c.streams, s.header.Serial)
		}
		s.c.smu.Unlock()
		close(s.done)
	})
}

// packet handles a STREAM or STREAM_HOLE packet from the client for this stream;
// false if the client broke the protocol and must be dropped.
func (s *DataStream) packet(h Header, payload, raw []byte) bool {
	switch {
	case h.Type == StreamHole:
		if len(payload) < 12 {
			return false
		}
		n := int64(binary.BigEndian.Uint64(payload))
		if n < 0 {
			return false
		}
		return s.queue(Chunk{Hole: n})
	case h.Status == StatusContinue:
		if len(payload) == 0 {
			return true
		}
		// The packet's buffer is the reader's own: it is kept, not copied.
		return s.queue(Chunk{Data: payload, buf: raw})
	case h.Status == StatusOK && s.handlerFinishes:
		// Finish: the handler drains what came before and confirms (Finish).
		s.mu.Lock()
		s.finished = true
		if s.inEOF == nil {
			s.inEOF = io.EOF
		}
		s.mu.Unlock()
		s.signal()
	case h.Status == StatusOK, h.Status == StatusError:
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

// queue adds a chunk for the handler, waiting while the queue is full; false when the
// client sent data after its own finish.
func (s *DataStream) queue(c Chunk) bool {
	cost := chunkCost(c)
	s.mu.Lock()
	for s.inEOF == nil && s.inLen > 0 && s.inLen+cost > maxStreamQueue {
		s.space.Wait()
	}
	if s.finished {
		s.mu.Unlock()
		return false
	}
	if s.inEOF != nil { // ended meanwhile: the data has nowhere to go
		s.mu.Unlock()
		return true
	}
	s.in = append(s.in, c)
	s.inLen += cost
	s.mu.Unlock()
	s.signal()
	return true
}

func (s *DataStream) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// streamPacket routes a STREAM packet to its stream.
func (c *Client) streamPacket(h Header, payload, raw []byte) bool {
	c.smu.Lock()
	s := c.streams[h.Serial]
	c.smu.Unlock()
	if s == nil || s.header.Procedure != h.Procedure || s.header.Program != h.Program {
		// No such stream (any more): answer so the sender's queue moves on, as libvirt does.
		c.srv.log.Debug("stream packet for no open stream", "client", c.id, "serial", h.Serial, "proc", h.Procedure)
		c.send(Header{Program: h.Program, Version: h.Version, Procedure: h.Procedure, Type: Reply, Serial: h.Serial}, nil)
		return true
	}
	return s.packet(h, payload, raw)
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
