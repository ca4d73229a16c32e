package qemu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/virtunit/virtunit/internal/atomicfile"
)

// cachedEmulator is the disk form of an emulator's probe.
type cachedEmulator struct {
	Path     string          `json:"path"`
	Size     int64           `json:"size"`
	ModTime  int64           `json:"mtime_ns"`
	Version  uint64          `json:"version"`
	Machines []cachedMachine `json:"machines"`
}

type cachedMachine struct {
	Name       string `json:"name"`
	Alias      string `json:"alias,omitempty"`
	Default    bool   `json:"default,omitempty"`
	Deprecated bool   `json:"deprecated,omitempty"`
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
	if json.Unmarshal(data, &c) != nil || c.Path != path || c.Size != fi.Size() || c.ModTime != fi.ModTime().UnixNano() {
		return nil
	}
	em := &emulator{path: path, version: c.Version}
	for _, m := range c.Machines {
		em.machines = append(em.machines, machine{name: m.Name, alias: m.Alias, isDefault: m.Default, deprecated: m.Deprecated})
	}
	return em
}

// save keeps a probe for the next daemon; failing to is harmless.
func (e *emulators) save(em *emulator) {
	fi, err := os.Stat(em.path)
	if e.cacheDir == "" || err != nil {
		return
	}
	c := cachedEmulator{Path: em.path, Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), Version: em.version}
	for _, m := range em.machines {
		c.Machines = append(c.Machines, cachedMachine{m.name, m.alias, m.isDefault, m.deprecated})
	}
	data, err := json.Marshal(c)
	if err != nil || os.MkdirAll(e.cacheDir, 0o755) != nil {
		return
	}
	atomicfile.WriteFile(e.cacheFile(em.path), data, 0o644)
}
