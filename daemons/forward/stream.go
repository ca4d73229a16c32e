package forward

import (
	"context"
	"encoding/binary"
	"errors"
	"io"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// passStream passes a call that opens a data stream (vol-upload, vol-download) and
// then relays the stream both ways: the client's data, holes and finish to the other
// daemon, and that daemon's data, holes, end of data and confirmation back. The
// client hears its finish confirmed only when the other daemon confirmed it.
func (f *Forwarder) passStream(fam *Family, p remote.Proc) func(context.Context, []byte) (any, error) {
	return func(ctx context.Context, payload []byte) (any, error) {
		b, err := f.backend(ctx, fam)
		if err != nil {
			return nil, err
		}
		local, err := rpc.OpenStream(ctx, rpc.HandlerFinishes)
		if err != nil {
			return nil, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromRPC, "%v", err)
		}
		far, reply, err := b.peer.CallStream(ctx, remote.Program, int32(p), payload)
		if err != nil {
			return nil, err // the local stream is dropped with the failed call
		}
		go toFar(local, far)
		go fromFar(local, far)
		return rpc.RawReply(reply), nil
	}
}

// toFar sends what the client sends on the far stream, until the client finishes or
// aborts.
func toFar(local *rpc.DataStream, far *rpc.PeerStream) {
	for {
		c, err := local.Recv()
		switch {
		case errors.Is(err, io.EOF):
			far.Send(rpc.Stream, rpc.StatusOK, nil)
			return
		case err != nil:
			far.Send(rpc.Stream, rpc.StatusError, nil)
			return
		case c.Data != nil:
			err := far.Send(rpc.Stream, rpc.StatusContinue, c.Data)
			c.Release()
			if err != nil {
				return
			}
		default:
			var h [12]byte
			binary.BigEndian.PutUint64(h[:], uint64(c.Hole))
			if far.Send(rpc.StreamHole, rpc.StatusContinue, h[:]) != nil {
				return
			}
		}
	}
}

// fromFar passes the far daemon's stream packets to the client until the far end
// confirms or fails the stream.
func fromFar(local *rpc.DataStream, far *rpc.PeerStream) {
	defer far.Close()
	for {
		pkt, ok := far.Next()
		if !ok {
			local.Abort(virerror.New(libvirt.ErrRPC, virerror.FromRPC, "stream had I/O failure"))
			return
		}
		switch {
		case pkt.Type == rpc.StreamHole:
			if len(pkt.Payload) >= 8 {
				local.WriteHole(int64(binary.BigEndian.Uint64(pkt.Payload)))
			}
		case pkt.Status == rpc.StatusContinue && len(pkt.Payload) == 0:
			local.CloseWrite()
		case pkt.Status == rpc.StatusContinue:
			if _, err := local.Write(pkt.Payload); err != nil {
				far.Send(rpc.Stream, rpc.StatusError, nil)
				return
			}
		case pkt.Status == rpc.StatusOK:
			local.Finish(nil)
			return
		default:
			local.Finish(rpc.DecodeRemoteError(pkt.Payload))
			return
		}
	}
}
