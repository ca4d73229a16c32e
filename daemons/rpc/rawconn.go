package rpc

import (
	"io"
	"net"
	"syscall"
	"unsafe"
)

// rawTCPConn is a TCP connection read and written with raw system calls, for the
// reason recvmsg is one (fds.go): the runtime's bookkeeping around an ordinary system
// call wakes its monitor thread whenever it sleeps, which between the calls of a client
// that waits for each reply is every time. TLS and plain TCP clients otherwise paid
// that wake-up twice a call. A read or write that would block waits in the runtime's
// poller as before, deadlines included.
type rawTCPConn struct {
	*net.TCPConn
	rc syscall.RawConn
}

func newRawTCPConn(c *net.TCPConn) (net.Conn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &rawTCPConn{TCPConn: c, rc: rc}, nil
}

func (c *rawTCPConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var rerr error
	err := c.rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			switch e {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait in the poller
			case 0:
				n = int(r)
			default:
				rerr = e
			}
			return true
		}
	})
	switch {
	case err != nil:
		return 0, err
	case rerr != nil:
		return 0, rerr
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (c *rawTCPConn) Write(p []byte) (int, error) {
	var n int
	var werr error
	err := c.rc.Write(func(fd uintptr) bool {
		for n < len(p) {
			m, e := rawWrite(int(fd), p[n:])
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
				return false // wait in the poller for room
			case e != nil:
				werr = e
				return true
			}
			n += m
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return n, err
}
