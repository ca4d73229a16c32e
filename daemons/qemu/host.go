package qemu

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// defaultEmulator is the binary a definition without <emulator> runs.
const defaultEmulator = "/usr/bin/qemu-system-x86_64"

// emulator is what the driver knows of one QEMU binary, probed once: its version
// (virConnectGetVersion, capabilities) and machine types (aliases such as "pc" are
// stored as the versioned machine they stand for, as libvirt does).
type emulator struct {
	path     string
	version  uint64 // major*1000000 + minor*1000 + micro
	machines []machine
}

type machine struct {
	name       string
	alias      string // "pc" for pc-i440fx-7.2
	isDefault  bool
	deprecated bool
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

var versionRE = regexp.MustCompile(`version (\d+)\.(\d+)\.(\d+)`)

// probeEmulator asks the binary for its version and machine types. The two questions
// run in parallel: each is a QEMU start of some tens of milliseconds.
func probeEmulator(ctx context.Context, path string) (*emulator, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Cannot check QEMU binary %s: %v", path, virerror.Strerror(err))
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	type result struct {
		out []byte
		err error
	}
	run := func(args ...string) chan result {
		ch := make(chan result, 1)
		go func() {
			out, err := exec.CommandContext(ctx, path, args...).Output()
			ch <- result{out, err}
		}()
		return ch
	}
	verCh, machCh := run("--version"), run("-machine", "help")
	ver, mach := <-verCh, <-machCh
	for _, r := range []result{ver, mach} {
		if r.err != nil {
			return nil, virerror.Wrap(r.err, libvirt.ErrInternalError, virerror.FromQEMU, "Failed to probe capabilities for %s: %v", path, r.err)
		}
	}
	m := versionRE.FindSubmatch(ver.out)
	if m == nil {
		return nil, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "cannot parse %s version number in '%.80s'", path, ver.out)
	}
	var v [3]uint64
	for i := range v {
		v[i], _ = strconv.ParseUint(string(m[i+1]), 10, 32)
	}
	return &emulator{path: path, version: v[0]*1000000 + v[1]*1000 + v[2], machines: parseMachines(mach.out)}, nil
}

// parseMachines reads the output of "-machine help".
func parseMachines(out []byte) []machine {
	var ms []machine
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] == "Supported" || f[0] == "none" {
			continue
		}
		line := sc.Text()
		m := machine{name: f[0], isDefault: strings.Contains(line, "(default)"), deprecated: strings.Contains(line, "(deprecated)")}
		if i := strings.Index(line, "(alias of "); i >= 0 {
			m.isDefault = false // QEMU marks the target, never the alias, as default
			target := strings.TrimSuffix(strings.Fields(line[i+len("(alias of "):])[0], ")")
			m.alias, m.name = m.name, target
		}
		// An alias line may come before or after its target's own line: merge both
		// into one entry.
		j := 0
		for j < len(ms) && ms[j].name != m.name {
			j++
		}
		if j == len(ms) {
			ms = append(ms, m)
			continue
		}
		ms[j].isDefault = ms[j].isDefault || m.isDefault
		ms[j].deprecated = ms[j].deprecated || m.deprecated
		if m.alias != "" {
			ms[j].alias = m.alias
		}
	}
	return ms
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
