package nodedev_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// netNS creates a network namespace for the test, deleted when the test ends.
func netNS(t *testing.T) string { return netnstest.New(t).Name }

func ipn(t *testing.T, ns string, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ip -n %s %v: %v\n%s", ns, args, err, out)
	}
}

func startNodedev(t *testing.T, o daemontest.Options) *daemontest.Daemon {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "/usr/bin/python3")
	o.System = true
	return daemontest.Start(t, "virtnodedevd", o)
}

func sysAttr(t *testing.T, path, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(path, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func dumpxml(t *testing.T, d *daemontest.Daemon, name string) *libvirtxml.NodeDevice {
	t.Helper()
	var dev libvirtxml.NodeDevice
	if err := dev.Unmarshal(d.Virsh(t, "nodedev-dumpxml", name)); err != nil {
		t.Fatal(err)
	}
	return &dev
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestHostPCIAndBlockDevices checks the XML of this machine's PCI functions and of
// the disks libvirt reports without udevd's help against sysfs, read here directly.
func TestHostPCIAndBlockDevices(t *testing.T) {
	t.Parallel()
	d := startNodedev(t, daemontest.Options{})
	pci := lines(d.Virsh(t, "nodedev-list", "--cap", "pci"))
	entries, err := os.ReadDir("/sys/bus/pci/devices")
	if err != nil {
		t.Fatal(err)
	}
	if len(pci) != len(entries) || len(pci) == 0 {
		t.Fatalf("nodedev-list --cap pci: %v; sysfs has %d functions", pci, len(entries))
	}
	for _, e := range entries {
		path, _ := filepath.EvalSymlinks(filepath.Join("/sys/bus/pci/devices", e.Name()))
		name := "pci_" + strings.NewReplacer(":", "_", ".", "_").Replace(e.Name())
		dev := dumpxml(t, d, name)
		c := dev.Capability.PCI
		if dev.Name != name || dev.Path != path || c == nil {
			t.Fatalf("%s: %+v", name, dev)
		}
		addr := fmt.Sprintf("%04x:%02x:%02x.%x", *c.Domain, *c.Bus, *c.Slot, *c.Function)
		class, _ := strconv.ParseUint(strings.TrimPrefix(sysAttr(t, path, "class"), "0x"), 16, 32)
		if addr != e.Name() || c.Vendor.ID != sysAttr(t, path, "vendor") || c.Product.ID != sysAttr(t, path, "device") || c.Class != fmt.Sprintf("0x%06x", class) {
			t.Errorf("%s: address %s vendor %s product %s class %s", name, addr, c.Vendor.ID, c.Product.ID, c.Class)
		}
		drv, _ := os.Readlink(filepath.Join(path, "driver"))
		if got := ""; dev.Driver != nil {
			got = dev.Driver.Name
			if got != filepath.Base(drv) {
				t.Errorf("%s: driver %s, sysfs %s", name, got, drv)
			}
		} else if drv != "" {
			t.Errorf("%s: no driver; sysfs %s", name, drv)
		}
		if numa := sysAttr(t, path, "numa_node"); (c.NUMA != nil) != (numa != "-1") || c.NUMA != nil && strconv.Itoa(c.NUMA.Node) != numa {
			t.Errorf("%s: numa %+v, sysfs %s", name, c.NUMA, numa)
		}
		if dev.Parent == "" {
			t.Errorf("%s has no parent", name)
		}
	}

	disks, _ := filepath.Glob("/sys/block/*")
	checked := 0
	for _, b := range disks {
		base := filepath.Base(b)
		if !strings.HasPrefix(base, "vd") && !strings.HasPrefix(base, "nvme") {
			continue // without udevd, libvirt reports only these (udevKludgeStorageType)
		}
		path, _ := filepath.EvalSymlinks(b)
		dev := dumpxml(t, d, "block_"+base)
		s := dev.Capability.Storage
		blocks, _ := strconv.ParseUint(sysAttr(t, path, "size"), 10, 64)
		lbs, _ := strconv.ParseUint(sysAttr(t, path, "queue/logical_block_size"), 10, 64)
		if dev.Path != path || s == nil || s.Block != "/dev/"+base || s.DriverType != "disk" || *s.NumBlocks != uint(blocks) || *s.LogicalBlockSize != uint(lbs) || *s.Size != uint(blocks*lbs) {
			t.Errorf("block_%s: %+v %+v", base, dev, s)
		}
		// The disk hangs below the PCI function its sysfs path goes through.
		if parent := dumpxml(t, d, dev.Parent); !strings.HasPrefix(path, parent.Path+"/") || parent.Capability.PCI == nil {
			t.Errorf("block_%s: parent %s at %s", base, dev.Parent, parent.Path)
		}
		checked++
	}
	if checked == 0 {
		t.Log("no virtio or NVMe disk on this machine: block devices not checked")
	}

	tree := d.Virsh(t, "nodedev-list", "--tree")
	if !strings.HasPrefix(tree, "computer\n") || !strings.Contains(tree, "+- "+pci[0]) {
		t.Errorf("nodedev-list --tree:\n%s", tree)
	}
	if all, active := d.Virsh(t, "nodedev-list", "--all"), d.Virsh(t, "nodedev-list"); all != active || strings.TrimSpace(d.Virsh(t, "nodedev-list", "--inactive")) != "" {
		t.Errorf("--all differs from the active list, or --inactive lists devices")
	}
	info := d.Virsh(t, "nodedev-info", "computer")
	for _, want := range []string{"Name:           computer", "Active:         yes", "Persistent:     yes", "Autostart:      yes"} {
		if !strings.Contains(info, want) {
			t.Errorf("nodedev-info computer lacks %q:\n%s", want, info)
		}
	}
}

// TestErrors checks libvirt's answers for unknown devices (NO_NODE_DEVICE, 53) and
// for detaching what cannot be detached.
func TestErrors(t *testing.T) {
	t.Parallel()
	d := startNodedev(t, daemontest.Options{})
	_, errOut, err := d.VirshErr("nodedev-dumpxml", "nope")
	if err == nil || !strings.Contains(errOut, "Node device not found: no node device with matching name 'nope'") {
		t.Errorf("nodedev-dumpxml nope: %v %s", err, errOut)
	}
	pci := lines(d.Virsh(t, "nodedev-list", "--cap", "pci"))[0]
	net := lines(d.Virsh(t, "nodedev-list", "--cap", "net"))[0]
	program := fmt.Sprintf(`
for call in (lambda: conn.nodeDeviceLookupByName('nope'),
             lambda: conn.nodeDeviceLookupByName('%[1]s').detachFlags(None, 0),
             lambda: conn.nodeDeviceLookupByName('%[2]s').detachFlags('kvm', 0)):
    try:
        call()
        print('no error')
    except libvirt.libvirtError as e:
        print(e.get_error_code(), e.get_error_domain(), e.get_error_message())
`, net, pci)
	got := lines(python(t, d, program))
	want := []string{
		"53 22 Node device not found: no node device with matching name 'nope'",
		"8 22 invalid argument: device " + net + " is not a PCI device",
		"67 22 unsupported configuration: KVM device assignment is no longer supported on this system",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Detaching a real device would take it from the host. Only where the host cannot
	// do it is the refusal checked end to end.
	if groups, _ := os.ReadDir("/sys/kernel/iommu_groups"); len(groups) == 0 {
		_, errOut, err := d.VirshErr("nodedev-detach", pci)
		if err == nil || !strings.Contains(errOut, "VFIO device assignment is currently not supported on this system: the host has no IOMMU groups") {
			t.Errorf("nodedev-detach on a host without IOMMU: %v %s", err, errOut)
		}
	} else {
		t.Log("this host has IOMMU groups: the no-IOMMU refusal is covered by the unit tests only")
	}
}

func python(t *testing.T, d *daemontest.Daemon, program string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src := "import libvirt, sys\nlibvirt.registerErrorHandler(lambda c, e: None, None)\nconn = libvirt.open(sys.argv[1])\n" + program
	out, errOut, err := daemontest.Run(ctx, append(os.Environ(), "LIBVIRT_AUTOSTART=0"), "/usr/bin/python3", "-c", src, d.URI(""))
	if err != nil {
		t.Fatalf("python: %v\n%s\n%s", err, out, errOut)
	}
	return out
}

// eventReader reads lines a client prints, one by one, with a deadline.
type eventReader struct {
	lines chan string
}

func readLines(r io.Reader) *eventReader {
	e := &eventReader{lines: make(chan string, 64)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			e.lines <- sc.Text()
		}
		close(e.lines)
	}()
	return e
}

// next returns the next line containing substr, skipping others.
func (e *eventReader) next(t *testing.T, substr string) string {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case l, ok := <-e.lines:
			if !ok {
				t.Fatalf("client exited before printing %q", substr)
			}
			if strings.Contains(l, substr) {
				return l
			}
		case <-timeout:
			t.Fatalf("no line with %q within 15s", substr)
		}
	}
}

// TestNetDeviceEventsVirsh runs virsh nodedev-event --loop and makes a veth pair
// appear and vanish in the daemon's network namespace.
func TestNetDeviceEventsVirsh(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	d := startNodedev(t, daemontest.Options{NetNS: ns})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, "virsh", "-c", d.URI(""), "nodedev-event", "--loop", "--event", "lifecycle")
	// The client's RPC trace tells when the callback is registered (the reply to
	// CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, procedure 374): virsh prints nothing then.
	cmd.Env = append(os.Environ(), "LIBVIRT_AUTOSTART=0", "LIBVIRT_DEBUG=1", "LIBVIRT_LOG_FILTERS=1:rpc.netclient 4:*", "LIBVIRT_LOG_OUTPUTS=1:stderr")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cancel()
	readLines(stderr).next(t, "proc=374 type=1 status=0")
	out := readLines(stdout)

	ipn(t, ns, "link", "add", "ev0", "type", "veth", "peer", "name", "ev1")
	created := []string{out.next(t, "Created"), out.next(t, "Created")}
	sort.Strings(created)
	if !strings.Contains(created[0], "for node device net_ev0_") || !strings.Contains(created[1], "for node device net_ev1_") {
		t.Fatalf("created events: %q", created)
	}
	dev := strings.Fields(strings.TrimSuffix(created[0], ": Created"))
	name := dev[len(dev)-1]
	if x := d.Virsh(t, "nodedev-dumpxml", name); !strings.Contains(x, "<interface>ev0</interface>") || !strings.Contains(x, "<parent>computer</parent>") {
		t.Errorf("dumpxml %s:\n%s", name, x)
	}
	ipn(t, ns, "link", "del", "ev0")
	deleted := []string{out.next(t, "Deleted"), out.next(t, "Deleted")}
	sort.Strings(deleted)
	if want := "event 'lifecycle' for node device " + name + ": Deleted"; deleted[0] != want {
		t.Fatalf("deleted events %q, want %q first", deleted, want)
	}
	if _, _, err := d.VirshErr("nodedev-dumpxml", name); err == nil {
		t.Errorf("%s still there after deletion", name)
	}
}

// TestNetDeviceEventsAPI registers lifecycle and update callbacks through the API and
// checks a veth's whole life, with a device filter.
func TestNetDeviceEventsAPI(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	d := startNodedev(t, daemontest.Options{NetNS: ns})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	program := `
import libvirt, sys, threading
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
names = {0: 'created', 1: 'deleted'}
def lifecycle(conn, dev, event, detail, opaque):
    print(names.get(event, event), dev.name(), flush=True)
def update(conn, dev, opaque):
    print('update', dev.name(), flush=True)
conn.nodeDeviceEventRegisterAny(None, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, lifecycle, None)
conn.nodeDeviceEventRegisterAny(None, libvirt.VIR_NODE_DEVICE_EVENT_ID_UPDATE, update, None)
print('ready', flush=True)
while True:
    libvirt.virEventRunDefaultImpl()
`
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", "-c", program, d.URI(""))
	cmd.Env = append(os.Environ(), "LIBVIRT_AUTOSTART=0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cancel()
	out := readLines(stdout)
	out.next(t, "ready")

	ipn(t, ns, "link", "add", "pa0", "type", "veth", "peer", "name", "pa1")
	first := out.next(t, "created net_pa")
	out.next(t, "created net_pa")
	name := strings.Fields(first)[1]
	// A uevent for the device (here a synthetic one) is an update.
	ipn(t, ns, "link", "set", "pa0", "alias", "x") // no uevent: must produce nothing
	netnsExec(t, ns, "sh", "-c", "echo change > /sys/class/net/"+strings.Split(name, "_")[1]+"/uevent")
	if got := out.next(t, "update"); got != "update "+name {
		t.Errorf("update event %q, want for %s", got, name)
	}
	ipn(t, ns, "link", "del", "pa0")
	if got := out.next(t, "deleted"); !strings.HasPrefix(got, "deleted net_pa") {
		t.Errorf("deleted event %q", got)
	}
}

func netnsExec(t *testing.T, ns string, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ip netns exec %s %v: %v\n%s", ns, args, err, out)
	}
}
