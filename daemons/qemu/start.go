package qemu

import (
	"context"
	"crypto/rand"
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
	"github.com/virtunit/virtunit/internal/xmlscan"
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
func (d *Driver) startGuest(ctx context.Context, dom *domain, def *libvirtxml.Domain, paused bool) error {
	return d.startGuestWith(ctx, dom, def, paused, false)
}

// startGuestWith is startGuest; with incoming, QEMU waits for a migration stream
// (a restore) before it may run.
func (d *Driver) startGuestWith(ctx context.Context, dom *domain, def *libvirtxml.Domain, paused, incoming bool) (err error) {
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
	if err := selectFirmware(live, d.firmware, d.dirs.nvramFile(dom.name)); err != nil {
		return err
	}
	id := d.doms.nextID()
	live.ID = &id
	if err := d.callHook(ctx, hookPrepare, live); err != nil {
		return err
	}
	hooked := false // whether a failure from here on owes the stop hooks
	defer func() {
		if err != nil && hooked {
			d.callHook(ctx, hookStopped, live)
			d.callHook(ctx, hookRelease, live)
		}
	}()
	dir := d.dirs.domainDir(id, dom.name)
	os.RemoveAll(dir)
	if err = os.MkdirAll(dir, 0o750); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot create domain directory %s: %v", dir, err)
	}
	var files []*os.File
	var lent *libvirtxml.Domain // the definition whose files were given to the guest's user
	defer func() {
		closeAll(files)
		if err != nil {
			os.RemoveAll(dir)
			if lent != nil {
				d.releaseFiles(lent)
			}
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
	if l.spicePort, err = spicePort(live, d.cfg); err != nil {
		return err
	}
	if err := writeMasterKey(dir); err != nil {
		return err
	}
	if err := prepareNVRAM(live); err != nil {
		return err
	}
	// live keeps a volume disk's pool and volume, as libvirt's live XML does; the
	// command line and the files lent to the guest's user need the paths.
	withPaths, err := d.withVolumePaths(ctx, live)
	if err != nil {
		return err
	}
	cmd, err := buildCommand(withPaths, l, d.cfg)
	if err != nil {
		return err
	}
	recordAliases(live)
	forgetEmptyFormats(live)
	markMedia(live)
	if live.Resource == nil {
		// The guest's scope sits in machine.slice, libvirt's /machine partition.
		live.Resource = &libvirtxml.DomainResource{Partition: "/machine"}
	}
	if incoming {
		cmd.add("-incoming", "defer")
	}
	fillChannelSockets(live, dir)
	if err := d.prepareFiles(withPaths, dir, l.consoleLog); err != nil {
		return err
	}
	lent = withPaths
	hooked = true
	if err := d.callHook(ctx, hookStart, live); err != nil {
		return err
	}
	logPath := d.dirs.logFile(dom.name)
	logStart := writeLogHeader(logPath, id, cmd)
	spec := d.unitSpec(dom, withPaths, id, cmd, dir, logPath, files)
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
	r := &running{unit: spec.Name, pid: st.MainPID, monitor: sock, dir: dir, watch: w, exited: make(chan struct{}), taints: d.startTaints()}
	for _, flag := range r.taints {
		d.logTaint(dom.name, int32(id), flag)
	}
	if err := d.bringUp(ctx, dom, r, live, l, paused); err != nil {
		d.abandon(r)
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "process exited while connecting to monitor: %v%s", err, logTail(logPath, logStart))
	}
	if err := d.callHook(ctx, hookStarted, live); err != nil {
		d.abandon(r)
		return err
	}
	dom.mu.Lock()
	prevID, prevState, prevReason := dom.id, dom.state, dom.reason
	dom.live, dom.id, dom.run = live, id, r
	if paused {
		dom.state, dom.reason = libvirt.DomainPaused, int32(libvirt.DomainPausedUser)
	} else {
		dom.state, dom.reason = libvirt.DomainRunning, int32(libvirt.DomainRunningBooted)
	}
	dom.mu.Unlock()
	// A guest whose status is not on disk would be lost to the next daemon: like
	// libvirt, fail the start rather than run it.
	if err := d.saveStatus(dom); err != nil {
		dom.mu.Lock()
		dom.live, dom.id, dom.run = nil, prevID, nil
		dom.state, dom.reason = prevState, prevReason
		dom.mu.Unlock()
		d.abandon(r)
		return virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromQEMU, "cannot save the status of domain '%s': %v", dom.name, err)
	}
	d.env.Inhibit(true)
	d.log.Info("guest started", "domain", dom.name, "id", id, "pid", r.pid, "unit", r.unit)
	return nil
}

// bringUp connects the monitor of a freshly started QEMU, learns its console pty and
// VNC port, and lets the vCPUs run unless paused. The watcher starts here, before
// cont, so no event is missed.
func (d *Driver) bringUp(ctx context.Context, dom *domain, r *running, live *libvirtxml.Domain, l launch, paused bool) error {
	ctx, cancel := context.WithTimeout(ctx, monitorTimeout)
	defer cancel()
	wctx, evs, err := d.connectMonitor(ctx, r)
	if err != nil {
		return err
	}
	d.wg.Add(1)
	go d.watchGuest(wctx, dom, r, evs)
	if err := d.learnDevices(ctx, r, live, l); err != nil {
		return err
	}
	if b := live.Devices.MemBalloon; b != nil && b.Model == "virtio" && b.Stats != nil && b.Stats.Period > 0 {
		// The period lives in QEMU, not on its command line, as with libvirt.
		args := map[string]any{"path": "/machine/peripheral/balloon0", "property": "guest-stats-polling-interval", "value": b.Stats.Period}
		if err := r.mon.Execute(ctx, "qom-set", args, nil); err != nil {
			return err
		}
	}
	if err := setGraphicsPasswords(ctx, r.mon, live, d.cfg); err != nil {
		return err
	}
	if err := setLinkStates(ctx, r.mon, live); err != nil {
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
func (d *Driver) learnDevices(ctx context.Context, r *running, live *libvirtxml.Domain, l launch) error {
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
	for i := range devs.Graphics {
		g := &devs.Graphics[i]
		if g.Spice != nil && (g.Spice.AutoPort == "yes" || g.Spice.Port <= 0) {
			g.Spice.Port = l.spicePort
			setListen(&g.Spice.Listen, g.Spice.Listeners, d.cfg.SpiceListen)
		}
		if g.VNC == nil || g.VNC.Socket != "" || d.cfg.VNCAutoUnixSocket {
			continue
		}
		// The live definition names the address, as libvirt's does: virsh vncdisplay
		// prints it.
		setListen(&g.VNC.Listen, g.VNC.Listeners, d.cfg.VNCListen)
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
	if err := xmlscan.Unmarshal(s, cp); err != nil {
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

// setListen fills in the address a display listens on when the definition left it
// to qemu.conf.
func setListen(attr *string, ls []libvirtxml.DomainGraphicListener, dflt string) {
	addr := listenAddress(*attr, ls, dflt)
	*attr = addr
	for i := range ls {
		if ls[i].Address != nil && ls[i].Address.Address == "" {
			ls[i].Address.Address = addr
		}
	}
}

// writeMasterKey gives the guest the key libvirt passes every QEMU (the masterKey0
// secret), which encrypts secrets handed over the monitor.
func writeMasterKey(dir string) error {
	key := make([]byte, 32)
	rand.Read(key)
	p := filepath.Join(dir, "master-key.aes")
	if err := os.WriteFile(p, key, 0o600); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "failed to write master key file for domain: %v", err)
	}
	return nil
}

// spicePort picks the TCP port of an automatic SPICE display: the first free one
// from 5900 on the address SPICE listens on, as libvirt's port allocator does.
func spicePort(def *libvirtxml.Domain, cfg *Config) (int, error) {
	for _, g := range def.Devices.Graphics {
		if g.Spice == nil || (g.Spice.AutoPort != "yes" && g.Spice.Port > 0) {
			continue
		}
		addr := listenAddress(g.Spice.Listen, g.Spice.Listeners, cfg.SpiceListen)
		for port := 5900; port < 65536; port++ {
			ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
			if err == nil {
				ln.Close()
				return port, nil
			}
		}
		return 0, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "Unable to find an unused port in range 'display' (5900-65535)")
	}
	return 0, nil
}
