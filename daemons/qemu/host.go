package qemu

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// defaultEmulator is the binary a definition without <emulator> runs.
const defaultEmulator = "/usr/bin/qemu-system-x86_64"

// emulator is what the driver knows of one QEMU binary, probed once over QMP, as
// libvirt probes it (virQEMUCapsInitQMP): its version, machine types in libvirt's
// order (the default first, then QEMU's own order; an alias such as "pc" is stored
// with the versioned machine it stands for), CPU models, device types and whether it
// has SPICE.
type emulator struct {
	path     string
	version  uint64 // major*1000000 + minor*1000 + micro
	machines []machine
	cpus     []cpuDef
	devices  map[string]bool // QOM type names (qxl-vga, usb-redir, memory-backend-memfd, ...)
	spice    bool
}

type machine struct {
	name       string
	alias      string // "pc" for pc-i440fx-7.2
	isDefault  bool
	deprecated bool
	maxCPUs    int
}

// cpuDef is one entry of query-cpu-definitions; usable says whether the
// accelerator probed (TCG) can provide every feature of the model.
type cpuDef struct {
	name   string
	usable bool
}

// emulators probes each binary once and remembers the answer, in memory and, when
// cacheDir is set, on disk, keyed by the binary's size and modification time, so a
// restarted daemon does not pay for probing again (libvirt keeps the same kind of
// cache under /var/cache/libvirt/qemu/capabilities).
type emulators struct {
	cacheDir string

	mu    sync.Mutex
	cache map[string]*probe
}

type probe struct {
	once sync.Once
	em   *emulator
	err  error
}

// get returns the probed emulator at path.
func (e *emulators) get(ctx context.Context, path string) (*emulator, error) {
	e.mu.Lock()
	if e.cache == nil {
		e.cache = map[string]*probe{}
	}
	p := e.cache[path]
	if p == nil {
		p = &probe{}
		e.cache[path] = p
	}
	e.mu.Unlock()
	p.once.Do(func() {
		if p.em = e.load(path); p.em == nil {
			if p.em, p.err = probeEmulator(ctx, path); p.err == nil {
				e.save(p.em)
			}
		}
	})
	return p.em, p.err
}

// canonicalMachine maps a machine type as written in a definition to the versioned
// type QEMU runs: "" is the emulator's default, an alias its target. An unknown type
// is an error, as libvirt reports it.
func (e *emulator) canonicalMachine(name string) (string, error) {
	for _, m := range e.machines {
		if (name == "" && m.isDefault) || name == m.name || (name != "" && name == m.alias) {
			return m.name, nil
		}
	}
	if name == "" {
		return "", virerror.New(libvirt.ErrConfigUnsupported, virerror.FromQEMU, "no default machine type for emulator '%s'", e.path)
	}
	return "", virerror.New(libvirt.ErrConfigUnsupported, virerror.FromQEMU, "Emulator '%s' does not support machine type '%s'", e.path, name)
}

// kvmUsable reports whether guests may use KVM: /dev/kvm must open read-write and the
// CPU must show hardware virtualization (vmx or svm). A /dev/kvm without either is
// software-nested KVM on which real guests die, so it counts as absent. The reason is
// for the log.
func kvmUsable(dev, cpuinfo string) (bool, string) {
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return false, fmt.Sprintf("%s not usable: %v", dev, virerror.Strerror(err))
	}
	f.Close()
	data, err := os.ReadFile(cpuinfo)
	if err != nil {
		return false, fmt.Sprintf("cannot read %s: %v", cpuinfo, virerror.Strerror(err))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(key) != "flags" {
			continue
		}
		for _, fl := range strings.Fields(val) {
			if fl == "vmx" || fl == "svm" {
				return true, "hardware virtualization (" + fl + ") and " + dev + " available"
			}
		}
		return false, "the CPU shows neither vmx nor svm"
	}
	return false, "no CPU flags in " + cpuinfo
}
