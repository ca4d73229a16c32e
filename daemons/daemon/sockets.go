package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// sockets are the daemon's listeners: three unix sockets (RO is nil in session mode)
// and, for libvirtd and virtproxyd, those of TCP and TLS.
type sockets struct {
	RW, RO, Admin net.Listener
	TCP, TLS      []net.Listener
	activated     bool
}

// ipWanted says which IP listeners a daemon has: whether it takes activated ones
// (NAME-tcp.socket, NAME-tls.socket), and which it opens itself when not activated.
type ipWanted struct {
	units    bool
	tcp, tls bool
	addr     string
	tcpPort  string
	tlsPort  string
}

// socketSpec is one socket to create: path, permissions, and the systemd socket unit
// name whose activated descriptor replaces it.
type socketSpec struct {
	path string
	mode uint32
	unit string
	dst  *net.Listener
	// backlog is how many connections may wait to be accepted: max_queued_clients
	// (admin_max_queued_clients for the admin socket).
	backlog int
}

// openSockets takes the sockets from systemd when the daemon was socket activated and
// creates the rest of the unix sockets itself. Activated, the daemon has exactly the
// IP listeners systemd passed, as libvirt: a unit the administrator disabled is
// not replaced by one of the daemon's own.
func openSockets(name string, paths socketPaths, cfg *Config, privileged bool, ip ipWanted) (*sockets, error) {
	rw, _ := parseMode(cfg.UnixSockRWPerms)
	ro, _ := parseMode(cfg.UnixSockROPerms)
	adm, _ := parseMode(cfg.UnixSockAdminPerms)
	s := &sockets{}
	queued, adminQueued := int(cfg.MaxQueuedClients), int(cfg.AdminMaxQueuedClients)
	specs := []socketSpec{{paths.RW, rw, name + ".socket", &s.RW, queued}}
	if paths.RO != "" {
		specs = append(specs, socketSpec{paths.RO, ro, name + "-ro.socket", &s.RO, queued})
	}
	specs = append(specs, socketSpec{paths.Admin, adm, name + "-admin.socket", &s.Admin, adminQueued})

	units := make([]string, 0, len(specs)+2)
	for _, sp := range specs {
		units = append(units, sp.unit)
	}
	tcpUnit, tlsUnit := name+"-tcp.socket", name+"-tls.socket"
	if ip.units {
		units = append(units, tcpUnit, tlsUnit)
	}
	act, err := activationListeners(units, specs)
	if err != nil {
		return nil, err
	}
	s.activated = act != nil
	for _, sp := range specs {
		if lns, ok := act[sp.unit]; ok {
			*sp.dst = lns[0]
			for _, extra := range lns[1:] {
				extra.Close()
			}
			continue
		}
		ln, err := listenUnix(sp.path, sp.mode, cfg.sockGID, privileged, sp.backlog)
		if err != nil {
			s.close()
			return nil, err
		}
		*sp.dst = ln
	}
	switch {
	case s.activated:
		s.TCP, s.TLS = act[tcpUnit], act[tlsUnit]
	default:
		if ip.tcp {
			if s.TCP, err = listenTCP(ip.addr, ip.tcpPort, queued); err != nil {
				s.close()
				return nil, err
			}
		}
		if ip.tls {
			if s.TLS, err = listenTCP(ip.addr, ip.tlsPort, queued); err != nil {
				s.close()
				return nil, err
			}
		}
	}
	return s, nil
}

// close closes the listeners; sockets the daemon created are unlinked (Go's unix
// listeners remove their path on Close), activated ones stay with systemd.
func (s *sockets) close() {
	for _, ln := range append([]net.Listener{s.RW, s.RO, s.Admin}, append(s.TCP, s.TLS...)...) {
		if ln != nil {
			ln.Close()
		}
	}
}

// listenUnix creates a listening socket at path with mode and group, and room for
// backlog connections waiting to be accepted (the kernel's maximum when 0). A socket
// file left by a dead daemon is removed; one a live daemon answers on is not touched,
// and neither is anything at path that is not a socket. An activated socket has the
// backlog its unit gives it (Backlog=).
func listenUnix(path string, mode uint32, gid int, privileged bool, backlog int) (net.Listener, error) {
	dirMode := os.FileMode(0o700)
	if privileged {
		dirMode = 0o755
	}
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return nil, fmt.Errorf("cannot create socket directory: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	// Bind with the umask that gives the socket its configured mode at birth, as
	// libvirt's virNetSocketNewListenUNIX does: never more accessible than
	// configured, and never less either, so an autospawning client's first connect
	// does not meet a socket of mode 0 (EACCES ends its retries).
	old := syscall.Umask(int(^mode & 0o777))
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("Failed to bind socket to '%s': %w", path, err)
	}
	if backlog > 0 {
		if err := setBacklog(ln, backlog); err != nil {
			ln.Close()
			return nil, fmt.Errorf("Failed to listen on socket '%s': %w", path, err)
		}
	}
	if err := os.Chmod(path, os.FileMode(mode)); err != nil {
		ln.Close()
		return nil, fmt.Errorf("Failed to change permissions of socket '%s': %w", path, err)
	}
	if gid >= 0 {
		if err := os.Lchown(path, -1, gid); err != nil {
			ln.Close()
			return nil, fmt.Errorf("Failed to change group ID of '%s' to %d: %w", path, gid, err)
		}
	}
	return ln, nil
}

// setBacklog calls listen(2) again with backlog: Go's net.Listen always asks for the
// kernel's maximum, and Linux takes a new backlog on a socket that already listens.
func setBacklog(ln net.Listener, backlog int) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := raw.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), backlog) }); err != nil {
		return err
	}
	return lerr
}

func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("'%s' exists and is not a socket; refusing to replace it", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("another daemon is already listening on '%s'", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("cannot tell whether '%s' is in use: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot remove stale socket '%s': %w", path, err)
	}
	return nil
}
