package qemu

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

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
	if err = os.MkdirAll(dir, 0o750); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot create domain directory %s: %v", dir, err)
	}
	var files []*os.File
	defer func() {
		closeAll(files)
		if err != nil {
			os.RemoveAll(dir)
			d.unplugAll(context.WithoutCancel(ctx), dom.name, live)
		}
	}()
	sock := filepath.Join(dir, "monitor.sock")
	mf, err := listenUnix(sock)
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot create monitor socket %s: %v", sock, err)
	}
	files = append(files, mf)
	taps, err := d.makeTaps(ctx, live, dom.name, dom.uuid)
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
	withPaths, err := d.withVolumePaths(ctx, live)
	if err != nil {
		return err
	}
	cmd, err := buildCommand(withPaths, l, d.cfg)
	if err != nil {
		return err
	}
	if err := d.prepareFiles(withPaths, dir, l.consoleLog); err != nil {
		return err
	}
	logPath := d.dirs.logFile(dom.name)
	logStart := writeLogHeader(logPath, id, cmd)
	spec := d.unitSpec(dom, id, cmd, dir, logPath, files)
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
	wctx, evs, err := d.connectMonitor(ctx, r)
	if err != nil {
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

func isNotFound(err error) bool { return errors.Is(err, units.ErrNotFound) }
