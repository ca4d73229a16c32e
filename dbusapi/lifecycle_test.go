package dbusapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// recorder keeps every signal org.libvirt sends, so a test can wait for one without
// losing the others.
type recorder struct {
	mu   sync.Mutex
	got  []*dbus.Signal
	more chan struct{}
}

func (h *host) record(t *testing.T) *recorder {
	t.Helper()
	c := h.bus.client(t)
	if err := c.AddMatchSignal(dbus.WithMatchSender("org.libvirt")); err != nil {
		t.Fatal(err)
	}
	ch := make(chan *dbus.Signal, 1000)
	c.Signal(ch)
	r := &recorder{more: make(chan struct{}, 1)}
	go func() {
		for s := range ch {
			r.mu.Lock()
			r.got = append(r.got, s)
			r.mu.Unlock()
			select {
			case r.more <- struct{}{}:
			default:
			}
		}
	}()
	return r
}

// wait returns the first signal received so far or within 20 s that is member (as
// "org.libvirt.Connect.DomainEvent") on path and satisfies match.
func (r *recorder) wait(t *testing.T, path dbus.ObjectPath, member string, match func(body []any) bool) *dbus.Signal {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for i := 0; ; {
		r.mu.Lock()
		for ; i < len(r.got); i++ {
			s := r.got[i]
			if s.Name == member && s.Path == path && (match == nil || match(s.Body)) {
				r.mu.Unlock()
				return s
			}
		}
		r.mu.Unlock()
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("no %s on %s within 20 s", member, path)
		}
	}
}

// event matches a DomainEvent, NetworkEvent or NodeDeviceEvent of the object at obj.
func event(obj dbus.ObjectPath, ev ...int32) func([]any) bool {
	return func(b []any) bool {
		if len(b) < 1+len(ev) || b[0] != obj {
			return false
		}
		for i, e := range ev {
			if b[1+i] != e {
				return false
			}
		}
		return true
	}
}

// changed matches a PropertiesChanged of iface in which every property of want has the
// value given.
func changed(iface string, want map[string]any) func([]any) bool {
	return func(b []any) bool {
		if len(b) != 3 || b[0] != iface {
			return false
		}
		props := b[1].(map[string]dbus.Variant)
		for k, v := range want {
			got, ok := props[k]
			if !ok || !equalValue(got.Value(), v) {
				return false
			}
		}
		return true
	}
}

func equalValue(got, want any) bool {
	if w, ok := want.(func(any) bool); ok {
		return w(got)
	}
	if gs, ok := got.([]any); ok {
		ws, ok := want.([]any)
		if !ok || len(ws) != len(gs) {
			return false
		}
		for i := range gs {
			if gs[i] != ws[i] {
				return false
			}
		}
		return true
	}
	return got == want
}

// serialDomain is tinyDomain with its serial port in a file, to see it is ready.
func serialDomain(t *testing.T, name, dir string) string {
	xml := tinyDomain(t, name)
	return strings.Replace(xml, "<memballoon model='none'/>",
		"<memballoon model='none'/><serial type='file'><source path='"+filepath.Join(dir, name)+"'/></serial>", 1)
}

func waitReady(t *testing.T, dir, name string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if strings.Count(string(b), "virtunit-tiny ready") >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("guest %s: no ready line #%d in 20 s", name, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func serialDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "vu-serial-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// testDomainLifecycle takes a guest through define, start, suspend, resume, reboot,
// shutdown, start, destroy and undefine by D-Bus, and sees libvirt's event for each, the
// Reboot signal on the domain, the object manager's signals for its coming and going,
// and PropertiesChanged with its state and unit.
func testDomainLifecycle(t *testing.T, h *host) {
	rec := h.record(t)
	serials := serialDir(t)
	domain := func(member string) string { return "org.libvirt.Domain." + member }
	var path dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.DomainDefineXML", serialDomain(t, "vu-life", serials)).Store(&path)
	rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(path, 0, 0)) // Defined, Added
	added := rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesAdded", func(b []any) bool { return b[0] == path })
	if ifaces := added.Body[1].(map[string]map[string]dbus.Variant); ifaces["org.libvirt.Domain"]["Name"].Value() != "vu-life" ||
		ifaces["org.virtunit.Domain"]["Unit"].Value() != "" {
		t.Errorf("InterfacesAdded of %s: %v", path, ifaces)
	}

	h.call(t, path, domain("Create"), uint32(0))
	rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(path, 2, 0)) // Started, Booted
	rec.wait(t, path, "org.freedesktop.DBus.Properties.PropertiesChanged", changed("org.libvirt.Domain", map[string]any{"Active": true}))
	isScope := func(v any) bool {
		s, _ := v.(string)
		return strings.HasPrefix(s, `machine-qemu\x2d`) && strings.HasSuffix(s, `\x2dvu\x2dlife.scope`)
	}
	rec.wait(t, path, "org.freedesktop.DBus.Properties.PropertiesChanged", changed("org.virtunit.Domain",
		map[string]any{"State": []any{int32(1), int32(1)}, "Unit": isScope}))
	var v dbus.Variant
	h.call(t, path, "org.freedesktop.DBus.Properties.Get", "org.virtunit.Domain", "UnitPath").Store(&v)
	if v.Value() != dbus.ObjectPath("/") {
		t.Errorf("UnitPath with no systemd on the bus = %v, want /", v)
	}
	waitReady(t, serials, "vu-life", 1)

	h.call(t, path, domain("Suspend"))
	rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(path, 3, 0)) // Suspended, Paused
	rec.wait(t, path, "org.freedesktop.DBus.Properties.PropertiesChanged", changed("org.virtunit.Domain",
		map[string]any{"State": []any{int32(3), int32(1)}}))
	h.call(t, path, domain("Resume"))
	rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(path, 4, 0)) // Resumed, Unpaused

	h.call(t, path, domain("Reboot"), uint32(0))
	rec.wait(t, path, domain("Reboot"), nil)
	waitReady(t, serials, "vu-life", 2)

	h.call(t, path, domain("Shutdown"), uint32(0))
	rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(path, 5, 0)) // Stopped, Shutdown
	rec.wait(t, path, "org.freedesktop.DBus.Properties.PropertiesChanged", changed("org.virtunit.Domain",
		map[string]any{"State": []any{int32(5), int32(1)}, "Unit": ""}))

	h.call(t, path, domain("Create"), uint32(0))
	h.call(t, path, domain("Destroy"), uint32(0))
	rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(path, 5, 1)) // Stopped, Destroyed

	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	h.call(t, connectPath, "org.freedesktop.DBus.ObjectManager.GetManagedObjects").Store(&objs)
	if objs[path]["org.libvirt.Domain"]["Persistent"].Value() != true {
		t.Errorf("GetManagedObjects lacks %s: %v", path, objs[path])
	}
	h.call(t, path, domain("Undefine"), uint32(0))
	rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(path, 1, 0)) // Undefined, Removed
	rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesRemoved", func(b []any) bool { return b[0] == path })
	var after map[dbus.ObjectPath]map[string]map[string]dbus.Variant // Store merges into a map it is given
	h.call(t, connectPath, "org.freedesktop.DBus.ObjectManager.GetManagedObjects").Store(&after)
	if _, ok := after[path]; ok || len(after) == 0 {
		t.Errorf("GetManagedObjects after the undefine of %s: %v", path, after)
	}
}
