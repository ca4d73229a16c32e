package rpc

import "context"

// Caller makes calls of a program by number: a Peer to another daemon, or a daemon's
// own program (Program.Invoke) when the callee lives in the same process.
type Caller interface {
	Call(ctx context.Context, prog uint32, proc int32, args, ret any) error
}
