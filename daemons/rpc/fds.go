package rpc

import (
	"io"
	"net"
	"os"
	"syscall"
)

// maxFDs is VIR_NET_MESSAGE_NUM_FDS_MAX: the most descriptors one message may carry.
const maxFDs = 32

// msgReader reads a unix socket with recvmsg so that descriptors sent with
// CALL_WITH_FDS (SCM_RIGHTS) are kept, in arrival order, until a call claims them.
// A plain read would make the kernel drop them.
type msgReader struct {
	conn *net.UnixConn
	oob  []byte
	fds  []*os.File
}

func newMsgReader(c *net.UnixConn) *msgReader {
	return &msgReader{conn: c, oob: make([]byte, syscall.CmsgSpace(maxFDs*4))}
}

func (r *msgReader) Read(p []byte) (int, error) {
	n, oobn, _, _, err := r.conn.ReadMsgUnix(p, r.oob)
	if oobn > 0 {
		r.collect(r.oob[:oobn])
	}
	if n < 0 {
		n = 0
	}
	if n == 0 && err == nil && len(p) > 0 {
		err = io.EOF // recvmsg returns 0 at the end of a stream socket
	}
	return n, err
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
