package qemu

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/units"
)

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
		Resources:   d.guestResources(live),
		TasksMax:    uint64(d.cfg.MaxThreads),
		StopTimeout: stopTimeout,
		// Ordered as libvirt orders its machine scopes: after the daemons, so that at
		// shutdown systemd stops the guest (which the driver hears as a stop request and
		// answers with a graceful shutdown) while the daemon still runs; and before
		// virt-guest-shutdown.target, after which libvirt-guests would run.
		After:  []string{"libvirtd.service", "virtqemud.service"},
		Before: []string{"virt-guest-shutdown.target"},
	}
	if d.privileged {
		spec.Machine = &units.Machine{Name: machine, UUID: dom.uuid, Service: "libvirt-qemu", Class: "vm"}
		if d.cfg.UID > 0 || d.cfg.GID > 0 {
			spec.User = &units.Credential{UID: uint32(d.cfg.UID), GID: uint32(d.cfg.GID), Groups: d.cfg.Groups}
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

// DomainUnit is driver.DomainUnits: the unit a running guest's QEMU runs as and, in
// root mode, its machine.
func (d *Driver) DomainUnit(ctx context.Context, ref libvirt.Domain) (driver.Unit, error) {
	dom, err := d.get(ref)
	if err != nil {
		return driver.Unit{}, err
	}
	dom.mu.Lock()
	defer dom.mu.Unlock()
	if dom.run == nil {
		return driver.Unit{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain is not running")
	}
	u := driver.Unit{Name: dom.run.unit}
	if d.privileged {
		u.Machine = machineName(dom.id, dom.name)
	}
	return u, nil
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

// prepareFiles gives the guest's user what it must open itself, as dynamic_ownership
// asks: its directory, its console log, its disks, kernel and initrd. Root-mode guests
// running as root, and session guests, need nothing.
func (d *Driver) prepareFiles(live *libvirtxml.Domain, dir, consoleLog string) error {
	if !d.privileged || d.cfg.UID <= 0 {
		return nil
	}
	// The guest's own directory and log are the daemon's: they are handed over for
	// good. Its disks and kernels are the host's, lent while it runs (ownership.go).
	paths := []string{dir, filepath.Join(dir, "master-key.aes")}
	if d.cfg.DynamicOwnership {
		if f, err := os.OpenFile(consoleLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
			f.Close()
			paths = append(paths, consoleLog)
		}
	}
	for _, p := range paths {
		if err := os.Chown(p, d.cfg.UID, d.cfg.GID); err != nil {
			return ownershipError(p, d.cfg.UID, d.cfg.GID, err)
		}
	}
	if !d.cfg.DynamicOwnership {
		return nil
	}
	var taken []string
	for _, p := range guestFiles(live) {
		lent, err := takeOwnership(p, d.cfg.UID, d.cfg.GID)
		if err != nil {
			for _, t := range taken {
				giveBack(t)
			}
			return err
		}
		if !lent {
			// As libvirt's DAC driver: a file that cannot be given away (a read-only
			// or root-squashed mount) is left as it is; the guest may still read it.
			d.log.Info("cannot give a guest's file to its user; leaving it", "file", p, "uid", d.cfg.UID, "gid", d.cfg.GID)
			continue
		}
		taken = append(taken, p)
	}
	return nil
}

// releaseFiles gives back what prepareFiles lent a guest that has stopped.
func (d *Driver) releaseFiles(live *libvirtxml.Domain) {
	if !d.privileged || d.cfg.UID <= 0 || !d.cfg.DynamicOwnership || live == nil {
		return
	}
	for _, p := range guestFiles(live) {
		if err := giveBack(p); err != nil {
			d.log.Warn("cannot give a guest's file back to its owner", "file", p, "err", err)
		}
	}
}
