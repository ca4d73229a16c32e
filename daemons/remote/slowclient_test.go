package remote_test

import (
	"bytes"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// TestClientsThatDoNotReadHoldNoWorker: clients that send calls and never read the
// replies stop being read once max_client_requests replies wait for them; the workers
// go on serving everyone else, and the silent clients are dropped after the keepalive
// period without reading.
func TestClientsThatDoNotReadHoldNoWorker(t *testing.T) {
	s := startServer(t, rpc.Limits{MaxWorkers: 2, MinWorkers: 2, MaxClientRequests: 5,
		KeepaliveInterval: 500 * time.Millisecond, KeepaliveCount: 2})
	close(s.drv.release)

	// Enough calls to fill both directions' socket buffers many times over.
	var calls bytes.Buffer
	for i := uint32(1); i <= 50000; i++ {
		pkt, err := rpc.EncodePacket(rpc.Header{Program: remote.Program, Version: 1,
			Procedure: int32(remote.DomainGetState), Type: rpc.Call, Serial: i},
			libvirt.DomainGetStateArgs{Dom: libvirt.Domain{Name: "d"}})
		if err != nil {
			t.Fatal(err)
		}
		calls.Write(pkt)
	}
	var silent []*rawConn
	for range 5 {
		rc := dialRaw(t, s.rw)
		rc.open()
		silent = append(silent, rc)
		go rc.c.Write(calls.Bytes()) // blocks once the server stops reading; never read
	}
	time.Sleep(200 * time.Millisecond)

	good := connect(t, s.rw, "qemu:///session")
	done := make(chan error, 1)
	go func() {
		done <- good.DomainCreate(libvirt.Domain{Name: "quick"})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("call beside silent clients: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a client's call hangs while other clients do not read their replies")
	}

	// Past the keepalive period (1 s here) each silent client is dropped: its socket
	// holds what the server managed to write, then ends.
	time.Sleep(2 * time.Second)
	for i, rc := range silent {
		rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := io.Copy(io.Discard, rc.c)
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("silent client %d not dropped: %v", i, err)
		}
		if n > 50000*28 {
			t.Errorf("silent client %d got %d bytes: every reply was written", i, n)
		}
	}
}
