package nodedev

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// sysfs reads the device tree under root: "/sys" on a host, a copy in tests. Paths
// handed in and out always look like the host's ("/sys/devices/..."), whatever root is,
// because they are what the XML shows.
type sysfs struct{ root string }

// newSysfs returns a reader of the tree under root, resolving root once so that
// symlinks inside it can be mapped back to "/sys/..." paths.
func newSysfs(root string) (sysfs, error) {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return sysfs{}, fmt.Errorf("sysfs root: %w", err)
	}
	return sysfs{root: r}, nil
}

// file maps a "/sys/..." path to where it is read.
func (s sysfs) file(p string) string {
	return filepath.Join(s.root, strings.TrimPrefix(p, "/sys"))
}

// attr reads a sysfs attribute of the device at dev, trimmed; "" when it is missing or
// unreadable, as libudev's udev_device_get_sysattr_value gives NULL.
func (s sysfs) attr(dev, name string) string {
	b, err := os.ReadFile(s.file(dev + "/" + name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// attrInt reads an integer attribute in the given base ("0x" prefixes allowed for 16).
func (s sysfs) attrInt(dev, name string, base int) (int64, bool) {
	v := s.attr(dev, name)
	if base == 16 {
		v = strings.TrimPrefix(strings.TrimPrefix(v, "0x"), "0X")
	}
	n, err := strconv.ParseInt(v, base, 64)
	return n, err == nil
}

// link returns the base name of the symlink dev/name points to ("" if none), as for
// driver, subsystem and iommu_group.
func (s sysfs) link(dev, name string) string {
	t, err := os.Readlink(s.file(dev + "/" + name))
	if err != nil {
		return ""
	}
	return filepath.Base(t)
}

// exists reports whether dev/name exists.
func (s sysfs) exists(dev, name string) bool {
	_, err := os.Lstat(s.file(dev + "/" + name))
	return err == nil
}

// canonical resolves a /sys path with symlinks (a /sys/class or /sys/bus entry) to the
// device's own directory under /sys/devices.
func (s sysfs) canonical(p string) (string, error) {
	real, err := filepath.EvalSymlinks(s.file(p))
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(s.root, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("%s resolves outside sysfs", p)
	}
	return "/sys/" + filepath.ToSlash(rel), nil
}

// ignoredSubsystems are skipped while enumerating, as libvirt's subsystem_ignored: they
// hold nothing libvirt reports and many entries.
var ignoredSubsystems = map[string]bool{"acpi": true, "tty": true, "vc": true, "i2c": true}

// devicePaths lists every device that belongs to a subsystem, the way libudev's
// enumerator finds them: the entries of /sys/bus/*/devices and /sys/class/*, resolved
// to their directories under /sys/devices, sorted so that parents come before their
// children.
func (s sysfs) devicePaths() ([]string, error) {
	var entries []string
	buses, err := os.ReadDir(s.file("/sys/bus"))
	if err != nil {
		return nil, fmt.Errorf("enumerate devices: %w", err)
	}
	for _, b := range buses {
		if ignoredSubsystems[b.Name()] {
			continue
		}
		entries = append(entries, s.list("/sys/bus/"+b.Name()+"/devices")...)
	}
	classes, err := os.ReadDir(s.file("/sys/class"))
	if err != nil {
		return nil, fmt.Errorf("enumerate devices: %w", err)
	}
	for _, c := range classes {
		if ignoredSubsystems[c.Name()] {
			continue
		}
		entries = append(entries, s.list("/sys/class/"+c.Name())...)
	}
	seen := map[string]bool{}
	var paths []string
	for _, e := range entries {
		p, err := s.canonical(e)
		if err != nil || seen[p] {
			continue // vanished while enumerating, or a duplicate
		}
		seen[p] = true
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool {
		di, dj := strings.Count(paths[i], "/"), strings.Count(paths[j], "/")
		if di != dj {
			return di < dj
		}
		return paths[i] < paths[j]
	})
	return paths, nil
}

func (s sysfs) list(dir string) []string {
	ents, err := os.ReadDir(s.file(dir))
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		out = append(out, dir+"/"+e.Name())
	}
	return out
}

// rawDevice is what the kernel and udevd say about one device, before it is classified.
type rawDevice struct {
	Path      string // "/sys/devices/..."
	Subsystem string
	Sysname   string
	Driver    string
	Props     map[string]string // the uevent file, overlaid with udevd's properties
	Links     []string          // /dev symlinks made by udevd
}

// Prop returns a property ("" when absent).
func (d *rawDevice) Prop(k string) string { return d.Props[k] }

// DevNode is the device node, "/dev/" + DEVNAME, or "".
func (d *rawDevice) DevNode() string {
	if n := d.Props["DEVNAME"]; n != "" {
		if strings.HasPrefix(n, "/") {
			return n
		}
		return "/dev/" + n
	}
	return ""
}

// readDevice reads the device at path: its uevent file, subsystem and driver links,
// and its udev database record when db has one.
func (s sysfs) readDevice(path string, db udevDB) (*rawDevice, error) {
	f, err := os.Open(s.file(path + "/uevent"))
	if err != nil {
		return nil, fmt.Errorf("read device %s: %w", path, err)
	}
	defer f.Close()
	d := &rawDevice{
		Path:      path,
		Sysname:   filepath.Base(path),
		Subsystem: s.link(path, "subsystem"),
		Driver:    s.link(path, "driver"),
		Props:     map[string]string{},
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && k != "" {
			d.Props[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read device %s: %w", path, err)
	}
	if d.Subsystem == "" {
		return nil, fmt.Errorf("read device %s: no subsystem", path)
	}
	d.Props["SUBSYSTEM"] = d.Subsystem
	d.Props["DEVPATH"] = strings.TrimPrefix(path, "/sys")
	if rec, ok, err := db.lookup(d.Subsystem, d.Sysname, d.Props); err != nil {
		return nil, err
	} else if ok {
		for k, v := range rec.Props {
			d.Props[k] = v
		}
		d.Links = rec.Links
	}
	if d.Driver == "" {
		d.Driver = d.Props["DRIVER"]
	}
	return d, nil
}
