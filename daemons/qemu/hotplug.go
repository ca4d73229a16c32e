package qemu

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	goqmp "github.com/digitalocean/go-qemu/qmp"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh attach-device, detach-device, update-device (and attach-disk, attach-interface,
// change-media, which are made of them), live and in the definition, as libvirt's
// qemu_hotplug.c: disks (virtio, SCSI, SATA), CD-ROM media, NICs and controllers.
//
// A live device gets the same QEMU properties as it would on the command line: the
// builder writes the options for a definition holding only that device, and they are
// sent as blockdev-add, netdev_add and device_add.

// The device events (VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, _DEVICE_ADDED).
const (
	eventIDDeviceRemoved = 15
	eventIDDeviceAdded   = 19
)

// unplugWait is how long a detach waits for the guest to let a device go, libvirt's
// 5 seconds; after it, the removal finishes when QEMU reports it.
const unplugWait = 5 * time.Second

// device is one device element a client sent.
type device struct {
	kind string // the element: "disk", "interface", "controller", ...
	disk *libvirtxml.DomainDisk
	nic  *libvirtxml.DomainInterface
	ctl  *libvirtxml.DomainController
}

func parseDevice(text string) (device, error) {
	dec := xml.NewDecoder(strings.NewReader(text))
	for {
		tok, err := dec.Token()
		if err != nil {
			return device{}, virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "(device_definition): %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		dev := device{kind: se.Name.Local}
		var target any
		switch dev.kind {
		case "disk":
			dev.disk = &libvirtxml.DomainDisk{}
			target = dev.disk
		case "interface":
			dev.nic = &libvirtxml.DomainInterface{}
			target = dev.nic
		case "controller":
			dev.ctl = &libvirtxml.DomainController{}
			target = dev.ctl
		default:
			return dev, nil
		}
		if err := xml.Unmarshal([]byte(text), target); err != nil {
			return device{}, xmlValueError(err)
		}
		return dev, nil
	}
}

func (dev device) unsupported(live bool) error {
	if live {
		return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "live attach of device '%s' is not supported", dev.kind)
	}
	return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "persistent attach of device '%s' is not supported", dev.kind)
}

// withDevice is a completed copy of base with dev added, as a define of it would
// store it: the device gets its target, addresses and defaults. The copy is checked
// as every definition is, so a device the driver cannot run is refused here.
func (d *Driver) withDevice(ctx context.Context, base *libvirtxml.Domain, dev device) (*libvirtxml.Domain, error) {
	def, err := copyDefinition(base)
	if err != nil {
		return nil, err
	}
	def.ID = nil
	switch {
	case dev.disk != nil:
		if dev.disk.Target == nil || dev.disk.Target.Dev == "" {
			return nil, virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "missing disk target")
		}
		if _, old := diskByName(def, dev.disk.Target.Dev); old != nil && old.Target.Dev == dev.disk.Target.Dev {
			return nil, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "target %s already exists", dev.disk.Target.Dev)
		}
		def.Devices.Disks = append(def.Devices.Disks, *dev.disk)
	case dev.nic != nil:
		if dev.nic.MAC == nil || dev.nic.MAC.Address == "" {
			dev.nic.MAC = &libvirtxml.DomainInterfaceMAC{Address: newMAC()}
		}
		def.Devices.Interfaces = append(def.Devices.Interfaces, *dev.nic)
	case dev.ctl != nil:
		if dev.ctl.Index != nil {
			for _, c := range def.Devices.Controllers {
				if c.Type == dev.ctl.Type && index(c.Index) == *dev.ctl.Index {
					return nil, virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "target %s:%d already exists", c.Type, *dev.ctl.Index)
				}
			}
		}
		def.Devices.Controllers = append(def.Devices.Controllers, *dev.ctl)
	}
	text, err := formatDefinition(def)
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "%v", err)
	}
	out, _, err := d.parseDefinition(ctx, text)
	return out, err
}

func (d *Driver) DomainAttachDevice(ctx context.Context, a libvirt.DomainAttachDeviceArgs) (struct{}, error) {
	return struct{}{}, d.attachDevice(ctx, a.Dom, a.XML, affectLive)
}

func (d *Driver) DomainAttachDeviceFlags(ctx context.Context, a libvirt.DomainAttachDeviceFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig, "qemuDomainAttachDeviceFlags"); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.attachDevice(ctx, a.Dom, a.XML, a.Flags)
}

// lockForDevice parses a device call's XML, finds the guest and holds its job, and
// says which definitions the flags name; the caller unlocks the job.
func (d *Driver) lockForDevice(ref libvirt.Domain, text string, flags uint32) (device, *domain, bool, bool, error) {
	dev, err := parseDevice(text)
	if err != nil {
		return dev, nil, false, false, err
	}
	dom, err := d.lock(ref)
	if err != nil {
		return dev, nil, false, false, err
	}
	live, config, err := dom.impact(flags)
	if err != nil {
		dom.job.Unlock()
		return dev, nil, false, false, err
	}
	return dev, dom, live, config, nil
}

func (d *Driver) attachDevice(ctx context.Context, ref libvirt.Domain, text string, flags uint32) error {
	dev, dom, live, config, err := d.lockForDevice(ref, text, flags)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	if dev.disk == nil && dev.nic == nil && dev.ctl == nil {
		return dev.unsupported(live)
	}
	v := dom.view()
	var newDef, newLive *libvirtxml.Domain
	if config {
		if newDef, err = d.withDevice(ctx, v.persistent, dev); err != nil {
			return err
		}
	}
	if live {
		if newLive, err = d.plug(ctx, dom, v, dev); err != nil {
			return err
		}
	}
	if newDef != nil {
		if err := d.saveConfig(newDef); err != nil {
			return virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
		}
		dom.mu.Lock()
		dom.def = newDef
		dom.mu.Unlock()
	}
	if newLive != nil {
		d.saveStatusLogged(dom)
	}
	return nil
}

// plug adds dev to the running guest and publishes the live definition with it.
func (d *Driver) plug(ctx context.Context, dom *domain, v guestView, dev device) (*libvirtxml.Domain, error) {
	completed, err := d.withDevice(ctx, v.def, dev)
	if err != nil {
		return nil, err
	}
	if len(completed.Devices.Controllers) > len(v.def.Devices.Controllers)+boolToInt(dev.ctl != nil) {
		return nil, virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "No free PCI slot for a hotplugged device: the guest needs a spare bus or root port")
	}
	live, err := copyDefinition(v.def)
	if err != nil {
		return nil, err
	}
	live.ID = v.def.ID
	r := v.run
	var alias string
	switch {
	case dev.disk != nil:
		_, added := diskByName(completed, dev.disk.Target.Dev)
		disk := *added
		if disk.Device != "disk" {
			return nil, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "cdrom/floppy device hotplug isn't supported")
		}
		switch disk.Target.Bus {
		case "virtio", "scsi", "sata":
		default:
			return nil, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "disk bus '%s' cannot be hotplugged.", disk.Target.Bus)
		}
		alias = aliasOfDisk(completed, &disk)
		disk.Alias = &libvirtxml.DomainAlias{Name: alias}
		if err := d.plugDisk(ctx, r, completed, live, &disk); err != nil {
			return nil, err
		}
		live.Devices.Disks = slices.Insert(live.Devices.Disks, diskInsertAt(live.Devices.Disks, &disk), disk)
	case dev.nic != nil:
		nic := completed.Devices.Interfaces[len(completed.Devices.Interfaces)-1]
		n := freeNICIndex(live)
		alias = fmt.Sprintf("net%d", n)
		nic.Alias = &libvirtxml.DomainAlias{Name: alias}
		if err := d.plugNIC(ctx, dom, r, completed, &nic, n); err != nil {
			return nil, err
		}
		live.Devices.Interfaces = append(live.Devices.Interfaces, nic)
	case dev.ctl != nil:
		ctl := completed.Devices.Controllers[len(completed.Devices.Controllers)-1]
		for _, c := range completed.Devices.Controllers {
			if c.Type == dev.ctl.Type && dev.ctl.Index != nil && index(c.Index) == *dev.ctl.Index {
				ctl = c
			}
		}
		if ctl.Type != "scsi" && ctl.Type != "virtio-serial" {
			return nil, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "'%s' controller cannot be hot plugged.", ctl.Type)
		}
		p, err := controllerDevice(completed, ctl, isQ35(completed))
		if err != nil {
			return nil, err
		}
		alias = propString(p, "id")
		if err := r.mon.Execute(ctx, "device_add", p, nil); err != nil {
			return nil, monitorError(err)
		}
		live.Devices.Controllers = append(live.Devices.Controllers, ctl)
	}
	dom.mu.Lock()
	dom.live = live
	dom.mu.Unlock()
	ref := dom.ref()
	d.env.Events.Publish(rpc.Event{
		Family: remote.DomainEvents, ID: eventIDDeviceAdded, Key: remote.UUIDKey(ref.UUID),
		Program: remote.Program, Proc: int32(remote.DomainEventCallbackDeviceAdded),
		Body: func(cb int32) any {
			return libvirt.DomainEventCallbackDeviceAddedMsg{CallbackID: cb, Dom: ref, DevAlias: alias}
		},
	})
	return live, nil
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// builtOptions are the -blockdev, -netdev and -device options the command line
// builder writes for def, each decoded into its properties.
func builtOptions(def *libvirtxml.Domain, l launch, cfg *Config) (map[string][]map[string]any, error) {
	c := &command{}
	var err error
	switch {
	case len(def.Devices.Disks) > 0:
		err = addDisks(c, def, map[any]uint{})
	case len(def.Devices.Interfaces) > 0:
		err = addInterfaces(c, def, l, map[any]uint{})
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]map[string]any{}
	for i := 0; i+1 < len(c.argv); i++ {
		opt := c.argv[i]
		if opt != "-blockdev" && opt != "-netdev" && opt != "-device" {
			continue
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(c.argv[i+1]), &p); err != nil {
			return nil, fmt.Errorf("option %s %s: %w", opt, c.argv[i+1], err)
		}
		out[opt] = append(out[opt], p)
		i++
	}
	return out, nil
}

// alone is def with its devices replaced by the one device of the kind given, so the
// builder writes that device's options only.
func alone(def *libvirtxml.Domain, disk *libvirtxml.DomainDisk, nic *libvirtxml.DomainInterface) *libvirtxml.Domain {
	cp := *def
	devs := *def.Devices
	devs.Disks, devs.Interfaces = nil, nil
	if disk != nil {
		devs.Disks = []libvirtxml.DomainDisk{*disk}
	}
	if nic != nil {
		devs.Interfaces = []libvirtxml.DomainInterface{*nic}
	}
	cp.Devices = &devs
	return &cp
}

var nodeName = regexp.MustCompile(`^libvirt-(\d+)-(storage|format)$`)

// freeNode hands out a block node number no node of the guest has, nor any disk of
// def (the live definition, which numbers empty drives too), nor any earlier node of
// this run: like libvirt's per-guest counter, a number is never given twice, and a
// daemon that reconnects goes on above what QEMU and the live definition hold.
func freeNode(ctx context.Context, r *running, def *libvirtxml.Domain) (int, error) {
	var nodes []struct {
		NodeName string `json:"node-name"`
	}
	if err := r.mon.Execute(ctx, "query-named-block-nodes", map[string]bool{"flat": true}, &nodes); err != nil {
		return 0, monitorError(err)
	}
	n := len(def.Devices.Disks)
	for _, disk := range def.Devices.Disks {
		if disk.Source != nil {
			n = max(n, int(disk.Source.Index))
		}
	}
	for _, node := range nodes {
		if m := nodeName.FindStringSubmatch(node.NodeName); m != nil {
			k, _ := strconv.Atoi(m[1])
			n = max(n, k)
		}
	}
	r.set(func(r *running) {
		n = max(n, r.lastNode) + 1
		r.lastNode = n
	})
	return n, nil
}

// renumber gives the builder's node names (libvirt-1-*) the number n.
func renumber(p map[string]any, n int) {
	for k, v := range p {
		if s, ok := v.(string); ok {
			if m := nodeName.FindStringSubmatch(s); m != nil {
				p[k] = fmt.Sprintf("libvirt-%d-%s", n, m[2])
			}
		}
	}
}

// plugDisk adds a disk's block nodes and its front end: def is the definition with
// the disk, live the running one without it.
func (d *Driver) plugDisk(ctx context.Context, r *running, def, live *libvirtxml.Domain, disk *libvirtxml.DomainDisk) error {
	opts, err := builtOptions(alone(def, disk, nil), launch{}, d.cfg)
	if err != nil {
		return err
	}
	if path := diskSourcePath(disk); path != "" {
		if err := d.ownImage(path); err != nil {
			return err
		}
	}
	n, err := freeNode(ctx, r, live)
	if err != nil {
		return err
	}
	var added []string
	undo := func() {
		for i := len(added) - 1; i >= 0; i-- {
			r.mon.Execute(context.WithoutCancel(ctx), "blockdev-del", map[string]string{"node-name": added[i]}, nil)
		}
	}
	for _, node := range opts["-blockdev"] {
		renumber(node, n)
		if err := r.mon.Execute(ctx, "blockdev-add", node, nil); err != nil {
			undo()
			return monitorError(err)
		}
		added = append(added, propString(node, "node-name"))
	}
	for _, dev := range opts["-device"] {
		renumber(dev, n)
		if err := r.mon.Execute(ctx, "device_add", dev, nil); err != nil {
			undo()
			return monitorError(err)
		}
	}
	markMedium(disk, n)
	return nil
}

// ownImage gives a hotplugged image to the user QEMU runs as, as a start does.
func (d *Driver) ownImage(path string) error {
	if !d.privileged || d.cfg.UID <= 0 || !d.cfg.DynamicOwnership {
		return nil
	}
	if err := os.Chown(path, d.cfg.UID, d.cfg.GID); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "unable to set ownership of '%s' to %d:%d: %v", path, d.cfg.UID, d.cfg.GID, virerror.Strerror(err))
	}
	return nil
}

func propString(p any, key string) string {
	switch m := p.(type) {
	case map[string]any:
		s, _ := m[key].(string)
		return s
	case props:
		for _, kv := range m {
			if kv.key == key {
				s, _ := kv.val.(string)
				return s
			}
		}
	}
	return ""
}

// freeNICIndex is the lowest n for which no interface of the guest is netN.
func freeNICIndex(def *libvirtxml.Domain) int {
	used := map[string]bool{}
	for i, nic := range def.Devices.Interfaces {
		used[aliasOfNIC(i, &nic)] = true
	}
	for n := 0; ; n++ {
		if !used[fmt.Sprintf("net%d", n)] {
			return n
		}
	}
}

// aliasOfNIC is the QEMU id of the i-th interface: the alias the live definition
// records, else the one the command line gave it.
func aliasOfNIC(i int, nic *libvirtxml.DomainInterface) string {
	if nic.Alias != nil && nic.Alias.Name != "" {
		return nic.Alias.Name
	}
	return fmt.Sprintf("net%d", i)
}

// plugNIC makes the interface's tap (and network port), hands its descriptor to QEMU
// and adds the netdev and the device, named after n.
func (d *Driver) plugNIC(ctx context.Context, dom *domain, r *running, def *libvirtxml.Domain, nic *libvirtxml.DomainInterface, n int) (err error) {
	one := alone(def, nil, nic)
	taps, err := d.makeTaps(ctx, one, dom.name, dom.uuid)
	if err != nil {
		d.unplugAll(context.WithoutCancel(ctx), dom.name, one)
		return err
	}
	defer closeAll(taps)
	defer func() {
		if err != nil {
			d.unplugAll(context.WithoutCancel(ctx), dom.name, one)
		}
	}()
	*nic = one.Devices.Interfaces[0]
	l := launch{taps: []int{-1}}
	fdName := fmt.Sprintf("hostnet%d", n)
	if taps[0] != nil {
		if err := r.mon.SendFile(ctx, fdName, taps[0]); err != nil {
			return monitorError(err)
		}
		l.taps[0] = 0 // a stand-in: the netdev names the descriptor QEMU got
	}
	opts, err := builtOptions(one, l, d.cfg)
	if err != nil {
		return err
	}
	for _, nd := range opts["-netdev"] {
		nd["id"] = fdName
		if _, ok := nd["fd"]; ok {
			nd["fd"] = fdName
		}
		if err := r.mon.Execute(ctx, "netdev_add", nd, nil); err != nil {
			return monitorError(err)
		}
	}
	for _, dev := range opts["-device"] {
		dev["netdev"], dev["id"] = fdName, fmt.Sprintf("net%d", n)
		if err := r.mon.Execute(ctx, "device_add", dev, nil); err != nil {
			r.mon.Execute(context.WithoutCancel(ctx), "netdev_del", map[string]string{"id": fdName}, nil)
			return monitorError(err)
		}
		if !linkUp(nic) {
			if err := r.mon.Execute(ctx, "set_link", map[string]any{"name": dev["id"], "up": false}, nil); err != nil {
				return monitorError(err)
			}
		}
	}
	return nil
}

func (d *Driver) DomainDetachDevice(ctx context.Context, a libvirt.DomainDetachDeviceArgs) (struct{}, error) {
	return struct{}{}, d.detachDevice(ctx, a.Dom, a.XML, affectLive)
}

func (d *Driver) DomainDetachDeviceFlags(ctx context.Context, a libvirt.DomainDetachDeviceFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig, "qemuDomainDetachDeviceFlags"); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.detachDevice(ctx, a.Dom, a.XML, a.Flags)
}

// findDevice is the index of the device of def that dev names: a disk by its target,
// an interface by its MAC, a controller by type and index; -1 if none.
func findDevice(def *libvirtxml.Domain, dev device) int {
	switch {
	case dev.disk != nil:
		for i, disk := range def.Devices.Disks {
			if dev.disk.Target != nil && disk.Target != nil && disk.Target.Dev == dev.disk.Target.Dev {
				return i
			}
		}
	case dev.nic != nil:
		for i, nic := range def.Devices.Interfaces {
			if dev.nic.MAC != nil && nic.MAC != nil && strings.EqualFold(nic.MAC.Address, dev.nic.MAC.Address) {
				return i
			}
		}
	case dev.ctl != nil:
		for i, c := range def.Devices.Controllers {
			if c.Type == dev.ctl.Type && index(c.Index) == index(dev.ctl.Index) {
				return i
			}
		}
	}
	return -1
}

// locate finds dev in the guest's definitions that a change affects: in the
// persistent one when config, and in the live one when live, whose index it returns
// (-1 when not live). A device that is not there is libvirt's error for it.
func (dev device) locate(v guestView, live, config bool) (int, error) {
	if config && findDevice(v.persistent, dev) < 0 {
		return -1, dev.missing()
	}
	if !live {
		return -1, nil
	}
	i := findDevice(v.def, dev)
	if i < 0 {
		return -1, dev.missing()
	}
	return i, nil
}

func (dev device) missing() error {
	switch {
	case dev.disk != nil:
		target := ""
		if dev.disk.Target != nil {
			target = dev.disk.Target.Dev
		}
		return virerror.New(libvirt.ErrDeviceMissing, virerror.FromQEMU, "disk %s not found", target)
	case dev.nic != nil:
		mac := ""
		if dev.nic.MAC != nil {
			mac = dev.nic.MAC.Address
		}
		return virerror.New(libvirt.ErrDeviceMissing, virerror.FromDomain, "no device matching MAC address %s found", mac)
	}
	return virerror.New(libvirt.ErrDeviceMissing, virerror.FromQEMU, "device not found in domain configuration")
}

func (d *Driver) detachDevice(ctx context.Context, ref libvirt.Domain, text string, flags uint32) error {
	dev, dom, live, config, err := d.lockForDevice(ref, text, flags)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	if dev.disk == nil && dev.nic == nil && dev.ctl == nil {
		return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "live detach of device '%s' is not supported", dev.kind)
	}
	v := dom.view()
	i, err := dev.locate(v, live, config)
	if err != nil {
		return err
	}
	if live {
		if err := d.unplug(ctx, dom, v, dev, i); err != nil {
			return err
		}
	}
	if config {
		return d.modify(dom, affectConfig, func(def *libvirtxml.Domain) error {
			removeDevice(def, dev, findDevice(def, dev))
			return nil
		})
	}
	return nil
}

func removeDevice(def *libvirtxml.Domain, dev device, i int) {
	if i < 0 {
		return
	}
	switch {
	case dev.disk != nil:
		def.Devices.Disks = append(def.Devices.Disks[:i:i], def.Devices.Disks[i+1:]...)
	case dev.nic != nil:
		def.Devices.Interfaces = append(def.Devices.Interfaces[:i:i], def.Devices.Interfaces[i+1:]...)
	case dev.ctl != nil:
		def.Devices.Controllers = append(def.Devices.Controllers[:i:i], def.Devices.Controllers[i+1:]...)
	}
}

// unplug asks QEMU to remove the i-th device of its kind and waits up to unplugWait
// for the guest to let it go; the rest of the removal happens when QEMU reports the
// device deleted (finishUnplug), now or later.
func (d *Driver) unplug(ctx context.Context, dom *domain, v guestView, dev device, i int) error {
	var alias string
	switch {
	case dev.disk != nil:
		disk := &v.def.Devices.Disks[i]
		if disk.Device != "disk" || (disk.Target.Bus != "virtio" && disk.Target.Bus != "scsi" && disk.Target.Bus != "sata") {
			return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "This type of disk cannot be hot unplugged")
		}
		alias = aliasOfDisk(v.def, disk)
	case dev.nic != nil:
		alias = aliasOfNIC(i, &v.def.Devices.Interfaces[i])
	case dev.ctl != nil:
		ctl := v.def.Devices.Controllers[i]
		for _, disk := range v.def.Devices.Disks {
			if disk.Target.Bus == ctl.Type && disk.Address != nil && disk.Address.Drive != nil && index(disk.Address.Drive.Controller) == index(ctl.Index) {
				return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "device cannot be detached: device is busy")
			}
		}
		p, err := controllerDevice(v.def, ctl, isQ35(v.def))
		if err != nil || p == nil || (ctl.Type != "scsi" && ctl.Type != "virtio-serial") {
			return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "'%s' controller cannot be hot unplugged.", ctl.Type)
		}
		alias = propString(p, "id")
	}
	r := v.run
	wctx, cancel := context.WithTimeout(ctx, unplugWait)
	defer cancel()
	evs, err := r.mon.Events(wctx)
	if err != nil {
		return monitorError(err)
	}
	r.set(func(r *running) {
		if r.unplugging == nil {
			r.unplugging = map[string]bool{}
		}
		r.unplugging[alias] = true
	})
	if err := r.mon.Execute(ctx, "device_del", map[string]string{"id": alias}, nil); err != nil {
		r.set(func(r *running) { delete(r.unplugging, alias) })
		return monitorError(err)
	}
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				return nil // timed out: the guest may still let go, reported by the event
			}
			if ev.Event == "DEVICE_DELETED" && ev.Data["device"] == alias {
				d.finishUnplug(context.WithoutCancel(ctx), dom, r, alias)
				return nil
			}
		case <-wctx.Done():
			return nil
		}
	}
}

// onDeviceDeleted finishes a removal the guest completed after its detach call
// returned.
func (d *Driver) onDeviceDeleted(ctx context.Context, dom *domain, r *running, ev goqmp.Event) {
	alias, _ := ev.Data["device"].(string)
	if alias == "" {
		return
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		dom.job.Lock()
		defer dom.job.Unlock()
		d.finishUnplug(ctx, dom, r, alias)
		d.saveStatusLogged(dom)
	}()
}

// finishUnplug removes what backed a device QEMU deleted (block nodes, netdev, tap,
// network port), drops it from the live definition and tells the clients. It does
// nothing for a device no detach asked for, or one already finished.
func (d *Driver) finishUnplug(ctx context.Context, dom *domain, r *running, alias string) {
	pending := false
	r.set(func(r *running) { pending = r.unplugging[alias]; delete(r.unplugging, alias) })
	if !pending {
		return
	}
	dom.mu.Lock()
	if dom.run != r || dom.live == nil {
		dom.mu.Unlock()
		return
	}
	old := dom.live
	dom.mu.Unlock()
	live, err := copyDefinition(old)
	if err != nil {
		d.log.Error("cannot update the live definition after unplug", "domain", dom.name, "err", err)
		return
	}
	live.ID = old.ID
	devs := live.Devices
	for i := range devs.Disks {
		if aliasOfDisk(live, &devs.Disks[i]) != alias {
			continue
		}
		d.dropDiskNodes(ctx, r, alias)
		devs.Disks = append(devs.Disks[:i:i], devs.Disks[i+1:]...)
		break
	}
	for i := range devs.Interfaces {
		if aliasOfNIC(i, &devs.Interfaces[i]) != alias {
			continue
		}
		hostnet := "host" + alias
		r.mon.Execute(ctx, "netdev_del", map[string]string{"id": hostnet}, nil)
		d.unplugAll(ctx, dom.name, alone(live, nil, &devs.Interfaces[i]))
		// The aliases of the others stay as QEMU knows them.
		for j := range devs.Interfaces {
			devs.Interfaces[j].Alias = &libvirtxml.DomainAlias{Name: aliasOfNIC(j, &devs.Interfaces[j])}
		}
		devs.Interfaces = append(devs.Interfaces[:i:i], devs.Interfaces[i+1:]...)
		break
	}
	for i, ctl := range devs.Controllers {
		if p, err := controllerDevice(live, ctl, isQ35(live)); err == nil && p != nil && propString(p, "id") == alias {
			devs.Controllers = append(devs.Controllers[:i:i], devs.Controllers[i+1:]...)
			break
		}
	}
	dom.mu.Lock()
	if dom.run == r {
		dom.live = live
	}
	ref := dom.refLocked()
	dom.mu.Unlock()
	d.env.Events.Publish(rpc.Event{
		Family: remote.DomainEvents, ID: eventIDDeviceRemoved, Key: remote.UUIDKey(ref.UUID),
		Program: remote.Program, Proc: int32(remote.DomainEventCallbackDeviceRemoved),
		Body: func(cb int32) any {
			return libvirt.DomainEventCallbackDeviceRemovedMsg{CallbackID: cb, Msg: libvirt.DomainEventDeviceRemovedMsg{Dom: ref, DevAlias: alias}}
		},
	})
}

// dropDiskNodes deletes the block nodes that were behind the disk alias: the ones no
// device uses any more whose number no other disk's node has.
func (d *Driver) dropDiskNodes(ctx context.Context, r *running, alias string) {
	var nodes []struct {
		NodeName string `json:"node-name"`
	}
	if err := r.mon.Execute(ctx, "query-named-block-nodes", map[string]bool{"flat": true}, &nodes); err != nil {
		return
	}
	var blocks []struct {
		QDev     string `json:"qdev"`
		Inserted *struct {
			NodeName string `json:"node-name"`
		} `json:"inserted"`
	}
	r.mon.Execute(ctx, "query-block", nil, &blocks)
	inUse := map[string]bool{}
	for _, b := range blocks {
		if b.Inserted != nil {
			if m := nodeName.FindStringSubmatch(b.Inserted.NodeName); m != nil {
				inUse[m[1]] = true
			}
		}
	}
	for _, kind := range []string{"format", "storage"} {
		for _, n := range nodes {
			m := nodeName.FindStringSubmatch(n.NodeName)
			if m == nil || m[2] != kind || inUse[m[1]] || strings.HasPrefix(n.NodeName, "libvirt-pflash") {
				continue
			}
			r.mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": n.NodeName}, nil)
		}
	}
}

// recordAliases writes into a live definition the QEMU ids its devices got on the
// command line, as libvirt shows them (<alias name='virtio-disk0'/>), so devices
// plugged and unplugged later never change another's id. A console on a serial port
// is that port; the PS/2 inputs QEMU always has are named in turn with the others.
func recordAliases(live *libvirtxml.Domain) {
	devs := live.Devices
	alias := func(name string) *libvirtxml.DomainAlias { return &libvirtxml.DomainAlias{Name: name} }
	for i := range devs.Disks {
		devs.Disks[i].Alias = alias(diskAlias(live, &devs.Disks[i]))
	}
	for i := range devs.Interfaces {
		devs.Interfaces[i].Alias = alias(fmt.Sprintf("net%d", i))
	}
	for i := range devs.Controllers {
		if name := controllerAlias(live, &devs.Controllers[i]); name != "" {
			devs.Controllers[i].Alias = alias(name)
		}
	}
	for i := range devs.Serials {
		devs.Serials[i].Alias = alias(fmt.Sprintf("serial%d", i))
	}
	for i := range devs.Consoles {
		if t := devs.Consoles[i].Target; t != nil && (t.Type == "" || t.Type == "serial") {
			devs.Consoles[i].Alias = alias(fmt.Sprintf("serial%d", index(t.Port)))
		}
	}
	for i := range devs.Channels {
		devs.Channels[i].Alias = alias(fmt.Sprintf("channel%d", i))
	}
	for i := range devs.Inputs {
		devs.Inputs[i].Alias = alias(fmt.Sprintf("input%d", i))
	}
	for i := range devs.Videos {
		devs.Videos[i].Alias = alias(fmt.Sprintf("video%d", i))
	}
	for i := range devs.Sounds {
		devs.Sounds[i].Alias = alias(fmt.Sprintf("sound%d", i))
	}
	for i := range devs.Watchdogs {
		devs.Watchdogs[i].Alias = alias(fmt.Sprintf("watchdog%d", i))
	}
	for i := range devs.RNGs {
		devs.RNGs[i].Alias = alias(fmt.Sprintf("rng%d", i))
	}
	for i := range devs.RedirDevs {
		devs.RedirDevs[i].Alias = alias(fmt.Sprintf("redir%d", i))
	}
	if b := devs.MemBalloon; b != nil && b.Model != "none" {
		b.Alias = alias("balloon0")
	}
}

// controllerAlias is the QEMU id of a controller, as libvirt names it
// (qemuAssignDeviceControllerAlias): "" for one that has none.
func controllerAlias(def *libvirtxml.Domain, c *libvirtxml.DomainController) string {
	idx := index(c.Index)
	switch c.Type {
	case "pci":
		if idx == 0 && c.Model == "pcie-root" {
			return "pcie.0"
		}
		return fmt.Sprintf("pci.%d", idx)
	case "usb":
		// Model none too: libvirt names the controller it does not create.
		if idx == 0 {
			return "usb"
		}
		return fmt.Sprintf("usb%d", idx)
	case "ide":
		if idx == 0 {
			return "ide"
		}
		return fmt.Sprintf("ide%d", idx)
	case "sata":
		if idx == 0 && isQ35(def) {
			return "ide" // the AHCI built into Q35, which QEMU names so
		}
		return fmt.Sprintf("sata%d", idx)
	case "scsi":
		return fmt.Sprintf("scsi%d", idx)
	case "virtio-serial":
		return fmt.Sprintf("virtio-serial%d", idx)
	}
	return ""
}

// clearAliases removes every device's alias: they belong to one run of QEMU.
func clearAliases(devs *libvirtxml.DomainDeviceList) {
	v := reflect.ValueOf(devs).Elem()
	aliasType := reflect.TypeOf((*libvirtxml.DomainAlias)(nil))
	clearOne := func(dev reflect.Value) {
		if f := dev.FieldByName("Alias"); f.IsValid() && f.Type() == aliasType {
			f.SetZero()
		}
	}
	for i := 0; i < v.NumField(); i++ {
		switch f := v.Field(i); f.Kind() {
		case reflect.Slice:
			for j := 0; j < f.Len(); j++ {
				if f.Index(j).Kind() == reflect.Struct {
					clearOne(f.Index(j))
				}
			}
		case reflect.Pointer:
			if !f.IsNil() && f.Elem().Kind() == reflect.Struct {
				clearOne(f.Elem())
			}
		}
	}
}
