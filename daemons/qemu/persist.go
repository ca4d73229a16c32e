package qemu

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// configHeader is the comment libvirt puts atop every file it owns.
const configHeader = `<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh edit %s
or other application using the libvirt API.
-->

`

// formatDefinition is def in libvirt's XML style.
func formatDefinition(def *libvirtxml.Domain) (string, error) {
	out, err := xmlstyle.Marshal(def)
	if err != nil {
		return "", fmt.Errorf("format domain %s: %w", def.Name, err)
	}
	return out, nil
}

// saveConfig writes the persistent definition atomically.
func (d *Driver) saveConfig(def *libvirtxml.Domain) error {
	out, err := formatDefinition(def)
	if err != nil {
		return err
	}
	data := fmt.Sprintf(configHeader, def.Name) + out
	return atomicfile.WriteFile(d.dirs.configFile(def.Name), []byte(data), 0o600)
}

// removeConfig deletes the persistent definition and its autostart link.
func (d *Driver) removeConfig(name string) error {
	if err := atomicfile.Remove(d.dirs.autostartLink(name)); err != nil {
		return err
	}
	return atomicfile.Remove(d.dirs.configFile(name))
}

// setAutostartLink creates or removes autostart/NAME.xml, a link to the config as
// libvirt makes it. The link is made under a temporary name and renamed into place.
func (d *Driver) setAutostartLink(name string, on bool) error {
	link := d.dirs.autostartLink(name)
	if !on {
		return atomicfile.Remove(link)
	}
	if err := os.MkdirAll(d.dirs.autostart, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", d.dirs.autostart, err)
	}
	tmp := link + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(d.dirs.configFile(name), tmp); err != nil {
		return fmt.Errorf("autostart %s: %w", name, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("autostart %s: %w", name, err)
	}
	return atomicfile.SyncDir(d.dirs.autostart)
}

// loadConfigs reads every persistent definition. A file that does not parse, does not
// check, or whose name does not match its file is logged and skipped: it stays on disk
// for a person to mend, and the other domains load. Only each file's name and UUID are
// read now; the rest is decoded when a call first needs it (storedDef).
func (d *Driver) loadConfigs() {
	ents, err := os.ReadDir(d.dirs.config)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			d.log.Error("cannot read domain configs", "dir", d.dirs.config, "err", err)
		}
		return
	}
	// One read of the autostart directory instead of a look for each domain's link.
	autostart := map[string]bool{}
	if links, err := os.ReadDir(d.dirs.autostart); err == nil {
		for _, l := range links {
			autostart[l.Name()] = true
		}
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".xml")
		if !ok || e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(d.dirs.config, e.Name())
		if err := d.loadConfig(path, name, autostart[e.Name()]); err != nil {
			d.log.Error("skipping domain config that cannot be loaded", "file", path, "err", err)
		}
	}
}

func (d *Driver) loadConfig(path, name string, autostart bool) error {
	text, err := readSmall(path)
	if err != nil {
		return err
	}
	defName, uuidText, err := scanHead(text)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if defName != name {
		return fmt.Errorf("domain name '%s' does not match file name '%s'", defName, name)
	}
	if err := checkName(defName); err != nil {
		return err
	}
	uuid, err := parseUUID(uuidText)
	if err != nil {
		return fmt.Errorf("domain '%s': %w", name, err)
	}
	dom := newDomain(uuid, name)
	dom.stored, dom.persistent, dom.autostart = &storedDef{path: path, text: text}, true, autostart
	return d.doms.add(dom)
}

// completeStored checks a definition read back from the driver's own files. It was
// completed when defined; only what the files' names depend on is checked again, so
// that start-up costs no emulator probe.
func completeStored(def *libvirtxml.Domain) (libvirt.UUID, error) {
	if err := checkName(def.Name); err != nil {
		return libvirt.UUID{}, err
	}
	uuid, err := parseUUID(def.UUID)
	if err != nil {
		return uuid, fmt.Errorf("domain '%s': %w", def.Name, err)
	}
	if def.OS == nil || def.OS.Type == nil || def.Devices == nil {
		return uuid, fmt.Errorf("domain '%s' is incomplete: written by another program?", def.Name)
	}
	// Files another program wrote may use other units or leave parts out.
	if err := completeMemory(def); err != nil {
		return uuid, err
	}
	if def.VCPU == nil {
		def.VCPU = &libvirtxml.DomainVCPU{Placement: "static", Value: 1}
	}
	return uuid, nil
}
