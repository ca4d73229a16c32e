// Command rawrpc is a libvirt RPC client that costs almost nothing per call, for the
// per-call benchmark (bench/percall.sh): the rate a daemon reaches with libvirt's C
// client or go-libvirt is bounded by that client's own CPU, 50–60 µs a call, so that a
// daemon faster than the client cannot show how much faster it is. rawrpc encodes each
// request once, with go-libvirt's argument types and virtunit's packet encoder, and
// then per call writes it and reads the reply with one blocking write(2) and read(2)
// on the socket, from a thread of its own per connection: no event loop, no runtime
// poller, no decoding beyond the header.
//
//	rawrpc -socket SOCK -pid DAEMON_PID -call version|list|xml -n 5000 -k 4
//
// It prints the line bench/percall.py prints:
//
//	CALL K cpu_us_per_call X calls_per_s Y client_cpu_us_per_call Z
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/bench/cpuclock"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"golang.org/x/sys/unix"
)

func main() {
	sock := flag.String("socket", "", "unix socket of the daemon")
	pid := flag.Int("pid", 0, "the daemon's pid, whose CPU is counted")
	call := flag.String("call", "version", "version (ConnectGetVersion), list (ConnectListAllDomains) or xml (DomainGetXMLDesc of the domain -domain)")
	domain := flag.String("domain", "percall", "domain for -call xml")
	n := flag.Int("n", 5000, "calls per connection")
	k := flag.Int("k", 1, "connections, each on its own thread")
	flag.Parse()
	if err := run(*sock, *pid, *call, *domain, *n, *k); err != nil {
		fmt.Fprintln(os.Stderr, "rawrpc:", err)
		os.Exit(1)
	}
}

func run(sock string, pid int, call, domain string, n, k int) error {
	conns := make([]*conn, k)
	for i := range conns {
		c, err := open(sock)
		if err != nil {
			return err
		}
		defer c.close()
		req, err := c.request(call, domain)
		if err != nil {
			return err
		}
		for range 100 { // warm both sides up
			if _, err := c.roundTrip(req); err != nil {
				return err
			}
		}
		conns[i] = c
		c.req = req
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, k)
	spent := make([]time.Duration, k)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The thread is the connection's alone, so that its blocking read is the
			// only wait: no hand-off between threads on the client's side.
			runtime.LockOSThread()
			<-start
			c0 := threadCPU()
			for range n {
				if _, errs[i] = c.roundTrip(c.req); errs[i] != nil {
					return
				}
			}
			spent[i] = threadCPU() - c0
		}()
	}
	d0, err := cpuclock.Used(pid)
	if err != nil {
		return err
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t0)
	d1, err := cpuclock.Used(pid)
	if err != nil {
		return err
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var client time.Duration
	for _, s := range spent {
		client += s
	}
	calls := float64(n * k)
	fmt.Printf("%s %d cpu_us_per_call %.1f calls_per_s %.0f client_cpu_us_per_call %.1f\n",
		call, k, us(d1-d0)/calls, calls/wall.Seconds(), us(client)/calls)
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// threadCPU is the CPU time of the calling thread.
func threadCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// conn is one connection on a blocking socket.
type conn struct {
	fd     int
	serial uint32
	in     *bufio.Reader // one read(2) takes in a whole reply
	req    []byte
}

// fdReader reads the socket with plain read(2), outside the runtime's poller.
type fdReader int

func (fd fdReader) Read(b []byte) (int, error) {
	n, err := syscall.Read(int(fd), b)
	if n == 0 && err == nil {
		return 0, io.EOF
	}
	return max(n, 0), err
}

// open connects and opens the driver, as virsh's first call does.
func open(sock string) (*conn, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: sock}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("connect %s: %w", sock, err)
	}
	c := &conn{fd: fd, in: bufio.NewReaderSize(fdReader(fd), 1<<20)}
	req, err := c.encode(remote.ConnectOpen, libvirt.ConnectOpenArgs{Name: libvirt.OptString{"qemu:///system"}})
	if err != nil {
		return nil, err
	}
	if _, err := c.roundTrip(req); err != nil {
		c.close()
		return nil, fmt.Errorf("connect open: %w", err)
	}
	return c, nil
}

func (c *conn) close() { syscall.Close(c.fd) }

// request encodes the benchmark's call once.
func (c *conn) request(call, domain string) ([]byte, error) {
	switch call {
	case "version":
		return c.encode(remote.ConnectGetVersion, nil)
	case "list":
		return c.encode(remote.ConnectListAllDomains, libvirt.ConnectListAllDomainsArgs{NeedResults: 1})
	case "xml":
		lookup, err := c.encode(remote.DomainLookupByName, libvirt.DomainLookupByNameArgs{Name: domain})
		if err != nil {
			return nil, err
		}
		reply, err := c.roundTrip(lookup)
		if err != nil {
			return nil, fmt.Errorf("lookup %s: %w", domain, err)
		}
		var found libvirt.DomainLookupByNameRet
		if err := rpc.Decode(reply, &found); err != nil {
			return nil, fmt.Errorf("lookup %s: %w", domain, err)
		}
		return c.encode(remote.DomainGetXMLDesc, libvirt.DomainGetXMLDescArgs{Dom: found.Dom})
	}
	return nil, fmt.Errorf("unknown call %q", call)
}

func (c *conn) encode(proc remote.Proc, body any) ([]byte, error) {
	c.serial++
	return rpc.EncodePacket(rpc.Header{Program: remote.Program, Version: remote.Version,
		Procedure: int32(proc), Type: rpc.Call, Serial: c.serial}, body)
}

// roundTrip writes req and returns the payload of the reply. A request is sent again
// and again with the same serial: one call is outstanding at a time, and the daemon
// only echoes it.
func (c *conn) roundTrip(req []byte) ([]byte, error) {
	for b := req; len(b) > 0; {
		w, err := syscall.Write(c.fd, b)
		if err != nil {
			return nil, fmt.Errorf("write: %w", err)
		}
		b = b[w:]
	}
	p, err := rpc.ReadPacket(c.in, rpc.MaxMessage)
	switch {
	case err != nil:
		return nil, fmt.Errorf("read: %w", err)
	case p.Type != rpc.Reply:
		return nil, fmt.Errorf("packet of type %d, not a reply (an event or a keepalive?)", p.Type)
	case p.Status != rpc.StatusOK:
		return nil, errors.New("the daemon answered with an error")
	}
	return p.Payload, nil
}
