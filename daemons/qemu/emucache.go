package qemu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/virtunit/virtunit/internal/atomicfile"
)

// cacheFormat changes whenever cachedEmulator does: a cache of another format is
// probed anew.
const cacheFormat = 2

// cachedEmulator is the disk form of an emulator's probe.
type cachedEmulator struct {
	Format   int             `json:"format"`
	Path     string          `json:"path"`
	Size     int64           `json:"size"`
	ModTime  int64           `json:"mtime_ns"`
	Version  uint64          `json:"version"`
	Machines []cachedMachine `json:"machines"`
	CPUs     []cachedCPU     `json:"cpus"`
	Devices  []string        `json:"devices"`
	Spice    bool            `json:"spice,omitempty"`
}

type cachedMachine struct {
	Name       string `json:"name"`
	Alias      string `json:"alias,omitempty"`
	Default    bool   `json:"default,omitempty"`
	Deprecated bool   `json:"deprecated,omitempty"`
	MaxCPUs    int    `json:"max_cpus"`
}

type cachedCPU struct {
	Name   string `json:"name"`
	Usable bool   `json:"usable,omitempty"`
}

func (e *emulators) cacheFile(path string) string {
	sum := sha256.Sum256([]byte(path))
	return filepath.Join(e.cacheDir, hex.EncodeToString(sum[:8])+".json")
}

// load returns the cached probe of the binary at path if it is still the same binary.
func (e *emulators) load(path string) *emulator {
	fi, err := os.Stat(path)
	if e.cacheDir == "" || err != nil {
		return nil
	}
	data, err := os.ReadFile(e.cacheFile(path))
	if err != nil {
		return nil
	}
	var c cachedEmulator
	if json.Unmarshal(data, &c) != nil || c.Format != cacheFormat || c.Path != path ||
		c.Size != fi.Size() || c.ModTime != fi.ModTime().UnixNano() {
		return nil
	}
	em := &emulator{path: path, version: c.Version, spice: c.Spice, devices: map[string]bool{}}
	for _, m := range c.Machines {
		em.machines = append(em.machines, machine{name: m.Name, alias: m.Alias, isDefault: m.Default, deprecated: m.Deprecated, maxCPUs: m.MaxCPUs})
	}
	for _, cpu := range c.CPUs {
		em.cpus = append(em.cpus, cpuDef{name: cpu.Name, usable: cpu.Usable})
	}
	for _, d := range c.Devices {
		em.devices[d] = true
	}
	return em
}

// save keeps a probe for the next daemon; failing to is harmless.
func (e *emulators) save(em *emulator) {
	fi, err := os.Stat(em.path)
	if e.cacheDir == "" || err != nil {
		return
	}
	c := cachedEmulator{Format: cacheFormat, Path: em.path, Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), Version: em.version, Spice: em.spice}
	for _, m := range em.machines {
		c.Machines = append(c.Machines, cachedMachine{m.name, m.alias, m.isDefault, m.deprecated, m.maxCPUs})
	}
	for _, cpu := range em.cpus {
		c.CPUs = append(c.CPUs, cachedCPU{cpu.name, cpu.usable})
	}
	for d := range em.devices {
		c.Devices = append(c.Devices, d)
	}
	slices.Sort(c.Devices)
	data, err := json.Marshal(c)
	if err != nil || os.MkdirAll(e.cacheDir, 0o755) != nil {
		return
	}
	atomicfile.WriteFile(e.cacheFile(em.path), data, 0o644)
}
