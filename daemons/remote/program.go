package remote

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/virtunit/virtunit/daemons/host"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Config describes what a daemon's REMOTE program serves.
type Config struct {
	// Schemes are the URI schemes the daemon opens; the first is used for a probe
	// (CONNECT_OPEN with an empty name).
	Schemes    []string
	Privileged bool
	Host       *host.Host
	Hub        *rpc.Hub
	Drivers    []Driver
	Log        *slog.Logger
}

// Remote is a daemon's REMOTE program.
type Remote struct {
	cfg         Config
	prog        *rpc.Program
	hypervisors map[string]Hypervisor
}

// New assembles the connection-level procedures and every driver's table into the
// REMOTE program.
func New(cfg Config) (*Remote, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	r := &Remote{cfg: cfg, hypervisors: map[string]Hypervisor{}}
	tables := [][]rpc.Procedure{r.connectProcedures(), r.hostProcedures()}
	for _, d := range cfg.Drivers {
		tables = append(tables, d.Procedures())
		if hv, ok := d.(Hypervisor); ok {
			for _, s := range hv.Schemes() {
				r.hypervisors[s] = hv
			}
		}
	}
	for _, s := range cfg.Schemes {
		if _, ok := connectionTypes[s]; !ok {
			return nil, fmt.Errorf("unknown URI scheme %q", s)
		}
	}
	prog, err := rpc.NewProgram(Program, Version, tables...)
	if err != nil {
		return nil, err
	}
	prog.Check = r.check
	r.prog = prog
	return r, nil
}

// Program is the assembled program, for the daemon's main server.
func (r *Remote) Program() *rpc.Program { return r.prog }

// NewSession creates the per-client state; the daemon's server calls it on accept.
func (r *Remote) NewSession(c *rpc.Client) rpc.Session {
	return &Session{hub: r.cfg.Hub, client: c}
}

// preOpen are the procedures a client may call before CONNECT_OPEN.
var preOpen = map[int32]bool{
	int32(AuthList):               true,
	int32(AuthSaslInit):           true,
	int32(AuthSaslStart):          true,
	int32(AuthSaslStep):           true,
	int32(AuthPolkit):             true,
	int32(ConnectOpen):            true,
	int32(ConnectClose):           true,
	int32(ConnectSupportsFeature): true,
}

func (r *Remote) check(ctx context.Context, p *rpc.Procedure) error {
	if preOpen[p.Num] {
		return nil
	}
	if s := SessionFrom(ctx); s == nil || s.URI() == "" {
		return errNotOpen()
	}
	return nil
}
