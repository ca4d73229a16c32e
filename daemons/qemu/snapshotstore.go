package qemu

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// Snapshot metadata, kept as libvirt keeps it (qemuDomainSnapshotWriteMetadata): one
// <domainsnapshot> file per snapshot under snapshot/DOMAIN/, the guest's definition
// inside, the current snapshot marked <active>1</active>. The disks hold the data.

// snapshotDir is where a guest's snapshot metadata lives
// (/var/lib/libvirt/qemu/snapshot/NAME).
func (d *Driver) snapshotDir(domName string) string {
	return filepath.Join(d.env.Paths.StateDir, "qemu", "snapshot", domName)
}

// snapshot is one snapshot's metadata.
type snapshot struct {
	def     *libvirtxml.DomainSnapshot
	current bool
}

func (s *snapshot) name() string { return s.def.Name }

func (s *snapshot) parent() string {
	if s.def.Parent == nil {
		return ""
	}
	return s.def.Parent.Name
}

// hasMemory tells a snapshot of a running guest (memory and disks) from one of a
// stopped guest (disks only).
func (s *snapshot) hasMemory() bool { return s.def.State == "running" || s.def.State == "paused" }

// snapshotTree is all of a guest's snapshots, ordered by creation.
type snapshotTree struct {
	list []*snapshot
}

func (t *snapshotTree) byName(name string) *snapshot {
	for _, s := range t.list {
		if s.name() == name {
			return s
		}
	}
	return nil
}

func (t *snapshotTree) current() *snapshot {
	for _, s := range t.list {
		if s.current {
			return s
		}
	}
	return nil
}

func (t *snapshotTree) children(name string) []*snapshot {
	var out []*snapshot
	for _, s := range t.list {
		if s.parent() == name {
			out = append(out, s)
		}
	}
	return out
}

// descendants are the children, their children and so on, parents first.
func (t *snapshotTree) descendants(name string) []*snapshot {
	var out []*snapshot
	for _, c := range t.children(name) {
		out = append(out, c)
		out = append(out, t.descendants(c.name())...)
	}
	return out
}

// loadSnapshots reads a guest's snapshot metadata; a file that does not parse is
// logged and left alone.
func (d *Driver) loadSnapshots(domName string) *snapshotTree {
	t := &snapshotTree{}
	dir := d.snapshotDir(domName)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return t
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".xml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		def := &libvirtxml.DomainSnapshot{}
		if err := xml.Unmarshal(data, def); err != nil || def.Name == "" {
			d.log.Warn("skipping snapshot metadata that cannot be read", "file", filepath.Join(dir, e.Name()), "err", err)
			continue
		}
		if def.Disks != nil {
			// A disk without a source reads back with an empty file one.
			for i := range def.Disks.Disks {
				if src := def.Disks.Disks[i].Source; src != nil && src.File != nil && src.File.File == "" {
					def.Disks.Disks[i].Source = nil
				}
			}
		}
		s := &snapshot{def: def, current: def.Active != nil && *def.Active == 1}
		def.Active = nil
		t.list = append(t.list, s)
	}
	sort.SliceStable(t.list, func(i, j int) bool {
		a, _ := strconv.ParseInt(t.list[i].def.CreationTime, 10, 64)
		b, _ := strconv.ParseInt(t.list[j].def.CreationTime, 10, 64)
		if a != b {
			return a < b
		}
		return t.list[i].name() < t.list[j].name()
	})
	return t
}

func (d *Driver) hasSnapshots(dom *domain) bool { return len(d.loadSnapshots(dom.name).list) > 0 }

// snapshotXML is a snapshot's document; with current, marked as libvirt marks the
// current one in its files.
func snapshotXML(s *snapshot, current bool) (string, error) {
	cp := *s.def
	cp.Active = nil
	if current {
		one := uint(1)
		if !s.current {
			one = 0
		}
		cp.Active = &one
	}
	raw, err := xml.Marshal(&cp)
	if err != nil {
		return "", err
	}
	return xmlstyle.Format(string(raw))
}

// saveSnapshot writes a snapshot's metadata atomically.
func (d *Driver) saveSnapshot(domName string, s *snapshot) error {
	out, err := snapshotXML(s, true)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", s.name(), err)
	}
	dir := d.snapshotDir(domName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, s.name()+".xml"), []byte(out), 0o600)
}

func (d *Driver) removeSnapshotFile(domName, name string) error {
	return atomicfile.Remove(filepath.Join(d.snapshotDir(domName), name+".xml"))
}

// setCurrent makes name the current snapshot ("" for none), rewriting the files whose
// mark changes.
func (d *Driver) setCurrent(domName string, t *snapshotTree, name string) error {
	for _, s := range t.list {
		want := s.name() == name
		if s.current == want {
			continue
		}
		s.current = want
		if err := d.saveSnapshot(domName, s); err != nil {
			return err
		}
	}
	return nil
}

// checkSnapshotName refuses names that cannot be a file name.
func checkSnapshotName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 255 {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromDomainSnapshot, "invalid snapshot name '%s'", name)
	}
	return nil
}

func errNoSnapshot(name string) error {
	return virerror.New(libvirt.ErrNoDomainSnapshot, virerror.FromDomainSnapshot, "no domain snapshot with matching name '%s'", name)
}
