package qemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/qemu/qmp"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/units"
)

// monitorTimeout bounds QEMU's start up to a working monitor.
const monitorTimeout = 30 * time.Second

// stopTimeout is how long a stopping QEMU gets after SIGTERM before SIGKILL, libvirt's
// 10 seconds.
const stopTimeout = 10 * time.Second

// startGuest runs def as dom's QEMU: a unit of its own, whose monitor socket the driver
// creates and hands over, so it can connect without waiting or retrying. The caller
// holds dom's job. With paused, the vCPUs stay stopped.
func (d *Driver) startGuest(ctx context.Context, dom *domain, def *libvirtxml.Domain, paused bool) (err error) {
	live, err := copyDefinition(def)
	if err != nil {
		return err
	}
	if live.Type == "kvm" && !d.kvm {
		return d.unsupportedVirtType(live)
	}
	if _, err := d.emulators.get(ctx, live.Devices.Emulator); err != nil {
		return err
	}
	id := d.doms.nextID()
	dir := d.dirs.domainDir(id, dom.name)
	os.RemoveAll(dir)
	// Chmod as well: the daemon may have its umask tightened while it binds sockets.
	err = os.MkdirAll(dir, 0o750)
	if err == nil {
		err = os.Chmod(dir, 0o750)
	}
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot create domain directory %s: %v", dir, err)
	}
	var files []*os.File
	defer func() {
		closeAll(files)
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	sock := filepath.Join(dir, "monitor.sock")
	mf, err := listenUnix(sock)
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot create monitor socket %s: %v", sock, err)
	}
	files = append(files, mf)
	taps, err := d.makeTaps(live, dom.uuid)
	if err != nil {
		return err
	}
	l := launch{id: id, dir: dir, accel: "tcg", monitorFD: 3, consoleLog: d.dirs.consoleLog(dom.name), path: guestPath()}
	if live.Type == "kvm" {
		l.accel = "kvm"
	}
	for _, t := range taps {
		fd := -1
		if t != nil {
			fd = 3 + len(files)
			files = append(files, t)
		}
		l.taps = append(l.taps, fd)
	}
	cmd, err := buildCommand(live, l, d.cfg)
	if err != nil {
		return err
	}
	if err := d.prepareFiles(live, dir, l.consoleLog); err != nil {
		return err
	}
	logPath := d.dirs.logFile(dom.name)
	logStart := writeLogHeader(logPath, id, cmd)
	spec := d.unitSpec(dom, live, id, cmd, dir, logPath, files)
	w, err := d.units.Watch(spec.Name)
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "cannot watch unit %s: %v", spec.Name, err)
	}
	st, err := d.units.Start(ctx, spec)
	closeAll(files)
	files = nil
	if err != nil {
		w.Close()
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "cannot start QEMU for domain '%s': %v%s", dom.name, err, logTail(logPath, logStart))
	}
	r := &running{unit: spec.Name, pid: st.MainPID, monitor: sock, dir: dir, watch: w, exited: make(chan struct{})}
	if err := d.bringUp(ctx, dom, r, live, paused); err != nil {
		d.abandon(r)
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "process exited while connecting to monitor: %v%s", err, logTail(logPath, logStart))
	}
	dom.mu.Lock()
	live.ID = &id
	dom.live, dom.id, dom.run = live, id, r
	if paused {
		dom.state, dom.reason = libvirt.DomainPaused, int32(libvirt.DomainPausedUser)
	} else {
		dom.state, dom.reason = libvirt.DomainRunning, int32(libvirt.DomainRunningBooted)
	}
	dom.mu.Unlock()
	if err := d.saveStatus(dom); err != nil {
		d.log.Error("cannot write status file; the guest will not be found after a daemon restart", "domain", dom.name, "err", err)
	}
	d.env.Inhibit(true)
	d.log.Info("guest started", "domain", dom.name, "id", id, "pid", r.pid, "unit", r.unit)
	return nil
}

// bringUp connects the monitor of a freshly started QEMU, learns its console pty and
// VNC port, and lets the vCPUs run unless paused. The watcher starts here, before
// cont, so no event is missed.
func (d *Driver) bringUp(ctx context.Context, dom *domain, r *running, live *libvirtxml.Domain, paused bool) error {
	ctx, cancel := context.WithTimeout(ctx, monitorTimeout)
	defer cancel()
	wctx, wcancel := context.WithCancel(d.ctx)
	r.cancel = wcancel
	r.mon = qmp.New(r.monitor)
	evs, err := r.mon.Events(wctx)
	if err != nil {
		return err
	}
	if err := r.mon.ConnectContext(ctx); err != nil {
		return err
	}
	d.wg.Add(1)
	go d.watchGuest(wctx, dom, r, evs)
	if err := d.learnDevices(ctx, r, live); err != nil {
		return err
	}
	if !paused {
		if err := r.mon.Execute(ctx, "cont", nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// learnDevices reads what QEMU chose at start: the pty of each serial port, the port
// of the VNC server.
func (d *Driver) learnDevices(ctx context.Context, r *running, live *libvirtxml.Domain) error {
	devs := live.Devices
	if len(devs.Serials) > 0 {
		var chardevs []struct {
			Label    string `json:"label"`
			Filename string `json:"filename"`
		}
		if err := r.mon.Execute(ctx, "query-chardev", nil, &chardevs); err != nil {
			return err
		}
		for _, c := range chardevs {
			i, err := strconv.Atoi(strings.TrimPrefix(c.Label, "charserial"))
			path, isPty := strings.CutPrefix(c.Filename, "pty:")
			if err != nil || !isPty || i >= len(devs.Serials) {
				continue
			}
			devs.Serials[i].Source = &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{Path: path}}
			if i == 0 {
				r.pty = path
				for j := range devs.Consoles {
					devs.Consoles[j].TTY = path
					devs.Consoles[j].Source = &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{Path: path}}
				}
			}
		}
	}
	for _, g := range devs.Graphics {
		if g.VNC == nil || g.VNC.Socket != "" || d.cfg.VNCAutoUnixSocket {
			continue
		}
		var vnc struct {
			Service string `json:"service"`
		}
		if err := r.mon.Execute(ctx, "query-vnc", nil, &vnc); err != nil {
			return err
		}
		if port, err := strconv.Atoi(vnc.Service); err == nil {
			g.VNC.Port = port
		}
	}
	return nil
}

// abandon tears down a start that failed half-way.
func (d *Driver) abandon(r *running) {
	if r.cancel != nil {
		r.cancel()
	}
	if r.mon != nil {
		r.mon.Disconnect()
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout+5*time.Second)
	defer cancel()
	if _, err := d.units.Stop(ctx, r.unit); err != nil && !isNotFound(err) {
		d.log.Warn("cannot stop the unit of a failed start", "unit", r.unit, "err", err)
	}
	r.watch.Close()
	os.RemoveAll(r.dir)
}

// unitSpec describes the guest's QEMU as a unit: a scope in machine.slice named after
// the machine, as libvirt names it, registered with machined in root mode.
func (d *Driver) unitSpec(dom *domain, live *libvirtxml.Domain, id int, cmd *command, dir, logPath string, files []*os.File) units.Spec {
	machine := machineName(id, dom.name)
	spec := units.Spec{
		Name:        units.MachineScope(machine),
		Kind:        units.Scope,
		Description: "QEMU guest " + dom.name,
		Argv:        cmd.argv,
		Env:         cmd.env,
		Dir:         dir,
		LogFile:     logPath,
		Files:       append([]*os.File(nil), files...),
		Slice:       "machine.slice",
		StopTimeout: stopTimeout,
	}
	if d.privileged {
		spec.Machine = &units.Machine{Name: machine, UUID: dom.uuid, Service: "libvirt-qemu", Class: "vm"}
		if d.cfg.UID > 0 || d.cfg.GID > 0 {
			spec.User = &units.Credential{UID: uint32(d.cfg.UID), GID: uint32(d.cfg.GID)}
		}
	}
	if d.cfg.MaxProcesses > 0 {
		n := uint64(d.cfg.MaxProcesses)
		spec.Rlimits = append(spec.Rlimits, units.Rlimit{Resource: units.RlimitNPROC, Soft: n, Hard: n})
	}
	if d.cfg.MaxFiles > 0 {
		n := uint64(d.cfg.MaxFiles)
		spec.Rlimits = append(spec.Rlimits, units.Rlimit{Resource: units.RlimitNOFILE, Soft: n, Hard: n})
	}
	return spec
}

// machineName is libvirt's virDomainDriverGenerateMachineName: "qemu-ID-NAME" with the
// name cut down to host-name characters, at most 64 in all.
func machineName(id int, name string) string {
	var b strings.Builder
	b.WriteString("qemu-" + strconv.Itoa(id) + "-")
	for _, c := range name {
		if b.Len() >= 64 {
			break
		}
		if c < 0x80 && (c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteRune(c)
		}
	}
	return strings.TrimRight(b.String(), "-.")
}

// listenUnix makes the listening socket QEMU's monitor uses; QEMU inherits it.
func listenUnix(path string) (*os.File, error) {
	os.Remove(path)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false) // the socket outlives this copy: QEMU listens on it
	f, err := ln.File()
	ln.Close()
	return f, err
}

// copyDefinition is a deep copy, by way of XML, so a live definition never shares
// parts with the persistent one.
func copyDefinition(def *libvirtxml.Domain) (*libvirtxml.Domain, error) {
	s, err := def.Marshal()
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "copy definition: %v", err)
	}
	cp := &libvirtxml.Domain{}
	if err := cp.Unmarshal(s); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "copy definition: %v", err)
	}
	return cp, nil
}

// guestPath is the PATH QEMU runs with.
func guestPath() string {
	if p := os.Getenv("PATH"); p != "" {
		return p
	}
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

// writeLogHeader starts the guest's log as libvirt does: a line saying who starts it,
// then the environment and command line. It returns where this start's part of the log
// begins, for error messages.
func writeLogHeader(path string, id int, cmd *command) int64 {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0
	}
	defer f.Close()
	off, _ := f.Seek(0, 2)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: starting up virtunit, domain id=%d\n", time.Now().UTC().Format("2006-01-02 15:04:05.000-0700"), id)
	for _, e := range cmd.env {
		b.WriteString(e + " \\\n")
	}
	// One option per line with its value, as libvirt's logs show them.
	for i, a := range cmd.argv {
		b.WriteString(shellQuote(a))
		switch {
		case i == len(cmd.argv)-1:
			b.WriteString("\n")
		case strings.HasPrefix(a, "-") && !strings.HasPrefix(cmd.argv[i+1], "-"):
			b.WriteString(" ")
		default:
			b.WriteString(" \\\n")
		}
	}
	f.WriteString(b.String())
	return off
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ',' || r == '=' || r == ':' || r == '+' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// logTail is QEMU's own words about a failed start: the log after this start's header.
func logTail(path string, from int64) string {
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) <= from {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(data[from:])), "\n")
	var out []string
	for _, l := range lines {
		if !strings.HasSuffix(l, "\\") && !strings.Contains(l, "starting up virtunit") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	if len(out) > 1 {
		out = out[1:] // the last line of the command line
	}
	if len(out) > 5 {
		out = out[len(out)-5:]
	}
	if len(out) == 0 {
		return ""
	}
	return ": " + strings.Join(out, "\n")
}

func isNotFound(err error) bool { return errors.Is(err, units.ErrNotFound) }

// prepareFiles gives the guest's user what it must open itself, as dynamic_ownership
// asks: its directory, its console log, its disks, kernel and initrd. Root-mode guests
// running as root, and session guests, need nothing.
func (d *Driver) prepareFiles(live *libvirtxml.Domain, dir, consoleLog string) error {
	if !d.privileged || d.cfg.UID <= 0 {
		return nil
	}
	paths := []string{dir}
	if d.cfg.DynamicOwnership {
		if f, err := os.OpenFile(consoleLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
			f.Close()
			paths = append(paths, consoleLog)
		}
		paths = append(paths, live.OS.Kernel, live.OS.Initrd, nvramPath(live))
		for _, disk := range live.Devices.Disks {
			if disk.Source != nil && disk.Source.File != nil {
				paths = append(paths, disk.Source.File.File)
			}
			if disk.Source != nil && disk.Source.Block != nil {
				paths = append(paths, disk.Source.Block.Dev)
			}
		}
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if err := os.Chown(p, d.cfg.UID, d.cfg.GID); err != nil {
			return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "unable to set ownership of '%s' to %d:%d: %v", p, d.cfg.UID, d.cfg.GID, errText(err))
		}
	}
	return nil
}
