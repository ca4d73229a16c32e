package nodedev

import (
	"errors"

	libvirt "github.com/digitalocean/go-libvirt"
)

// handle applies one uevent to the registry, as udevHandleOneDevice: add and change
// (re)read the device, remove drops it, move does both. bind and unbind change the
// device's driver, which its XML shows, so they count as changes too.
func (d *Driver) handle(e uevent) {
	if ignoredSubsystems[e.Subsystem] {
		return
	}
	switch e.Action {
	case "add", "change", "bind", "unbind":
		d.addPath(e.Path(), e.Action != "add")
	case "remove":
		d.removePath(e.Path())
	case "move":
		if old := e.Env["DEVPATH_OLD"]; validDevPath(old) {
			d.removePath("/sys" + old)
		}
		d.addPath(e.Path(), false)
	}
}

// addPath reads the device at path and stores it: a device new to the registry is
// reported created; a known one updated, always when the kernel said it changed
// (as libvirt does), otherwise only when its XML differs.
func (d *Driver) addPath(path string, changed bool) {
	raw, err := d.sys.readDevice(path, d.db)
	if err != nil {
		d.log.Debug("cannot read device", "path", path, "err", err)
		return
	}
	def, err := d.b.build(raw)
	if err != nil {
		if !errors.Is(err, errSkip) {
			d.log.Warn("cannot describe device", "path", path, "err", err)
		}
		return
	}
	def.Parent = d.reg.parentOf(path)
	dev, err := newDevice(def)
	if err != nil {
		d.log.Warn("cannot format device", "path", path, "err", err)
		return
	}
	old := d.reg.put(dev)
	switch {
	case old == nil:
		d.publishLifecycle(def.Name, libvirt.NodeDeviceEventCreated)
	case old.def.Name != def.Name:
		d.publishLifecycle(old.def.Name, libvirt.NodeDeviceEventDeleted)
		d.publishLifecycle(def.Name, libvirt.NodeDeviceEventCreated)
	case changed || old.xml != dev.xml:
		d.publishUpdate(def.Name)
	}
}

// removePath drops the device at path and reports it deleted.
func (d *Driver) removePath(path string) {
	if dev, ok := d.reg.remove(path); ok {
		d.publishLifecycle(dev.def.Name, libvirt.NodeDeviceEventDeleted)
	}
}

// enumerate reads the devices present at start, without events: they were not
// created now. It runs before the monitor, on the goroutine that then runs it.
func (d *Driver) enumerate() error {
	d.enumerating = true
	defer func() { d.enumerating = false }()
	return d.resync()
}

// resync brings the registry in line with sysfs: at start, and whenever uevents were
// lost (the socket's buffer overflowed). Devices found are added or updated, devices
// gone are reported deleted.
func (d *Driver) resync() error {
	paths, err := d.sys.devicePaths()
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(paths))
	for _, p := range paths {
		seen[p] = true
		d.addPath(p, false)
	}
	for _, p := range d.reg.paths() {
		if !seen[p] {
			d.removePath(p)
		}
	}
	return nil
}
