package rpc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Type is virNetMessageType: what a packet is.
type Type uint32

// The message types of virnetprotocol.x.
const (
	Call         Type = 0
	Reply        Type = 1
	Message      Type = 2
	Stream       Type = 3
	CallWithFDs  Type = 4
	ReplyWithFDs Type = 5
	StreamHole   Type = 6
)

// Status is virNetMessageStatus.
type Status uint32

// The message statuses of virnetprotocol.x.
const (
	StatusOK       Status = 0
	StatusError    Status = 1
	StatusContinue Status = 2
)

// Header is virNetMessageHeader, the 24 bytes after the length word of every packet.
type Header struct {
	Program   uint32
	Version   uint32
	Procedure int32
	Type      Type
	Serial    uint32
	Status    Status
}

const (
	// HeaderSize is the encoded size of Header.
	HeaderSize = 24
	// lenSize is the size of the length word that starts every packet.
	lenSize = 4
	// MaxMessage is VIR_NET_MESSAGE_MAX: the largest packet, excluding the length word.
	MaxMessage = 32 << 20
	// MaxStreamChunk is the largest stream data payload a sender should produce
	// (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
	MaxStreamChunk = 256 << 10
)

var (
	// ErrTooLarge reports a packet whose length word exceeds the limit.
	ErrTooLarge = errors.New("packet too large")
	// ErrTooShort reports a packet too short to hold a header.
	ErrTooShort = errors.New("packet too short")
)

// Packet is one packet as read from the wire.
type Packet struct {
	Header
	// Payload is the bytes after the header.
	Payload []byte
	// Raw is the whole packet, length word included, for forwarding unchanged.
	Raw []byte
}

// ReadPacket reads one whole packet from r. It never trusts a single Read and never
// allocates more than max bytes: a length beyond max is ErrTooLarge, so a hostile peer
// cannot make the server allocate gigabytes.
func ReadPacket(r io.Reader, max int) (Packet, error) {
	var lb [lenSize]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return Packet{}, err
	}
	n := int64(binary.BigEndian.Uint32(lb[:]))
	switch {
	case n < lenSize+HeaderSize:
		return Packet{}, fmt.Errorf("%w: %d bytes", ErrTooShort, n)
	case n > int64(lenSize+max):
		return Packet{}, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, lenSize+max)
	}
	buf := packetBuf(int(n))
	copy(buf, lb[:])
	if _, err := io.ReadFull(r, buf[lenSize:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Packet{}, err
	}
	return Packet{Header: decodeHeader(buf[lenSize:]), Payload: buf[lenSize+HeaderSize:], Raw: buf}, nil
}

func decodeHeader(b []byte) Header {
	be := binary.BigEndian
	return Header{
		Program:   be.Uint32(b[0:]),
		Version:   be.Uint32(b[4:]),
		Procedure: int32(be.Uint32(b[8:])),
		Type:      Type(be.Uint32(b[12:])),
		Serial:    be.Uint32(b[16:]),
		Status:    Status(be.Uint32(b[20:])),
	}
}

// putHeader writes the length word and h at the start of pkt, a whole packet.
func putHeader(pkt []byte, h Header) {
	be := binary.BigEndian
	be.PutUint32(pkt[0:], uint32(len(pkt)))
	be.PutUint32(pkt[4:], h.Program)
	be.PutUint32(pkt[8:], h.Version)
	be.PutUint32(pkt[12:], uint32(h.Procedure))
	be.PutUint32(pkt[16:], uint32(h.Type))
	be.PutUint32(pkt[20:], h.Serial)
	be.PutUint32(pkt[24:], uint32(h.Status))
}

// newPacket starts a packet with h and room for the length word; finish it with
// finishPacket once the payload is appended.
func newPacket(h Header, sizeHint int) []byte {
	b := make([]byte, lenSize+HeaderSize, lenSize+HeaderSize+sizeHint)
	be := binary.BigEndian
	be.PutUint32(b[4:], h.Program)
	be.PutUint32(b[8:], h.Version)
	be.PutUint32(b[12:], uint32(h.Procedure))
	be.PutUint32(b[16:], uint32(h.Type))
	be.PutUint32(b[20:], h.Serial)
	be.PutUint32(b[24:], uint32(h.Status))
	return b
}

func finishPacket(b []byte) ([]byte, error) {
	if len(b) > lenSize+MaxMessage {
		return nil, fmt.Errorf("%w: reply of %d bytes", ErrTooLarge, len(b))
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b, nil
}

// EncodePacket builds a whole packet: header h followed by body encoded as XDR (nil for
// an empty payload).
func EncodePacket(h Header, body any) ([]byte, error) {
	b := newPacket(h, encodedSizeHint(body))
	if body != nil {
		var err error
		if b, err = appendXDR(b, body); err != nil {
			return nil, err
		}
	}
	return finishPacket(b)
}

// EncodeRawPacket builds a packet whose payload is raw bytes (stream data).
func EncodeRawPacket(h Header, data []byte) ([]byte, error) {
	b := newPacket(h, len(data))
	return finishPacket(append(b, data...))
}
