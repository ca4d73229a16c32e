package nodedev

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSys builds a sysfs tree in a temporary directory, with the relative symlinks the
// kernel makes, for tests that need devices this machine does not have.
type fakeSys struct {
	t    testing.TB
	root string
}

func newFakeSys(t testing.TB) *fakeSys {
	root := t.TempDir()
	for _, d := range []string{"bus", "class", "devices", "kernel", "module"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &fakeSys{t: t, root: root}
}

func (f *fakeSys) path(p string) string { return filepath.Join(f.root, strings.TrimPrefix(p, "/sys")) }

// write creates a file with content under the tree.
func (f *fakeSys) write(p, content string) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Dir(f.path(p)), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(f.path(p), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// symlink makes p point to target, both "/sys/..." paths, with a relative link.
func (f *fakeSys) symlink(p, target string) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Dir(f.path(p)), 0o755); err != nil {
		f.t.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Dir(f.path(p)), f.path(target))
	if err != nil {
		f.t.Fatal(err)
	}
	os.Remove(f.path(p))
	if err := os.Symlink(rel, f.path(p)); err != nil {
		f.t.Fatal(err)
	}
}

// device adds a device of a bus ("bus") or class ("class") subsystem at path, with its
// uevent file and attributes (names may contain '/').
func (f *fakeSys) device(kind, subsystem, path, uevent string, attrs map[string]string) {
	f.t.Helper()
	f.write(path+"/uevent", uevent)
	for k, v := range attrs {
		f.write(path+"/"+k, v+"\n")
	}
	top := "/sys/" + kind + "/" + subsystem
	entry := top + "/" + filepath.Base(path)
	if kind == "bus" {
		entry = top + "/devices/" + filepath.Base(path)
	}
	if err := os.MkdirAll(f.path(top), 0o755); err != nil {
		f.t.Fatal(err)
	}
	f.symlink(path+"/subsystem", top)
	f.symlink(entry, path)
}

// driver binds the device at path to a driver of bus.
func (f *fakeSys) driver(path, bus, name string) {
	f.t.Helper()
	dir := "/sys/bus/" + bus + "/drivers/" + name
	if err := os.MkdirAll(f.path(dir), 0o755); err != nil {
		f.t.Fatal(err)
	}
	f.symlink(path+"/driver", dir)
}

// remove deletes the device at path and its subsystem entry.
func (f *fakeSys) remove(kind, subsystem, path string) {
	entry := "/sys/" + kind + "/" + subsystem + "/" + filepath.Base(path)
	if kind == "bus" {
		entry = "/sys/bus/" + subsystem + "/devices/" + filepath.Base(path)
	}
	os.Remove(f.path(entry))
	os.RemoveAll(f.path(path))
}
