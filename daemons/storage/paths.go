package storage

import (
	"path/filepath"

	"github.com/virtunit/virtunit/daemons/driver"
)

// paths are where the driver keeps its files, libvirt's layout (storageStateInitialize):
// definitions and autostart links under the config directory, the live state of
// active pools under the run directory.
type paths struct {
	config    string // /etc/libvirt/storage
	autostart string // /etc/libvirt/storage/autostart
	state     string // /run/libvirt/storage; $XDG_RUNTIME_DIR/libvirt/storage/run
}

func pathsFor(p driver.Paths) paths {
	out := paths{
		config:    filepath.Join(p.ConfigDir, "storage"),
		autostart: filepath.Join(p.ConfigDir, "storage", "autostart"),
		state:     filepath.Join(p.RunDir, "storage"),
	}
	if !p.Privileged {
		out.state = filepath.Join(p.RunDir, "storage", "run")
	}
	return out
}

func (p paths) configFile(name string) string    { return filepath.Join(p.config, name+".xml") }
func (p paths) autostartLink(name string) string { return filepath.Join(p.autostart, name+".xml") }
func (p paths) stateFile(name string) string     { return filepath.Join(p.state, name+".xml") }

// autostarted marks that pools were autostarted since the host booted (the run
// directory is cleared at boot), as libvirt's virDriverShouldAutostart does.
func (p paths) autostarted() string { return filepath.Join(p.state, "autostarted") }

// pidFile is libvirt's driver.pid, held locked while the driver runs so a second
// daemon cannot manage the same pools.
func (p paths) pidFile() string { return filepath.Join(p.state, "driver.pid") }
