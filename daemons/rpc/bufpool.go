package rpc

import "sync"

// Stream data moves in packets of up to MaxStreamChunk: a 1 GiB upload is 4096 of
// them. Allocating each afresh makes the garbage collector run hundreds of times per
// GiB, which costs more than the copying; their buffers are reused instead. A buffer
// not given back is simply collected.

// streamBufSize holds a whole stream data packet, length word and header included.
const streamBufSize = lenSize + HeaderSize + MaxStreamChunk

var streamBufs = sync.Pool{New: func() any { b := make([]byte, streamBufSize); return &b }}

// packetBuf returns a buffer of n bytes, from the pool when n is the size of stream
// data.
func packetBuf(n int) []byte {
	if n > streamBufSize || n < streamBufSize/4 {
		return make([]byte, n)
	}
	return (*streamBufs.Get().(*[]byte))[:n]
}

// releaseBuf gives a buffer from packetBuf back. The caller must not use b after.
func releaseBuf(b []byte) {
	if cap(b) != streamBufSize {
		return
	}
	b = b[:cap(b)]
	streamBufs.Put(&b)
}
