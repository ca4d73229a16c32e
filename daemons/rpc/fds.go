package rpc

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// maxFDs is VIR_NET_MESSAGE_NUM_FDS_MAX: the most descriptors one message may carry.
const maxFDs = 32

// msgReader reads a unix socket with recvmsg so that descriptors sent with
// CALL_WITH_FDS (SCM_RIGHTS) are kept, in arrival order, until a call claims them.
// A plain read would make the kernel drop them.
type msgReader struct {
	raw syscall.RawConn
	oob []byte
	fds []*os.File
}

func newMsgReader(c *net.UnixConn) (*msgReader, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &msgReader{raw: raw, oob: make([]byte, syscall.CmsgSpace(maxFDs*4))}, nil
}

func (r *msgReader) Read(p []byte) (int, error) {
	var n, oobn int
	var rerr error
	err := r.raw.Read(func(fd uintptr) bool {
		n, oobn, rerr = recvmsg(int(fd), p, r.oob)
		return rerr != syscall.EAGAIN // else wait in the runtime's poller
	})
	if err == nil {
		err = rerr
	}
	if oobn > 0 {
		r.collect(r.oob[:oobn])
	}
	if n == 0 && err == nil && len(p) > 0 {
		err = io.EOF // recvmsg returns 0 at the end of a stream socket
	}
	return n, err
}

// recvmsg is recvmsg(2) on a non-blocking socket, made as a raw system call: it never
// blocks, and leaving out the runtime's system-call bookkeeping spares a wake-up of
// the runtime's monitor thread on the first packet after an idle spell, which is
// every call of a client that waits for each reply. On virtualized hosts that
// context switch costs more than the rest of a call.
func recvmsg(fd int, p, oob []byte) (n, oobn int, err error) {
	var iov syscall.Iovec
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
	}
	msg := syscall.Msghdr{Iov: &iov, Iovlen: 1}
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), syscall.MSG_CMSG_CLOEXEC)
		switch e {
		case 0:
			return int(r), int(msg.Controllen), nil
		case syscall.EINTR:
			continue
		default:
			return 0, 0, e
		}
	}
}

func (r *msgReader) collect(oob []byte) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, m := range msgs {
		fds, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			r.fds = append(r.fds, os.NewFile(uintptr(fd), "rpc-fd"))
		}
	}
}

// take removes the first n received descriptors; false if fewer arrived.
func (r *msgReader) take(n int) ([]*os.File, bool) {
	if n > len(r.fds) {
		return nil, false
	}
	fs := r.fds[:n:n]
	r.fds = r.fds[n:]
	return fs, true
}

func (r *msgReader) closeAll() {
	for _, f := range r.fds {
		f.Close()
	}
	r.fds = nil
}

func closeFiles(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}
