package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit"
	"github.com/virtunit/virtunit/daemons/admin"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/host"
	"github.com/virtunit/virtunit/daemons/pki"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/hook"
	"github.com/virtunit/virtunit/internal/logging"
)

// runtime is a running daemon: what admin calls and signal handlers act on.
type runtime struct {
	d          *Daemon
	log        *slog.Logger
	logs       *logging.Logger
	configPath string
	explicit   bool
	verbose    bool
	main, adm  *rpc.Server
	idle       *idleTimer
	privileged bool
	// tls is the TLS listeners' context, nil without them; reloaded on SIGHUP and
	// virt-admin server-update-tls. tlsMu serialises the reloads.
	tls   *pki.Holder
	tlsMu sync.Mutex
	cfg   *Config
	// hooks runs CONFIGDIR/hooks/daemon at start, reload and shutdown.
	hooks hook.Dir
}

func (d *Daemon) run(ctx context.Context, opts *options, privileged bool, status *statusPipe, stderr io.Writer) (int, error) {
	restoreGC := collectOftenDuringStart()
	defer restoreGC()
	paths, err := pathsFor(d.Name, privileged)
	if err != nil {
		return 1, fmt.Errorf("Can't determine paths: %w", err)
	}
	rt := &runtime{d: d, configPath: opts.config, explicit: opts.config != "", verbose: opts.verbose,
		privileged: privileged, hooks: hook.DirFor(paths.ConfigDir)}
	if rt.configPath == "" {
		rt.configPath = paths.ConfigFile
	}
	cfg, err := rt.loadConfig()
	if err != nil {
		return exitConfig, fmt.Errorf("Can't load config file: %v: %s", err, rt.configPath)
	}
	rt.cfg = cfg
	rt.logs = logging.New(d.Name, defaultLogOutput(d.Name, status != nil, paths))
	if err := rt.logs.Apply(rt.logSettings(cfg)); err != nil {
		return exitConfig, fmt.Errorf("Can't load config file: %s: invalid logging settings: %v", rt.configPath, err)
	}
	defer rt.logs.Close()
	rt.log = rt.logs.Slog("daemon")
	for _, w := range cfg.Warnings {
		rt.log.Warn(w)
	}
	uuidCfg := host.UUIDConfig{UUID: cfg.HostUUID, Source: cfg.HostUUIDSource}
	if err := host.ValidateUUIDConfig(uuidCfg); err != nil {
		return exitConfig, fmt.Errorf("Can't setup host uuid: %v", err)
	}

	runMode := os.FileMode(0o700)
	if privileged {
		runMode = 0o755
	}
	if err := os.MkdirAll(paths.RunDir, runMode); err != nil {
		return exitRunDir, fmt.Errorf("unable to create rundir %s: %w", paths.RunDir, err)
	}
	pidPath := opts.pidFile
	if pidPath == "" {
		pidPath = paths.PIDFile
	}
	pid, err := acquirePIDFile(pidPath)
	if err != nil {
		return exitPIDFile, err
	}
	defer pid.release()
	sockDir := paths.RunDir
	if cfg.UnixSockDir != "" {
		sockDir = cfg.UnixSockDir
	}

	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	// Sockets first: binding them narrows the process umask for a moment, which must
	// not happen while drivers already create files from other goroutines. Clients
	// that connect meanwhile wait in the backlog until the drivers are ready.
	prefix := d.SocketPrefix
	if prefix == "" {
		prefix = d.Name
	}
	socks, err := openSockets(d.Name, socketsFor(prefix, sockDir, privileged), cfg, privileged, d.ipWantedFor(cfg, opts.listen))
	if err != nil {
		return exitNetwork, err
	}
	defer socks.close()
	if socks.activated && opts.listen {
		return exitNetwork, fmt.Errorf("--listen parameter not permitted with systemd activation sockets, see 'man libvirtd' for further guidance")
	}
	if len(socks.TLS) > 0 {
		srv, err := loadTLS(cfg, privileged, rt.logs.Slog("rpc.tls"))
		if err != nil {
			return exitNetwork, err
		}
		rt.tls = pki.NewHolder(srv)
	}
	services := mainServices(socks, cfg, rt.tls)
	auth, err := authFor(cfg, services, rt.logs.Slog("remote.auth"))
	if err != nil {
		return exitNetwork, err
	}
	if auth.Polkit != nil {
		defer auth.Polkit.Close()
	}

	conns := newConnector(d.Schemes, privileged, paths.RunDir)
	defer conns.close()
	rt.idle = newIdleTimer(time.Duration(opts.timeout)*time.Second, rt.clientCount)
	env := &driver.Env{Name: d.Name, Paths: paths, Host: host.New(uuidCfg), Events: rpc.NewHub(),
		Services: driver.Services{Logger: rt.logs.Slog, Inhibit: rt.idle.inhibit, Connect: conns.connect}}
	if len(d.Drivers) > 0 {
		if env.Units, err = newRealizer(ctx, cfg.UnitBackend, paths, rt.logs.Slog("units")); err != nil {
			return exitDriver, fmt.Errorf("Driver state initialization failed: cannot run units: %w", err)
		}
		defer env.Units.Close()
	}
	// The sockets serve from here on: a client's handshake is answered at once, its
	// calls of driver procedures wait until the drivers are up. Meanwhile --timeout
	// waits too, as libvirt inhibits its idle shutdown during driver start-up.
	rt.idle.inhibit(true)
	front, err := d.frontend(ctx, env, sockDir, privileged, auth)
	if err != nil {
		return exitInit, err
	}
	adm := admin.New(rt, remote.LibVersion)
	admProg, err := adm.Program()
	if err != nil {
		return exitInit, err
	}
	programs := []*rpc.Program{front.Program()}
	if more, ok := front.(interface{ Programs() []*rpc.Program }); ok {
		programs = more.Programs() // REMOTE beside QEMU
	}
	rt.main = rpc.NewServer(rpc.Config{
		Name: d.Name, Programs: programs, Log: rt.logs.Slog("rpc.server"),
		NewSession: front.NewSession, ClientsChanged: rt.idle.update,
		Limits: rpc.Limits{
			MaxClients: int(cfg.MaxClients), MaxAnonymousClients: int(cfg.MaxAnonymousClients),
			MaxClientRequests: int(cfg.MaxClientRequests), MinWorkers: int(cfg.MinWorkers),
			MaxWorkers: int(cfg.MaxWorkers), PrioWorkers: int(cfg.PrioWorkers),
			KeepaliveInterval: time.Duration(cfg.KeepaliveInterval) * time.Second, KeepaliveCount: int(cfg.KeepaliveCount),
		},
	})
	rt.adm = rpc.NewServer(rpc.Config{
		Name: "admin", Programs: []*rpc.Program{admProg}, Log: rt.logs.Slog("rpc.server"),
		NewSession: adm.NewSession, ClientsChanged: rt.idle.update,
		Limits: rpc.Limits{
			MaxClients: int(cfg.AdminMaxClients), MaxClientRequests: int(cfg.AdminMaxClientRequests),
			MinWorkers: int(cfg.AdminMinWorkers), MaxWorkers: int(cfg.AdminMaxWorkers),
			KeepaliveInterval: time.Duration(cfg.AdminKeepaliveInterval) * time.Second, KeepaliveCount: int(cfg.AdminKeepaliveCount),
		},
	})

	fatal := make(chan error, len(services)+1)
	serveAll(rt.log, fatal, rt.main, services...)
	serveAll(rt.log, fatal, rt.adm, rpc.Service{Listener: socks.Admin})
	drivers, err := d.startDrivers(ctx, env)
	defer closeDrivers(drivers, rt.log)
	restoreGC()
	if err == nil {
		// Ready before the first driver call is answered, as libvirt notifies before
		// its event loop serves anyone: a client that got an answer finds the
		// service active.
		sddaemon.SdNotify(false, "READY=1\nSTATUS=Accepting connections")
		if late, ok := front.(interface{ AddDrivers([]driver.Driver) error }); ok {
			err = late.AddDrivers(drivers)
		}
	}
	if err != nil {
		// Calls waiting for the drivers are refused as unknown rather than left hanging.
		front.Program().Complete()
		rt.shutdown()
		return exitDriver, err
	}
	conns.setProgram(front.Program())
	bus := d.serveBus(ctx, env, drivers, privileged, rt.logs.Slog("daemon"))
	defer bus.close()
	status.report(exitOK)
	rt.idle.inhibit(false)
	rt.log.Info("daemon started", "version", virtunit.Version(), "socket_activation", socks.activated, "sockets", sockDir,
		"tcp", listenerAddrs(socks.TCP), "tls", listenerAddrs(socks.TLS))
	rt.daemonHook(ctx, "start", "-", "start")
	memCtx, stopMem := context.WithCancel(ctx)
	defer stopMem()
	go daemonReturns.returnMemory(memCtx, func() {})

	err = rt.loop(sigs, fatal)
	sddaemon.SdNotify(false, "STOPPING=1\nSTATUS=Shutting down")
	rt.daemonHook(context.Background(), "shutdown", "-", "shutdown")
	rt.shutdown()
	if err != nil {
		return 1, err
	}
	return 0, nil
}

// loop waits for a signal, the idle timeout or a fatal error.
func (rt *runtime) loop(sigs <-chan os.Signal, fatal <-chan error) error {
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGHUP {
				rt.reload()
				continue
			}
			rt.log.Info("shutting down on signal", "signal", s.String())
			return nil
		case <-rt.idle.fire:
			rt.log.Info("shutting down: idle timeout reached")
			return nil
		case err := <-fatal:
			return err
		}
	}
}

// reload re-reads the config file and applies its logging settings. Clients stay
// connected; a bad file changes nothing.
func (rt *runtime) reload() {
	sddaemon.SdNotify(false, "RELOADING=1\nMONOTONIC_USEC="+strconv.FormatInt(monotonicUsec(), 10))
	defer sddaemon.SdNotify(false, "READY=1\nSTATUS=Accepting connections")
	rt.daemonHook(context.Background(), "reload", "begin", "SIGHUP")
	cfg, err := rt.loadConfig()
	if err != nil {
		rt.log.Error("reload failed; keeping the previous configuration", "file", rt.configPath, "err", err)
		return
	}
	rt.tlsMu.Lock()
	rt.cfg = cfg
	rt.tlsMu.Unlock()
	if rt.tls != nil {
		if err := rt.reloadTLS(); err != nil {
			rt.log.Error("cannot reload the TLS certificates; keeping the previous ones", "err", err)
		}
	}
	if err := rt.logs.Apply(rt.logSettings(cfg)); err != nil {
		rt.log.Error("reload failed; keeping the previous logging settings", "file", rt.configPath, "err", err)
		return
	}
	for _, w := range cfg.Warnings {
		rt.log.Warn(w)
	}
	rt.log.Info("configuration reloaded", "file", rt.configPath)
}

func (rt *runtime) loadConfig() (*Config, error) {
	return loadConfig(rt.configPath, rt.explicit, rt.d.IP == IPWithListen)
}

// reloadTLS loads the TLS files again with the current settings: new connections use
// them, established ones keep theirs. A failure changes nothing.
func (rt *runtime) reloadTLS() error {
	rt.tlsMu.Lock()
	defer rt.tlsMu.Unlock()
	srv, err := loadTLS(rt.cfg, rt.privileged, rt.logs.Slog("rpc.tls"))
	if err != nil {
		return err
	}
	rt.tls.Replace(srv)
	rt.log.Info("TLS certificates reloaded", "cert", srv.Files().Cert, "ca", srv.Files().CA)
	return nil
}

// UpdateTLS is virt-admin server-update-tls: the server's TLS files, loaded again.
func (rt *runtime) UpdateTLS(server string) error {
	if rt.tls == nil || server != rt.main.Name() {
		return virerror.New(libvirt.ErrInternalError, virerror.FromRPC, "no tls service found, unable to update tls files")
	}
	return rt.reloadTLS()
}

// logSettings applies libvirt's precedence: command line over environment over file.
func (rt *runtime) logSettings(cfg *Config) logging.Settings {
	s := cfg.logSettings()
	if v, err := strconv.Atoi(os.Getenv("LIBVIRT_DEBUG")); err == nil && v >= 1 && v <= 4 {
		s.Level = logging.Priority(v)
	}
	if v := os.Getenv("LIBVIRT_LOG_FILTERS"); v != "" {
		s.Filters = v
	}
	if v := os.Getenv("LIBVIRT_LOG_OUTPUTS"); v != "" {
		s.Outputs = v
	}
	if rt.verbose && (s.Level == 0 || s.Level > logging.Info) {
		s.Level = logging.Info
	}
	return s
}

func (rt *runtime) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	for _, s := range []*rpc.Server{rt.main, rt.adm} {
		if err := s.Shutdown(ctx); err != nil {
			rt.log.Warn("clients did not finish in time", "server", s.Name(), "err", err)
		}
	}
}

func (rt *runtime) clientCount() int {
	n := 0
	for _, s := range []*rpc.Server{rt.main, rt.adm} {
		if s != nil {
			n += s.NumClients()
		}
	}
	return n
}

// The admin.Daemon methods.

func (rt *runtime) Servers() []*rpc.Server       { return []*rpc.Server{rt.main, rt.adm} }
func (rt *runtime) LogOutputs() string           { return rt.logs.Outputs() }
func (rt *runtime) LogFilters() string           { return rt.logs.Filters() }
func (rt *runtime) SetLogOutputs(s string) error { return rt.logs.SetOutputs(s) }
func (rt *runtime) SetLogFilters(s string) error { return rt.logs.SetFilters(s) }
func (rt *runtime) SetTimeout(seconds uint32) error {
	if seconds > (1<<31-1)/1000 {
		return fmt.Errorf("timeout %d is too large", seconds)
	}
	rt.idle.setTimeout(time.Duration(seconds) * time.Second)
	return nil
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, which RELOADING=1 carries.
func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano() / 1000
}

// daemonHook runs the daemon hook scripts as libvirt does ("- start - start",
// "- reload begin SIGHUP", "- shutdown - shutdown"); a failure is logged, never fatal.
func (rt *runtime) daemonHook(ctx context.Context, op, subop, extra string) {
	if err := rt.hooks.Call(ctx, hook.Daemon, "-", op, subop, extra, ""); err != nil {
		rt.log.Warn("daemon hook failed", "operation", op, "err", err)
	}
}
