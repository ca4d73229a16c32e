package storage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/internal/uuid"
)

// banner is the warning libvirt's virXMLSaveFile puts over the files it writes. It
// names the pool when the name is safe in a shell and an XML comment, else its UUID.
func banner(def *poolDef) string {
	b := "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n" +
		"OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n" +
		"  virsh pool-edit"
	for _, s := range []string{def.Name, uuid.Format(def.UUID)} {
		if !strings.ContainsAny(s, "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~") && !strings.Contains(s, "--") {
			b += " " + s
			break
		}
	}
	return b + "\nor other application using the libvirt API.\n-->\n\n"
}

// saveConfig writes a persistent definition. libvirt writes the definition as given:
// sizes and permissions found by refreshes are not part of it.
func (d *Driver) saveConfig(def *poolDef) error {
	if err := os.MkdirAll(d.paths.config, 0o755); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStorage, "cannot create config directory %s: %s", d.paths.config, virerror.Strerror(err))
	}
	path := d.paths.configFile(def.Name)
	if err := atomicfile.WriteFile(path, []byte(banner(def)+formatPool(def)), 0o600); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStorage, "cannot create file '%s': %s", path, virerror.Strerror(err))
	}
	return nil
}

// deleteConfig removes a pool's definition and its autostart link.
func (d *Driver) deleteConfig(name string) error {
	if err := atomicfile.Remove(d.paths.configFile(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromStorage, "cannot remove config for %s", name)
	}
	link := d.paths.autostartLink(name)
	if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		d.log.Error("Failed to delete autostart link", "link", link, "err", err)
	}
	return nil
}

// setAutostartLink creates or removes the autostart symlink to the config file.
func (d *Driver) setAutostartLink(name string, on bool) error {
	link, target := d.paths.autostartLink(name), d.paths.configFile(name)
	if !on {
		if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
			return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStorage, "Failed to delete symlink '%s': %s", link, virerror.Strerror(err))
		}
		return atomicfile.SyncDir(d.paths.autostart)
	}
	if err := os.MkdirAll(d.paths.autostart, 0o755); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStorage, "cannot create autostart directory %s: %s", d.paths.autostart, virerror.Strerror(err))
	}
	if err := os.Symlink(target, link); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStorage, "Failed to create symlink '%s' to '%s': %s", link, target, virerror.Strerror(err))
	}
	return atomicfile.SyncDir(d.paths.autostart)
}

// saveState writes the live definition of an active pool (<poolstate>), which tells a
// restarted daemon the pool was running.
func (d *Driver) saveState(def *poolDef) error {
	w := xmlWriter{indent: 2}
	writePool(&w, def)
	doc := banner(def) + "<poolstate>\n" + w.String() + "</poolstate>\n"
	path := d.paths.stateFile(def.Name)
	if err := atomicfile.WriteFile(path, []byte(doc), 0o600); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStorage, "cannot create file '%s': %s", path, virerror.Strerror(err))
	}
	return nil
}

func (d *Driver) removeState(name string) {
	if err := atomicfile.Remove(d.paths.stateFile(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		d.log.Warn("cannot remove pool state file", "pool", name, "err", err)
	}
}

// readState loads a state file's pool.
func readState(path string) (*poolDef, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	root, err := parseDoc(string(b), "poolstate", "(pool_state)")
	if err != nil {
		return nil, err
	}
	p := root.child("pool")
	if p == nil {
		return nil, errors.New("Could not find any 'pool' element in state file")
	}
	return poolFromNode(p)
}

// xmlFiles lists the NAME.xml files of dir, without their suffix.
func xmlFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".xml"); ok && !e.IsDir() && n != "" && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	return names, nil
}

// linkPointsTo reports whether link is a symlink whose target is file, as libvirt's
// virFileLinkPointsTo checks the autostart links.
func linkPointsTo(link, file string) bool {
	a, err1 := filepath.EvalSymlinks(link)
	b, err2 := filepath.EvalSymlinks(file)
	return err1 == nil && err2 == nil && a == b
}
