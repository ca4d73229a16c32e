package rpc

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// sendBuffer is the kernel's SO_SNDBUF of the server's end of the stream's client.
func sendBuffer(t *testing.T, s *DataStream) int {
	t.Helper()
	var size int
	var gerr error
	if err := s.c.raw.Control(func(fd uintptr) {
		size, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF)
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return size
}

// A stream that sends data gets a socket send buffer that holds several data packets,
// so that each packet is one write (sockbuf.go); a stream that only receives keeps the
// default.
func TestStreamGrowsSendBuffer(t *testing.T) {
	conn, r, opened := streamServer(t)
	send(t, conn, Header{Procedure: int32(procEcho), Type: Call, Serial: 3}, nil)
	expect(t, recv(t, conn, r), Reply, StatusOK, "")
	s := <-opened
	before := sendBuffer(t, s)
	send(t, conn, Header{Procedure: int32(procEcho), Type: Stream, Serial: 3, Status: StatusContinue}, []byte("ping"))
	expect(t, recv(t, conn, r), Stream, StatusContinue, "ping")
	after := sendBuffer(t, s)

	// A fresh unix socket's buffer is net.core.wmem_default; the kernel doubles what
	// it is asked for, and without privilege stops at twice net.core.wmem_max.
	if def := sysctl(t, "wmem_default"); before != def {
		t.Fatalf("send buffer before any stream data: %d bytes, want the default %d", before, def)
	}
	want := 2 * streamSendBuffer
	if os.Geteuid() != 0 {
		want = min(want, 2*sysctl(t, "wmem_max"))
	}
	if after < want {
		t.Fatalf("send buffer after stream data: %d bytes (before %d), want at least %d", after, before, want)
	}
}

func sysctl(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/core/" + name)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
