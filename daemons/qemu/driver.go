package qemu

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/internal/hook"
	"github.com/virtunit/virtunit/units"
)

// Driver is the QEMU driver of one daemon.
type Driver struct {
	env        *driver.Env
	log        *slog.Logger
	cfg        *Config
	dirs       dirs
	privileged bool
	// kvm tells whether type='kvm' guests can run here (see kvmUsable).
	kvm       bool
	emulators emulators
	// firmware are the UEFI firmware descriptors found at start, for domain
	// capabilities and firmware='efi'.
	firmware []firmware
	// domcaps keeps each domain capabilities document built, by its arguments.
	domcaps sync.Map
	// hooks runs libvirt's hook scripts (CONFIGDIR/hooks/qemu).
	hooks hook.Dir
	doms  *registry
	// units runs each guest's QEMU as a unit (a scope under systemd, a supervised
	// process otherwise); the driver cannot tell which.
	units units.Realizer
	// networks is the network driver's side of interfaces of type 'network'.
	networks networkPorts
	// ports are the incoming migrations' listening ports.
	ports migrationPorts

	// ctx ends when the driver closes; background work (monitor readers, autostart)
	// runs under it and is waited for in wg.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// reconnecting counts the guests found running at start that are being adopted.
	reconnecting sync.WaitGroup
	// up is closed when New returns: from then on the daemon serves calls, its own
	// network driver's included.
	up chan struct{}
}

var _ driver.Hypervisor = (*Driver)(nil)

// New loads qemu.conf, the persistent definitions and the status of running guests,
// and returns the driver. It fits driver.Factory.
func New(ctx context.Context, env *driver.Env) (driver.Driver, error) {
	doms := newRegistry()
	d := &Driver{
		env:        env,
		log:        slog.New(newGuestLog(env.Logger("qemu").Handler(), doms)),
		dirs:       dirsFor(env.Paths),
		privileged: env.Paths.Privileged,
		doms:       doms,
		units:      env.Units,
		networks:   portClient{env},
		up:         make(chan struct{}),
	}
	d.emulators.cacheDir = d.dirs.capabilities
	d.firmware = loadFirmware(firmwareDirs)
	d.hooks = hook.DirFor(env.Paths.ConfigDir)
	cfg, err := loadConfig(d.dirs.confFile, d.privileged)
	if err != nil {
		return nil, fmt.Errorf("qemu: %w", err)
	}
	d.cfg = cfg
	if len(cfg.Ignored) > 0 {
		d.log.Info("qemu.conf settings virtunit does not act on", "file", d.dirs.confFile, "keys", cfg.Ignored)
	}
	// Guests may run as another user (qemu.conf's user): in root mode they must be
	// able to reach their private directory under the run directory and their
	// console log in the log directory.
	modes := map[string]os.FileMode{d.dirs.config: 0o700, d.dirs.run: 0o700, d.dirs.log: 0o700}
	if d.privileged {
		modes[d.dirs.run], modes[d.dirs.log] = 0o755, 0o711
	}
	for dir, mode := range modes {
		if err := os.MkdirAll(dir, mode); err != nil {
			return nil, fmt.Errorf("qemu: cannot create %s: %w", dir, err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			return nil, fmt.Errorf("qemu: %w", err)
		}
	}
	for _, dir := range []string{d.dirs.config, d.dirs.run, d.dirs.capabilities} {
		if err := atomicfile.Sweep(dir); err != nil {
			d.log.Warn("cannot remove what interrupted writes left", "err", err)
		}
	}
	var why string
	d.kvm, why = kvmUsable("/dev/kvm", "/proc/cpuinfo")
	if d.kvm {
		d.log.Info("KVM acceleration available", "why", why)
	} else {
		d.log.Info("KVM acceleration not usable; guests run under TCG and type='kvm' is refused", "why", why)
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	// The default emulator is probed now (from the disk cache, usually), so calls
	// that need it, domain capabilities among them, answer from memory.
	if _, err := d.emulators.get(ctx, defaultEmulator); err != nil {
		d.log.Warn("cannot probe the default emulator", "emulator", defaultEmulator, "err", err)
	}
	d.loadConfigs()
	gone := d.loadRunning()
	if d.hooks.Present(hook.QEMU) {
		// A host with hook scripts gets every guest's reconnect hook before the
		// daemon's start hook, as when start-up waited for all reconnects.
		gone = &d.reconnecting
	}
	d.awaitReconnects(gone, reconnectWait)
	d.wg.Add(1)
	go d.rotateLogs()
	d.wg.Add(1)
	go d.checkStored(checkStoredDelay)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.reconnecting.Wait() // autostart must not start a guest being adopted
		d.autostart()
	}()
	close(d.up)
	return d, nil
}

// Close stops background work. Running guests keep running: they are units of their
// own, found again by the next daemon.
func (d *Driver) Close() error {
	d.cancel()
	d.wg.Wait()
	return nil
}

// Schemes says the driver is the hypervisor of qemu:// connections.
func (d *Driver) Schemes() []string { return []string{"qemu"} }

// reconnectWait bounds how long start-up waits for the guests whose QEMU is gone to be
// shut off; one that takes longer finishes in the background, its calls waiting for it.
const reconnectWait = 10 * time.Second

func (d *Driver) awaitReconnects(gone *sync.WaitGroup, limit time.Duration) {
	done := make(chan struct{})
	go func() {
		gone.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		d.log.Warn("some running guests are still being reconnected", "after", limit)
	}
}

var _ driver.Migrations = (*Driver)(nil)
