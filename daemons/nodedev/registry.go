package nodedev

import (
	"sort"
	"strings"
	"sync"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// device is one entry of the registry: its definition as last built, the capabilities
// list filters match, and its formatted XML, which tells a real update from a repeat.
type device struct {
	def  *libvirtxml.NodeDevice
	caps []capType
	xml  string
}

func newDevice(def *libvirtxml.NodeDevice) (*device, error) {
	x, err := xmlstyle.Marshal(def)
	if err != nil {
		return nil, err
	}
	return &device{def: def, caps: capsOf(def), xml: x}, nil
}

// has reports whether the device has capability c, nested ones included.
func (d *device) has(c capType) bool {
	for _, x := range d.caps {
		if x == c {
			return true
		}
	}
	return false
}

// persistent is true for the computer only: every other device exists while the kernel
// has it (libvirt's persistent devices are mediated devices defined with mdevctl).
func (d *device) persistent() bool { return d.def.Name == computerName }

// registry holds the devices by name and by sysfs path. One goroutine (the uevent
// loop) changes it; procedures read it.
type registry struct {
	mu     sync.RWMutex
	byName map[string]*device
	byPath map[string]string // sysfs path → name
}

func newRegistry() *registry {
	return &registry{byName: map[string]*device{}, byPath: map[string]string{}}
}

// get returns the device named name.
func (r *registry) get(name string) (*device, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.byName[name]
	return d, ok
}

// list returns the devices that match, sorted by name.
func (r *registry) list(match func(*device) bool) []*device {
	r.mu.RLock()
	out := make([]*device, 0, len(r.byName))
	for _, d := range r.byName {
		if match == nil || match(d) {
			out = append(out, d)
		}
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].def.Name < out[j].def.Name })
	return out
}

// paths returns the sysfs paths of every device.
func (r *registry) paths() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.byPath))
	for p := range r.byPath {
		out = append(out, p)
	}
	return out
}

// parentOf names the closest ancestor of the sysfs path that is a device, or the
// computer (udevSetParent).
func (r *registry) parentOf(path string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for p := path; ; {
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			return computerName
		}
		p = p[:i]
		if name, ok := r.byPath[p]; ok {
			return name
		}
	}
}

// put stores d and returns the device it replaces: the one at the same sysfs path, or
// else the one of the same name. A device whose name changed (a network interface
// with a new MAC address) comes back with its old entry, which the caller reports as
// deleted.
func (r *registry) put(d *device) (old *device) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name, ok := r.byPath[d.def.Path]; ok && d.def.Path != "" {
		old = r.byName[name]
		delete(r.byName, name)
	}
	if o, ok := r.byName[d.def.Name]; ok {
		if old == nil {
			old = o
		}
		delete(r.byPath, o.def.Path)
	}
	r.byName[d.def.Name] = d
	if d.def.Path != "" {
		r.byPath[d.def.Path] = d.def.Name
	}
	return old
}

// remove drops the device at the sysfs path and returns it.
func (r *registry) remove(path string) (*device, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name, ok := r.byPath[path]
	if !ok {
		return nil, false
	}
	d := r.byName[name]
	delete(r.byPath, path)
	delete(r.byName, name)
	return d, true
}
