package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/virtunit/virtunit"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/internal/logging"
)

// Daemon describes one of the daemons; its main fills it in and calls Main.
type Daemon struct {
	// Name is the program's name: "virtqemud", "libvirtd", ...
	Name string
	// SocketPrefix names the sockets (PREFIX-sock); empty means Name. libvirtd and
	// virtproxyd use "libvirt".
	SocketPrefix string
	// Schemes are the URI schemes the daemon's connections open, the first being the
	// default for a client that names none.
	Schemes []string
	// IP says whether and how the daemon listens on TCP and TLS.
	IP IPMode
	// Drivers serve the daemon's procedures.
	Drivers []driver.Factory
	// Frontend replaces the REMOTE program over Drivers (virtproxyd).
	Frontend FrontendFactory
	// Bus, when set, serves a D-Bus API over the drivers as well (the org.libvirt API
	// of virtqemud and libvirtd).
	Bus BusFactory
	// Description is the line under the usage's "Options" list.
	Description string
	// Roles are other programs the executable is, tried before the daemon's own
	// command line: the network helper that a network's units and dnsmasq run.
	Roles []Role
}

// IPMode is whether a daemon serves TCP and TLS clients.
type IPMode int

const (
	// NoIP daemons serve their unix sockets only (the modular daemons).
	NoIP IPMode = iota
	// IPWithListen daemons honour listen_tcp and listen_tls only when started with
	// -l/--listen (libvirtd).
	IPWithListen
	// IPByConfig daemons honour listen_tcp and listen_tls alone, both off by default
	// (virtproxyd, which has no -l).
	IPByConfig
)

// Role is another program a daemon's executable is. Match returns the role's arguments
// when the command line (program name excluded) and the environment ask for it; Main
// runs it and returns the exit status.
type Role struct {
	Match func(args []string, getenv func(string) string) ([]string, bool)
	Main  func(args []string, getenv func(string) string, stdout, stderr io.Writer) int
}

// Main runs the daemon with the command line args (program name excluded) and returns
// the process exit code.
func (d *Daemon) Main(args []string) int {
	tuneRuntime()
	for _, r := range d.Roles {
		if rargs, ok := r.Match(args, os.Getenv); ok {
			return r.Main(rargs, os.Getenv, os.Stdout, os.Stderr)
		}
	}
	return d.main(context.Background(), args, os.Stdout, os.Stderr)
}

func (d *Daemon) main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	privileged := os.Geteuid() == 0
	opts, err := parseOptions(d.Name, args, d.IP == IPWithListen)
	if err != nil {
		fmt.Fprintln(stderr, err)
		var ue *usageError
		if errors.As(err, &ue) {
			d.usage(stderr, privileged)
		}
		return 1
	}
	switch {
	case opts.help:
		d.usage(stderr, privileged)
		return 0
	case opts.version:
		fmt.Fprintf(stdout, "%s (virtunit) %s\n", d.Name, virtunit.Version())
		return 0
	}
	status, err := takeStatusPipe()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", d.Name, err)
		return 1
	}
	if opts.daemonize && status == nil {
		return detachParent(d.Name)
	}
	code, err := d.run(ctx, opts, privileged, status, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", d.Name, err)
	}
	status.report(code)
	return code
}

func (d *Daemon) usage(w io.Writer, privileged bool) {
	prefix := d.SocketPrefix
	if prefix == "" {
		prefix = d.Name
	}
	cfg, run, pid := "$XDG_CONFIG_HOME", "$XDG_RUNTIME_DIR", "$XDG_RUNTIME_DIR/libvirt"
	if privileged {
		cfg, run, pid = "/etc", "/run", "/run"
	}
	fmt.Fprintf(w, "\nUsage:\n  %s [options]\n\nOptions:\n", d.Name)
	lines := [][2]string{
		{"-h | --help", "Display program help"},
		{"-v | --verbose", "Verbose messages"},
		{"-d | --daemon", "Run as a daemon & write PID file"},
	}
	if d.IP == IPWithListen {
		lines = append(lines, [2]string{"-l | --listen", "Listen for TCP/IP connections"})
	}
	lines = append(lines,
		[2]string{"-t | --timeout <secs>", "Exit after timeout period"},
		[2]string{"-f | --config <file>", "Configuration file"},
		[2]string{"-V | --version", "Display version information"},
		[2]string{"-p | --pid-file <file>", "Change name of PID file"})
	for _, l := range lines {
		fmt.Fprintf(w, "  %-22s %s\n", l[0], l[1])
	}
	fmt.Fprintf(w, "\n%s:\n\n  Default paths:\n\n", d.Description)
	fmt.Fprintf(w, "    Configuration file (unless overridden by -f):\n      %s/libvirt/%s.conf\n\n", cfg, d.Name)
	fmt.Fprintf(w, "    Sockets:\n      %s/libvirt/%s-sock\n", run, prefix)
	if privileged {
		fmt.Fprintf(w, "      %s/libvirt/%s-sock-ro\n", run, prefix)
	}
	fmt.Fprintf(w, "      %s/libvirt/%s-admin-sock\n\n", run, prefix)
	fmt.Fprintf(w, "    PID file (unless overridden by -p):\n      %s/%s.pid\n\n", pid, d.Name)
}

// defaultLogOutput is libvirt's virLogSetDefaultOutput: stderr for a foreground daemon
// (the journal when started by systemd, stdin not being a terminal), the journal or a
// log file for a detached one.
func defaultLogOutput(name string, daemonized bool, paths driver.Paths) func(logging.Priority) string {
	return func(p logging.Priority) string {
		journal := false
		if fi, err := os.Stat("/run/systemd/journal/socket"); err == nil && fi.Mode()&os.ModeSocket != 0 {
			journal = os.Getenv("JOURNAL_STREAM") != "" || daemonized
		}
		switch {
		case journal:
			return fmt.Sprintf("%d:journald", p)
		case daemonized:
			return fmt.Sprintf("%d:file:%s/%s.log", p, paths.LogDir, name)
		}
		return fmt.Sprintf("%d:stderr", p)
	}
}

// serveAll runs the accept loop of each of srv's services.
func serveAll(log *slog.Logger, fatal chan<- error, srv *rpc.Server, svcs ...rpc.Service) {
	for _, svc := range svcs {
		if svc.Listener == nil {
			continue
		}
		go func(svc rpc.Service) {
			if err := srv.ServeService(svc); err != nil {
				fatal <- fmt.Errorf("serve %s: %w", svc.Listener.Addr(), err)
			}
		}(svc)
	}
	log.Debug("listening", "server", srv.Name(), "services", len(svcs))
}

// listenerAddrs names listeners for the log.
func listenerAddrs(lns []net.Listener) []string {
	var out []string
	for _, ln := range lns {
		out = append(out, ln.Addr().String())
	}
	return out
}

// shutdownGrace is how long in-flight calls get to finish at shutdown, libvirt's 30 s.
const shutdownGrace = 30 * time.Second
