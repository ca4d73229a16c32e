package rpc

import (
	"bufio"
	"context"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/virerror"
)

type testProc int32

func (testProc) API() string                  { return "virTestStream" }
func (testProc) ErrorDomain() virerror.Domain { return virerror.FromStreams }

const (
	testProgram = 0x7e57
	procEcho    = testProc(1) // echoes what the client sends until it finishes
	procSay     = testProc(2) // sends "hello" and ends its data (EOF)
	procFail    = testProc(3) // opens a stream, then fails the call
	procSink    = testProc(4) // counts what the client sends; confirms the finish itself
)

// sinkLimit is the most data procSink accepts before it fails the stream.
const sinkLimit = 8 << 20

// streamServer serves a program whose procedures open streams, and returns a raw
// connection to it plus the streams the handlers opened.
func streamServer(t *testing.T) (net.Conn, *bufio.Reader, chan *DataStream) {
	t.Helper()
	opened := make(chan *DataStream, 4)
	sums = make(chan [2]int64, 4)
	prog, err := NewProgram(testProgram, 1, []Procedure{
		Handle(procEcho, func(ctx context.Context, _ struct{}) (struct{}, error) {
			s, err := OpenStream(ctx)
			if err != nil {
				return struct{}{}, err
			}
			opened <- s
			go func() {
				buf := make([]byte, 64)
				for {
					n, err := s.Read(buf)
					if err != nil {
						return
					}
					s.Write(buf[:n])
				}
			}()
			return struct{}{}, nil
		}),
		Handle(procSay, func(ctx context.Context, _ struct{}) (struct{}, error) {
			s, err := OpenStream(ctx)
			if err != nil {
				return struct{}{}, err
			}
			opened <- s
			go func() {
				s.Write([]byte("hello"))
				s.CloseWrite()
			}()
			return struct{}{}, nil
		}),
		Handle(procSink, func(ctx context.Context, _ struct{}) (struct{}, error) {
			s, err := OpenStream(ctx, HandlerFinishes)
			if err != nil {
				return struct{}{}, err
			}
			opened <- s
			go func() {
				var data, holes int64
				for {
					c, err := s.Recv()
					if err == io.EOF {
						break
					}
					if err != nil {
						return
					}
					data += int64(len(c.Data))
					holes += c.Hole
					time.Sleep(time.Millisecond) // a slow disk: the client must wait, not be dropped
				}
				if data > sinkLimit {
					s.Finish(virerror.New(1, virerror.FromStreams, "too much"))
					return
				}
				s.Finish(nil)
				sums <- [2]int64{data, holes}
			}()
			return struct{}{}, nil
		}),
		Handle(procFail, func(ctx context.Context, _ struct{}) (struct{}, error) {
			s, err := OpenStream(ctx)
			if err != nil {
				return struct{}{}, err
			}
			opened <- s
			return struct{}{}, virerror.New(1, virerror.FromStreams, "no")
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, r := serve(t, prog)
	return conn, r, opened
}

// serve serves prog on a fresh unix socket and returns a raw connection to it.
func serve(t *testing.T, prog *Program) (net.Conn, *bufio.Reader) {
	t.Helper()
	srv := NewServer(Config{Name: "test", Programs: []*Program{prog}})
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "sock"))
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln, false)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	conn, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, bufio.NewReader(conn)
}

// sums receives procSink's totals of data and hole bytes of each stream it confirmed.
var sums chan [2]int64

func send(t *testing.T, conn net.Conn, h Header, data []byte) {
	t.Helper()
	h.Program, h.Version = testProgram, 1
	pkt, err := EncodeRawPacket(h, data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(pkt); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, conn net.Conn, r *bufio.Reader) Packet {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	p, err := ReadPacket(r, MaxMessage)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return p
}

func expect(t *testing.T, p Packet, typ Type, st Status, payload string) {
	t.Helper()
	if p.Type != typ || p.Status != st || string(p.Payload) != payload {
		t.Fatalf("got type %d status %d payload %q; want type %d status %d payload %q",
			p.Type, p.Status, p.Payload, typ, st, payload)
	}
}

func TestStreamEchoAndFinish(t *testing.T) {
	conn, r, opened := streamServer(t)
	send(t, conn, Header{Procedure: int32(procEcho), Type: Call, Serial: 7}, nil)
	expect(t, recv(t, conn, r), Reply, StatusOK, "")
	s := <-opened
	send(t, conn, Header{Procedure: int32(procEcho), Type: Stream, Serial: 7, Status: StatusContinue}, []byte("ping"))
	p := recv(t, conn, r)
	expect(t, p, Stream, StatusContinue, "ping")
	if p.Serial != 7 || p.Procedure != int32(procEcho) {
		t.Fatalf("data packet serial %d proc %d", p.Serial, p.Procedure)
	}
	send(t, conn, Header{Procedure: int32(procEcho), Type: Stream, Serial: 7, Status: StatusOK}, nil)
	expect(t, recv(t, conn, r), Stream, StatusOK, "") // the finish is confirmed
	<-s.Done()
	// Data for the finished stream gets the dummy reply libvirt sends.
	send(t, conn, Header{Procedure: int32(procEcho), Type: Stream, Serial: 7, Status: StatusContinue}, []byte("late"))
	expect(t, recv(t, conn, r), Reply, StatusOK, "")
}

func TestStreamServerEOF(t *testing.T) {
	conn, r, opened := streamServer(t)
	send(t, conn, Header{Procedure: int32(procSay), Type: Call, Serial: 1}, nil)
	expect(t, recv(t, conn, r), Reply, StatusOK, "") // the reply comes before any data
	expect(t, recv(t, conn, r), Stream, StatusContinue, "hello")
	expect(t, recv(t, conn, r), Stream, StatusContinue, "") // EOF
	send(t, conn, Header{Procedure: int32(procSay), Type: Stream, Serial: 1, Status: StatusOK}, nil)
	expect(t, recv(t, conn, r), Stream, StatusOK, "")
	<-(<-opened).Done()
}

func TestStreamAbortAndDisconnect(t *testing.T) {
	conn, r, opened := streamServer(t)
	send(t, conn, Header{Procedure: int32(procEcho), Type: Call, Serial: 2}, nil)
	expect(t, recv(t, conn, r), Reply, StatusOK, "")
	s := <-opened
	send(t, conn, Header{Procedure: int32(procEcho), Type: Stream, Serial: 2, Status: StatusError}, nil)
	expect(t, recv(t, conn, r), Stream, StatusOK, "")
	<-s.Done()
	if _, err := s.Read(make([]byte, 1)); err != ErrStreamAborted {
		t.Errorf("read after abort: %v", err)
	}

	send(t, conn, Header{Procedure: int32(procEcho), Type: Call, Serial: 3}, nil)
	expect(t, recv(t, conn, r), Reply, StatusOK, "")
	s = <-opened
	conn.Close()
	<-s.Done()
	if _, err := s.Write([]byte("x")); err != io.ErrClosedPipe {
		t.Errorf("write after disconnect: %v", err)
	}
}

func TestStreamDroppedWhenCallFails(t *testing.T) {
	conn, r, opened := streamServer(t)
	send(t, conn, Header{Procedure: int32(procFail), Type: Call, Serial: 4}, nil)
	if p := recv(t, conn, r); p.Type != Reply || p.Status != StatusError {
		t.Fatalf("failed call answered with type %d status %d", p.Type, p.Status)
	}
	<-(<-opened).Done()
}

func TestStreamUploadWaitsAndHandlerConfirms(t *testing.T) {
	conn, r, opened := streamServer(t)
	send(t, conn, Header{Procedure: int32(procSink), Type: Call, Serial: 5}, nil)
	expect(t, recv(t, conn, r), Reply, StatusOK, "")
	<-opened
	chunk := make([]byte, 256<<10)
	for range 24 { // 6 MiB, more than the queue holds: the server must pace us, not drop us
		send(t, conn, Header{Procedure: int32(procSink), Type: Stream, Serial: 5, Status: StatusContinue}, chunk)
	}
	var hole [12]byte
	hole[5] = 0x10 // 1 MiB, big-endian
	send(t, conn, Header{Procedure: int32(procSink), Type: StreamHole, Serial: 5, Status: StatusContinue}, hole[:])
	send(t, conn, Header{Procedure: int32(procSink), Type: Stream, Serial: 5, Status: StatusOK}, nil)
	expect(t, recv(t, conn, r), Stream, StatusOK, "")
	if got := <-sums; got != [2]int64{6 << 20, 1 << 20} {
		t.Errorf("handler got %d data and %d hole bytes; want %d and %d", got[0], got[1], 6<<20, 1<<20)
	}
}

func TestStreamHandlerRefusesFinish(t *testing.T) {
	conn, r, opened := streamServer(t)
	send(t, conn, Header{Procedure: int32(procSink), Type: Call, Serial: 6}, nil)
	expect(t, recv(t, conn, r), Reply, StatusOK, "")
	<-opened
	chunk := make([]byte, 256<<10)
	for range 36 {
		send(t, conn, Header{Procedure: int32(procSink), Type: Stream, Serial: 6, Status: StatusContinue}, chunk)
	}
	send(t, conn, Header{Procedure: int32(procSink), Type: Stream, Serial: 6, Status: StatusOK}, nil)
	if p := recv(t, conn, r); p.Type != Stream || p.Status != StatusError {
		t.Fatalf("refused finish answered with type %d status %d", p.Type, p.Status)
	}
}
