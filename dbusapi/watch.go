package dbusapi

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// watchedFamilies are the subtrees whose objects the object manager lists: those
// whose changes the drivers announce (volumes and snapshots raise no events).
var watchedFamilies = []string{"domain", "network", "interface", "nodedev", "storagepool"}

// watcher keeps what clients were last told about each object — that it exists, and
// its properties — so that a change becomes the object manager's InterfacesAdded and
// InterfacesRemoved and PropertiesChanged with just what changed. libvirt-dbus sends
// none of these.
type watcher struct {
	s *Server

	mu   sync.Mutex
	ctx  context.Context
	objs map[dbus.ObjectPath]map[string]map[string]any // path → interface → properties
}

func newWatcher(s *Server) *watcher {
	return &watcher{s: s, ctx: context.Background(), objs: map[dbus.ObjectPath]map[string]map[string]any{}}
}

// readTimeout bounds each reading of the drivers the watcher does on its own
// initiative, so that a wedged daemon behind virtqemud cannot hold it up for good.
const readTimeout = 30 * time.Second

// start learns the objects that exist, without signals.
func (w *watcher) start(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ctx = ctx
	for _, path := range w.scanLocked() {
		if props, ok := w.readLocked(path); ok {
			w.objs[path] = props
		}
	}
}

// scanLocked lists the objects of every watched family.
func (w *watcher) scanLocked() []dbus.ObjectPath {
	ctx, cancel := context.WithTimeout(w.ctx, readTimeout)
	defer cancel()
	var out []dbus.ObjectPath
	for _, name := range watchedFamilies {
		f := w.s.families[name]
		for _, e := range f.elements(ctx) {
			out = append(out, w.s.child(name, e))
		}
	}
	return out
}

// readLocked reads every property of the object at path, and whether it exists.
func (w *watcher) readLocked(path dbus.ObjectPath) (map[string]map[string]any, bool) {
	ctx, cancel := context.WithTimeout(w.ctx, readTimeout)
	defer cancel()
	p := w.s.locate(path)
	if !p.isObject() || p.isSubtreeRoot() || p.connection() || !p.objs.exists(ctx, p.elem) {
		return nil, false
	}
	props := map[string]map[string]any{}
	for _, it := range p.objs.interfaces() {
		props[it.Name] = p.objs.getAll(ctx, p.elem, it)
	}
	return props, true
}

// changed is changedPath for the object elem of objs.
func (w *watcher) changed(objs objects, elem string) {
	if objs.node() == "" {
		return
	}
	w.changedPath(w.s.child(objs.node(), elem))
}

// changedPath reads the object at path again and tells clients what changed.
func (w *watcher) changedPath(path dbus.ObjectPath) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.updateLocked(path)
}

func (w *watcher) updateLocked(path dbus.ObjectPath) {
	s := w.s
	old, known := w.objs[path]
	now, exists := w.readLocked(path)
	switch {
	case !exists && known:
		delete(w.objs, path)
		s.emit(s.path, "org.freedesktop.DBus.ObjectManager.InterfacesRemoved", path, interfaceNames(s.locate(path)))
	case exists && !known:
		w.objs[path] = now
		s.emit(s.path, "org.freedesktop.DBus.ObjectManager.InterfacesAdded", path, variants(now))
	case exists:
		w.objs[path] = now
		for _, it := range s.locate(path).objs.interfaces() {
			changed := map[string]dbus.Variant{}
			for name, v := range now[it.Name] {
				if ov, ok := old[it.Name][name]; !ok || !reflect.DeepEqual(ov, v) {
					changed[name] = dbus.MakeVariant(v)
				}
			}
			if len(changed) > 0 {
				s.emit(path, "org.freedesktop.DBus.Properties.PropertiesChanged", it.Name, changed, []string{})
			}
		}
	}
}

// managedObjects is ObjectManager.GetManagedObjects: every domain, network, host
// interface and node device with its properties, read now. Differences from what the
// watcher knew (changes that raise no event, like a host interface defined by virsh)
// are signalled on the way.
func (w *watcher) managedObjects(ctx context.Context, _ args) ([]any, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := map[dbus.ObjectPath]bool{}
	for _, path := range w.scanLocked() {
		seen[path] = true
		w.updateLocked(path)
	}
	for path := range w.objs {
		if !seen[path] {
			w.updateLocked(path)
		}
	}
	out := map[dbus.ObjectPath]map[string]map[string]dbus.Variant{}
	for path, props := range w.objs {
		out[path] = variants(props)
	}
	return []any{out}, nil
}

// variants wraps each property value in one variant, as the object manager and
// PropertiesChanged carry them.
func variants(props map[string]map[string]any) map[string]map[string]dbus.Variant {
	out := map[string]map[string]dbus.Variant{}
	for iface, ps := range props {
		out[iface] = map[string]dbus.Variant{}
		for name, v := range ps {
			out[iface][name] = dbus.MakeVariant(v)
		}
	}
	return out
}

func interfaceNames(p place) []string {
	var names []string
	for _, it := range p.objs.interfaces() {
		names = append(names, it.Name)
	}
	return names
}
