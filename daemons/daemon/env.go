package daemon

import (
	"context"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Frontend is the main server's program with its per-client sessions. The REMOTE
// program over the daemon's drivers is the default; virtproxyd forwards instead.
type Frontend interface {
	Program() *rpc.Program
	NewSession(*rpc.Client) rpc.Session
}

// FrontendFactory builds a daemon's frontend in place of the REMOTE program; auth
// answers its clients' authentication.
type FrontendFactory func(ctx context.Context, env *driver.Env, sockDir string, auth *remote.Auth) (Frontend, error)

type closer interface{ Close() error }
