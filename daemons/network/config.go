package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/atomicfile"
)

// saveConfig writes a persistent definition with libvirt's banner.
func (d *Driver) saveConfig(def *netDef) error {
	s, err := formatDef(def)
	if err != nil {
		return err
	}
	banner := "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n" +
		"OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n"
	// An XML comment cannot hold "--": such a name stays out of the banner.
	if !strings.Contains(def.Name, "--") {
		banner += "  virsh net-edit " + def.Name + "\n"
	}
	banner += "or other application using the libvirt API.\n-->\n\n"
	if err := os.MkdirAll(d.paths.config, 0o755); err != nil {
		return writeErr(err, d.paths.config)
	}
	if err := atomicfile.WriteFile(d.paths.configFile(def.Name), []byte(banner+s), 0o600); err != nil {
		return writeErr(err, d.paths.configFile(def.Name))
	}
	return nil
}

func writeErr(err error, path string) error {
	return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "cannot save config file '%s': %v", path, virerror.Strerror(err))
}

// deleteConfig removes a network's config file and autostart link.
func (d *Driver) deleteConfig(name string) error {
	if err := os.Remove(d.paths.autostartLink(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "Failed to delete autostart link '%s': %v", d.paths.autostartLink(name), virerror.Strerror(err))
	}
	if err := os.Remove(d.paths.configFile(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "cannot remove config %s: %v", d.paths.configFile(name), virerror.Strerror(err))
	}
	return atomicfile.SyncDir(d.paths.config)
}

// setAutostartLink creates or removes the autostart symlink, as libvirt does.
func (d *Driver) setAutostartLink(name string, on bool) error {
	link := d.paths.autostartLink(name)
	if !on {
		if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
			return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "Failed to delete symlink '%s': %v", link, virerror.Strerror(err))
		}
		return nil
	}
	if err := os.MkdirAll(d.paths.autostart, 0o755); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "cannot create autostart directory '%s': %v", d.paths.autostart, virerror.Strerror(err))
	}
	target := d.paths.configFile(name)
	if err := os.Symlink(target, link); err != nil && !errors.Is(err, os.ErrExist) {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "Failed to create symlink '%s' to '%s': %v", link, target, virerror.Strerror(err))
	}
	return atomicfile.SyncDir(d.paths.autostart)
}

// saveStatus writes the live definition of an active network.
func (d *Driver) saveStatus(def *netDef) error {
	s, err := formatDef(def)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.paths.state, 0o755); err != nil {
		return writeErr(err, d.paths.state)
	}
	indented := "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
	doc := "<networkstatus>\n" + indented + "</networkstatus>\n"
	if err := atomicfile.WriteFile(d.paths.statusFile(def.Name), []byte(doc), 0o600); err != nil {
		return writeErr(err, d.paths.statusFile(def.Name))
	}
	return nil
}

// readStatus loads a status file's live definition.
func readStatus(path string) (*netDef, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := string(b)
	k := strings.Index(s, "<networkstatus>")
	i := strings.Index(s[k+1:], "<network") + k + 1
	j := strings.LastIndex(s, "</network>")
	if k < 0 || i <= k || j < i {
		return nil, fmt.Errorf("%s is not a network status file", path)
	}
	// The driver wrote it, but it goes through the same validation as a new
	// definition: a hand-edited file cannot inject anything either.
	return parseDef(s[i : j+len("</network>")])
}

// loadConfigs reads the persistent definitions and autostart links.
func (d *Driver) loadConfigs() error {
	entries, err := os.ReadDir(d.paths.config)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", d.paths.config, err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".xml") {
			continue
		}
		path := filepath.Join(d.paths.config, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			d.log.Warn("cannot read network config", "file", path, "err", err)
			continue
		}
		def, err := parseDef(string(b))
		if err != nil || def.Name+".xml" != e.Name() {
			d.log.Warn("skipping network config", "file", path, "err", err)
			continue
		}
		if err := d.assignBridge(def); err != nil {
			d.log.Warn("skipping network config", "file", path, "err", err)
			continue
		}
		_, statErr := os.Stat(d.paths.autostartLink(def.Name))
		d.nets[def.Name] = &network{def: def, persistent: true, autostart: statErr == nil, ports: map[string]*libvirtxml.NetworkPort{}}
	}
	return nil
}
