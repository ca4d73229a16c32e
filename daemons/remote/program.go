package remote

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/virtunit/virtunit/daemons/driver"
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
	Drivers    []driver.Driver
	// LateDrivers leaves the program open for AddDrivers: the daemon serves the
	// connection handshake while its drivers start.
	LateDrivers bool
	// Auth answers the authentication procedures; nil is no authentication
	// beyond what each listener's transport gives.
	Auth *Auth
	Log  *slog.Logger
}

// Remote is a daemon's REMOTE program.
type Remote struct {
	cfg  Config
	prog *rpc.Program
	// qemu is the QEMU program, served beside REMOTE on the same sockets.
	qemu *rpc.Program
	// hypervisors is set once, by AddDrivers, before drivers is closed.
	hypervisors map[string]driver.Hypervisor
	drivers     chan struct{}
}

// New assembles the connection-level procedures and the drivers' tables into the
// REMOTE program; with LateDrivers the drivers come later, through AddDrivers.
func New(cfg Config) (*Remote, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Auth == nil {
		cfg.Auth = &Auth{Log: cfg.Log}
	}
	for _, s := range cfg.Schemes {
		if _, ok := connectionTypes[s]; !ok {
			return nil, fmt.Errorf("unknown URI scheme %q", s)
		}
	}
	r := &Remote{cfg: cfg, drivers: make(chan struct{})}
	prog, err := rpc.NewPartialProgram(Program, Version, r.connectProcedures(), r.hostProcedures())
	if err != nil {
		return nil, err
	}
	prog.Check = r.check
	r.prog = prog
	if r.qemu, err = rpc.NewPartialProgram(QEMUProgram, QEMUVersion); err != nil {
		return nil, err
	}
	r.qemu.Check = r.check
	if !cfg.LateDrivers {
		if err := r.AddDrivers(cfg.Drivers); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// AddDrivers adds the drivers' procedures and completes the program: calls that were
// waiting for them go on.
func (r *Remote) AddDrivers(drivers []driver.Driver) error {
	hvs := map[string]driver.Hypervisor{}
	tables := make([][]rpc.Procedure, 0, len(drivers))
	var qemuTables [][]rpc.Procedure
	for _, d := range drivers {
		tables = append(tables, procedures(d, r.cfg.Hub))
		if hv, ok := d.(driver.Hypervisor); ok {
			for _, s := range hv.Schemes() {
				hvs[s] = hv
			}
			qemuTables = append(qemuTables, qemuProcedures(hv))
		}
	}
	defer r.qemu.Complete()
	if err := r.qemu.Add(qemuTables...); err != nil {
		return err
	}
	served := map[int32]bool{}
	for _, t := range append(tables, r.connectProcedures(), r.hostProcedures()) {
		for _, p := range t {
			served[p.Num] = true
		}
	}
	tables = append(tables, unsupportedProcedures(served))
	if err := r.prog.Add(tables...); err != nil {
		return err
	}
	r.hypervisors = hvs
	close(r.drivers)
	r.prog.Complete()
	return nil
}

// hypervisor is the driver that is the hypervisor of scheme, once the drivers are up.
func (r *Remote) hypervisor(ctx context.Context, scheme string) (driver.Hypervisor, bool) {
	select {
	case <-r.drivers:
	case <-ctx.Done():
		return nil, false
	}
	hv, ok := r.hypervisors[scheme]
	return hv, ok
}

// Program is the assembled program, for the daemon's main server.
func (r *Remote) Program() *rpc.Program { return r.prog }

// Programs are every program the daemon's main server serves: REMOTE and QEMU.
func (r *Remote) Programs() []*rpc.Program { return []*rpc.Program{r.prog, r.qemu} }

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
