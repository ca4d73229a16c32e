package nodedev

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/virerror"
)

const vethPath = "/sys/devices/virtual/net/veth0"

func addVeth(f *fakeSys) {
	f.device("class", "net", vethPath, "INTERFACE=veth0\nIFINDEX=9\n",
		map[string]string{"address": "fe:00:00:00:00:01", "operstate": "down"})
}

// TestHotplugEvents follows a network interface through add, change and remove
// uevents: created, update and deleted events, and the registry in step.
func TestHotplugEvents(t *testing.T) {
	d, f, src, rec := startSample(t)
	rec.drain()
	const name = "net_veth0_fe_00_00_00_00_01"

	addVeth(f)
	src.send(t, "add", "/devices/virtual/net/veth0", "net", "INTERFACE=veth0", "IFINDEX=9")
	if got := rec.next(t); got != "created "+name {
		t.Fatalf("after add: %s", got)
	}
	x, err := d.currentXML(name)
	if err != nil || !strings.Contains(x, "<parent>computer</parent>") || !strings.Contains(x, "<interface>veth0</interface>") {
		t.Fatalf("dumpxml: %v\n%s", err, x)
	}

	f.write(vethPath+"/operstate", "up\n")
	src.send(t, "change", "/devices/virtual/net/veth0", "net")
	if got := rec.next(t); got != "update "+name {
		t.Fatalf("after change: %s", got)
	}

	f.remove("class", "net", vethPath)
	src.send(t, "remove", "/devices/virtual/net/veth0", "net")
	if got := rec.next(t); got != "deleted "+name {
		t.Fatalf("after remove: %s", got)
	}
	if _, err := d.device(name); !isCode(err, libvirt.ErrNoNodeDevice) {
		t.Fatalf("removed device still found: %v", err)
	}
}

// TestMoveEvent renames an interface: the old name goes, the new one comes.
func TestMoveEvent(t *testing.T) {
	d, f, src, rec := startSample(t)
	rec.drain()
	addVeth(f)
	src.send(t, "add", "/devices/virtual/net/veth0", "net")
	rec.next(t)
	f.remove("class", "net", vethPath)
	f.device("class", "net", "/sys/devices/virtual/net/uplink", "INTERFACE=uplink\nIFINDEX=9\n",
		map[string]string{"address": "fe:00:00:00:00:01", "operstate": "down"})
	src.send(t, "move", "/devices/virtual/net/uplink", "net", "DEVPATH_OLD=/devices/virtual/net/veth0")
	got := []string{rec.next(t), rec.next(t)}
	want := []string{"deleted net_veth0_fe_00_00_00_00_01", "created net_uplink_fe_00_00_00_00_01"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if _, err := d.device("net_uplink_fe_00_00_00_00_01"); err != nil {
		t.Fatal(err)
	}
}

// TestOverflowResyncs loses uevents (the kernel's ENOBUFS): the driver reads sysfs
// again and reports what changed meanwhile.
func TestOverflowResyncs(t *testing.T) {
	d, f, src, rec := startSample(t)
	rec.drain()
	addVeth(f)
	f.remove("class", "drm", "/sys/devices/pci0000:00/0000:00:02.1/drm/renderD128")
	src.errs <- unix.ENOBUFS
	src.send(t, "add", "/devices/ignored", "none") // wakes the monitor; read as ENOBUFS
	got := []string{rec.next(t), rec.next(t)}
	sort.Strings(got)
	want := []string{"created net_veth0_fe_00_00_00_00_01", "deleted drm_renderD128"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	// The monitor goes on after the overflow.
	f.remove("class", "net", vethPath)
	src.send(t, "remove", "/devices/virtual/net/veth0", "net")
	if got := rec.next(t); got != "deleted net_veth0_fe_00_00_00_00_01" {
		t.Fatalf("after overflow: %s", got)
	}
	if _, err := d.device("drm_card0"); err != nil {
		t.Fatal(err)
	}
}

func names(ret libvirt.ConnectListAllNodeDevicesRet) []string {
	var out []string
	for _, d := range ret.Devices {
		out = append(out, d.Name)
	}
	return out
}

func TestListFlags(t *testing.T) {
	d, _, _, _ := startSample(t)
	ctx := context.Background()
	for _, tc := range []struct {
		flags uint32
		want  []string
	}{
		{capNet.flag(), []string{"net_eno1_52_54_00_12_34_56", "net_lo_00_00_00_00_00_00"}},
		{capStorage.flag() | capDRM.flag(), []string{"block_sda_Samsung_SSD_860_S3Z9NB0K", "block_sr0", "block_vda", "drm_card0", "drm_renderD128"}},
		{capMdevTypes.flag(), []string{"pci_0000_00_1f_6"}},
		{capMdev.flag(), []string{"mdev_4b20d080_1b54_4048_85b3_a6a62d165c01_0000_00_02_1"}},
		{capSystem.flag() | listActive, []string{"computer"}},
		{listInactive, nil},
		{capSCSIHost.flag() | capSCSITarget.flag() | capSCSI.flag() | capUSBDev.flag() | capUSBInterface.flag(), []string{"scsi_0_0_0_0", "scsi_host0", "scsi_target0_0_0", "usb_1_1", "usb_1_1_1_0"}},
		{listPersistent, []string{"computer"}},
		{capFCHost.flag() | capVPorts.flag(), nil},
	} {
		ret, err := d.ConnectListAllNodeDevices(ctx, libvirt.ConnectListAllNodeDevicesArgs{NeedResults: 1, Flags: tc.flags})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(ret); !reflect.DeepEqual(got, tc.want) || int(ret.Ret) != len(tc.want) {
			t.Errorf("flags %#x: %v (%d), want %v", tc.flags, got, ret.Ret, tc.want)
		}
	}
	all, _ := d.ConnectListAllNodeDevices(ctx, libvirt.ConnectListAllNodeDevicesArgs{NeedResults: 1, Flags: listActive | listInactive})
	count, _ := d.ConnectListAllNodeDevices(ctx, libvirt.ConnectListAllNodeDevicesArgs{NeedResults: 0})
	if len(all.Devices) != 21 || count.Ret != 21 || count.Devices != nil {
		t.Errorf("all: %d devices; count only: %d %v", len(all.Devices), count.Ret, count.Devices)
	}
	if _, err := d.ConnectListAllNodeDevices(ctx, libvirt.ConnectListAllNodeDevicesArgs{Flags: 1 << 26}); !isCode(err, libvirt.ErrInvalidArg) {
		t.Errorf("unknown flag: %v", err)
	}
	n, _ := d.NodeNumOfDevices(ctx, libvirt.NodeNumOfDevicesArgs{Cap: libvirt.OptString{"pci"}})
	l, _ := d.NodeListDevices(ctx, libvirt.NodeListDevicesArgs{Cap: libvirt.OptString{"pci"}, Maxnames: 3})
	if n.Num != 7 || len(l.Names) != 3 {
		t.Errorf("legacy pci count %d, list %v", n.Num, l.Names)
	}
	if n, _ := d.NodeNumOfDevices(ctx, libvirt.NodeNumOfDevicesArgs{Cap: libvirt.OptString{"bogus"}}); n.Num != 0 {
		t.Errorf("unknown capability counted %d", n.Num)
	}
}

func TestDeviceCalls(t *testing.T) {
	d, _, _, _ := startSample(t)
	ctx := context.Background()
	p, err := d.NodeDeviceGetParent(ctx, libvirt.NodeDeviceGetParentArgs{Name: "block_vda"})
	if err != nil || p.ParentName[0] != "pci_0000_00_02_0" {
		t.Fatalf("parent of block_vda: %v %v", p, err)
	}
	if _, err := d.NodeDeviceGetParent(ctx, libvirt.NodeDeviceGetParentArgs{Name: "computer"}); !isCode(err, libvirt.ErrInternalError) {
		t.Errorf("parent of computer: %v", err)
	}
	caps, _ := d.NodeDeviceListCaps(ctx, libvirt.NodeDeviceListCapsArgs{Name: "pci_0000_00_1f_6", Maxnames: 10})
	num, _ := d.NodeDeviceNumOfCaps(ctx, libvirt.NodeDeviceNumOfCapsArgs{Name: "pci_0000_00_1f_6"})
	if !reflect.DeepEqual(caps.Names, []string{"pci", "mdev_types"}) || num.Num != 2 {
		t.Errorf("caps %v (%d)", caps.Names, num.Num)
	}
	for _, name := range []string{"nope", ""} {
		_, err := d.NodeDeviceLookupByName(ctx, libvirt.NodeDeviceLookupByNameArgs{Name: name})
		if !isCode(err, libvirt.ErrNoNodeDevice) || err.Error() != "Node device not found: no node device with matching name '"+name+"'" {
			t.Errorf("lookup %q: %v", name, err)
		}
	}
	if _, err := d.NodeDeviceGetXMLDesc(ctx, libvirt.NodeDeviceGetXMLDescArgs{Name: "nope"}); !isCode(err, libvirt.ErrNoNodeDevice) {
		t.Errorf("dumpxml of unknown: %v", err)
	}
	if _, err := d.NodeDeviceSetAutostart(ctx, libvirt.NodeDeviceSetAutostartArgs{Name: "block_vda", Autostart: 1}); !isCode(err, libvirt.ErrOperationInvalid) {
		t.Errorf("autostart: %v", err)
	}
	if err := d.detachPCI(ctx, "block_vda", ""); !isCode(err, libvirt.ErrInvalidArg) {
		t.Errorf("detach of a disk: %v", err)
	}
	if err := d.detachPCI(ctx, "pci_0000_00_1f_6", "kvm"); !isCode(err, libvirt.ErrConfigUnsupported) {
		t.Errorf("detach to kvm: %v", err)
	}
	if err := d.detachPCI(ctx, "pci_0000_00_1f_6", "xen"); !isCode(err, libvirt.ErrInvalidArg) {
		t.Errorf("detach to xen: %v", err)
	}
	// The sample host has IOMMU groups but no vfio-pci driver, and cannot load one.
	t.Setenv("PATH", t.TempDir())
	if err := d.detachPCI(ctx, "pci_0000_00_1f_6", "vfio"); !isCode(err, libvirt.ErrInternalError) || !strings.Contains(err.Error(), "Failed to load PCI stub module vfio-pci") {
		t.Errorf("detach without vfio-pci: %v", err)
	}
	if err := d.resetPCI(ctx, "pci_0000_00_1f_6"); !isCode(err, libvirt.ErrInternalError) || !strings.Contains(err.Error(), "no FLR") {
		t.Errorf("reset without a reset method: %v", err)
	}
	if err := d.reattachPCI(ctx, "pci_0000_00_1f_6"); err != nil {
		t.Errorf("reattach of a device on its host driver: %v", err)
	}
}

// TestDetachRebinds runs the driver-override sequence on the sample host, whose sysfs
// files record what was written.
func TestDetachRebinds(t *testing.T) {
	d, f, _, _ := startSample(t)
	nic := "/sys/devices/pci0000:00/0000:00:1f.6"
	f.write("/sys/bus/pci/drivers/vfio-pci/.keep", "")
	f.write(nic+"/driver_override", "(null)\n")
	f.write("/sys/bus/pci/drivers/e1000e/unbind", "")
	f.write("/sys/bus/pci/drivers_probe", "")
	// Nothing binds in a fake tree: the driver must notice and undo the override.
	err := d.detachPCI(context.Background(), "pci_0000_00_1f_6", "")
	if !isCode(err, libvirt.ErrInternalError) || !strings.Contains(err.Error(), "bound to 'e1000e' instead") {
		t.Fatalf("detach: %v", err)
	}
	if got := d.sys.attr(nic, "driver_override"); got != "" {
		t.Errorf("driver_override left as %q", got)
	}
	if got := d.sys.attr("/sys/bus/pci/drivers/e1000e", "unbind"); got != "0000:00:1f.6" {
		t.Errorf("unbind got %q", got)
	}
	// Once bound to vfio-pci, a detach is a no-op and reset leaves it to vfio.
	f.driver(nic, "pci", "vfio-pci")
	if err := d.detachPCI(context.Background(), "pci_0000_00_1f_6", "vfio"); err != nil {
		t.Fatal(err)
	}
	if err := d.resetPCI(context.Background(), "pci_0000_00_1f_6"); err != nil {
		t.Fatal(err)
	}
	f.write("/sys/bus/pci/drivers/vfio-pci/unbind", "")
	if err := d.reattachPCI(context.Background(), "pci_0000_00_1f_6"); err != nil {
		t.Fatal(err)
	}
	if got := d.sys.attr("/sys/bus/pci/drivers/vfio-pci", "unbind"); got != "0000:00:1f.6" {
		t.Errorf("reattach unbind got %q", got)
	}
}

func isCode(err error, code libvirt.ErrorNumber) bool {
	return err != nil && virerror.CodeOf(err) == code
}
