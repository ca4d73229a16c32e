package dbusapi_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
)

// TestRunningGuest drives the calls of a running guest, its snapshots and the storage
// driver through virtqemud's org.libvirt API, with virtstoraged behind it: one TCG
// guest for every subtest. Each error a call gives is the one virsh gets for the same
// call over the RPC socket.
func TestRunningGuest(t *testing.T) {
	daemontest.RequireTool(t, "qemu-img")
	h := modularHost(t)
	g := startGuest(t, h)
	t.Run("Stats", func(t *testing.T) { testGuestStats(t, h, g) })
	t.Run("Devices", func(t *testing.T) { testGuestDevices(t, h, g) })
	t.Run("Resources", func(t *testing.T) { testGuestResources(t, h, g) })
	t.Run("Snapshots", func(t *testing.T) { testGuestSnapshots(t, h, g) })
	t.Run("Storage", func(t *testing.T) { testStorage(t, h) })
	t.Run("Migration", func(t *testing.T) { testGuestMigration(t, h, g) })
	t.Run("SavedState", func(t *testing.T) { testGuestSavedState(t, h, g) })
	if t.Failed() {
		t.Logf("virtqemud log:\n%s", h.qemu.Log())
	}
}

// guest is the running guest the subtests share.
type guest struct {
	name string
	path dbus.ObjectPath
	dir  string // 0777, for the files QEMU (not root) opens
	rec  *recorder
}

const guestName = "vu-guest"

func startGuest(t *testing.T, h *host) *guest {
	t.Helper()
	dir := serialDir(t)
	disk := qcow2(t, dir, "disk.qcow2", "16M")
	xml := fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>32</memory>
  <vcpu current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>
    <controller type='usb' model='none'/>
    <controller type='scsi' model='virtio-scsi'/>
    <memballoon model='none'/>
    <serial type='file'><source path='%s'/></serial>
  </devices>
</domain>`, guestName, qemutest.TinyImage(t), disk, filepath.Join(dir, guestName))
	g := &guest{name: guestName, dir: dir, rec: h.record(t)}
	h.call(t, connectPath, "org.libvirt.Connect.DomainDefineXML", xml).Store(&g.path)
	h.call(t, g.path, "org.libvirt.Domain.Create", uint32(0))
	waitReady(t, dir, guestName, 1)
	t.Cleanup(func() {
		h.callErr(g.path, "org.libvirt.Domain.Destroy", uint32(0))
		h.callErr(g.path, "org.libvirt.Domain.Undefine", uint32(2|4)) // managed save, snapshot metadata
	})
	return g
}

// qcow2 makes an image QEMU may write.
func qcow2(t *testing.T, dir, name, size string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", path, size).CombinedOutput(); err != nil {
		t.Fatalf("qemu-img create: %v\n%s", err, out)
	}
	os.Chmod(path, 0o666)
	return path
}

// sameError calls method, which must fail, and checks that virsh, making the same
// libvirt call over virtqemud's socket, fails with the same message.
func sameError(t *testing.T, h *host, path dbus.ObjectPath, method string, args []any, virsh ...string) {
	t.Helper()
	err := h.callErr(path, method, args...)
	if err == nil {
		t.Errorf("%s succeeded, want the error of virsh %s", method, strings.Join(virsh, " "))
		return
	}
	msg, _ := err.Body[0].(string)
	if err.Name != "org.libvirt.Error" || msg == "" {
		t.Errorf("%s: %s %q, want org.libvirt.Error", method, err.Name, msg)
		return
	}
	_, errOut, verr := h.qemu.VirshErr(virsh...)
	if verr == nil {
		t.Errorf("virsh %s succeeded, want %q", strings.Join(virsh, " "), msg)
		return
	}
	if !strings.Contains(errOut, "error: "+msg+"\n") {
		t.Errorf("%s says %q; virsh %s says:\n%s", method, msg, strings.Join(virsh, " "), errOut)
	}
}

// encodeName is a name as a path element, every byte outside [A-Za-z0-9] "_xx".
func encodeName(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return b.String()
}

// param is a typed parameter of an a{sv} as libvirt-dbus sends it: a variant in the
// variant.
func param(t *testing.T, ps map[string]dbus.Variant, name string) any {
	t.Helper()
	v, ok := ps[name]
	if !ok {
		t.Errorf("no %s among %d parameters", name, len(ps))
		return nil
	}
	inner, ok := v.Value().(dbus.Variant)
	if !ok {
		t.Errorf("%s is %s, want a variant in the variant", name, v.Signature())
		return nil
	}
	return inner.Value()
}

func testGuestStats(t *testing.T, h *host, g *guest) {
	// The bodies as decoded: godbus's Store would unwrap the inner variants.
	stats := h.call(t, g.path, "org.libvirt.Domain.GetStats", uint32(0), uint32(0)).Body[0].(map[string]dbus.Variant)
	if v := param(t, stats, "state.state"); v != int32(1) {
		t.Errorf("state.state = %#v, want int32 1 (running)", v)
	}
	if v := param(t, stats, "vcpu.current"); v != uint32(1) {
		t.Errorf("vcpu.current = %#v, want uint32 1", v)
	}
	if v := param(t, stats, "block.0.name"); v != "vda" {
		t.Errorf("block.0.name = %#v", v)
	}
	if _, ok := param(t, stats, "cpu.time").(uint64); !ok {
		t.Errorf("cpu.time is not a t: %#v", stats["cpu.time"])
	}

	all := h.call(t, connectPath, "org.libvirt.Connect.GetAllDomainStats", uint32(1), uint32(0)).Body[0].([][]any) // state
	found := false
	for _, r := range all {
		if r[0] == g.name {
			found = param(t, r[1].(map[string]dbus.Variant), "state.state") == int32(1)
		}
	}
	if !found {
		t.Errorf("GetAllDomainStats(state) has no running %s: %v", g.name, all)
	}

	var mem map[int32]uint64
	h.call(t, g.path, "org.libvirt.Domain.MemoryStats", uint32(0)).Store(&mem)
	if mem[6] != 32768 { // VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON
		t.Errorf("MemoryStats: %v, want actual 32768 KiB", mem)
	}
	var job struct {
		Type                            int32
		A, B, C, D, E, F, G, H, I, J, K uint64
	}
	h.call(t, g.path, "org.libvirt.Domain.GetJobInfo").Store(&job)
	if job.Type != 0 {
		t.Errorf("GetJobInfo type %d, want 0 (none)", job.Type)
	}
	jobStats := h.call(t, g.path, "org.libvirt.Domain.GetJobStats", uint32(0)).Body[0].([]any)
	if jobStats[0] != int32(0) {
		t.Errorf("GetJobStats type %v, want 0", jobStats[0])
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetControlInfo", "u", "0"); err != nil || out != "(uut) 0 0 0\n" {
		t.Errorf("busctl GetControlInfo: %v %q, want (uut) 0 0 0 (ok)", err, out)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetNumaParameters", "u", "0"); err != nil ||
		!strings.Contains(out, `"numa_mode" v i 0`) || !strings.Contains(out, `"numa_nodeset" v s ""`) {
		t.Errorf("busctl GetNumaParameters: %v %q", err, out)
	}
	// schedinfo and memtune through D-Bus: the same driver calls, checks and errors.
	if out, err := h.busctl(t, "get-property", "org.libvirt", string(g.path), "org.libvirt.Domain", "SchedulerType"); err != nil || out != "(si) \"posix\" 9\n" {
		t.Errorf("busctl get-property SchedulerType: %v %q", err, out)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetSchedulerParameters", "u", "0"); err != nil ||
		!strings.Contains(out, `"cpu_shares" v t 100`) || !strings.Contains(out, `"global_quota" v x 17592186044415`) {
		t.Errorf("busctl GetSchedulerParameters: %v %q", err, out)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetMemoryParameters", "u", "0"); err != nil ||
		!strings.Contains(out, `"hard_limit" v t 9007199254740991`) {
		t.Errorf("busctl GetMemoryParameters: %v %q", err, out)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetBlockIOParameters", "u", "0"); err != nil ||
		!strings.Contains(out, `"weight" v u 100`) || !strings.Contains(out, `"device_weight" v s ""`) {
		t.Errorf("busctl GetBlockIOParameters: %v %q", err, out)
	}
	// This daemon realizes guests without systemd: no limits on a running one.
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "SetSchedulerParameters", "a{sv}u", "1",
		"cpu_shares", "t", "256", "1"); err == nil || !strings.Contains(out, "cgroup CPU controller is not mounted") {
		t.Errorf("busctl SetSchedulerParameters (live): %v %q", err, out)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "SetMemoryParameters", "a{sv}u", "1",
		"hard_limit", "t", "262144", "2"); err != nil {
		t.Errorf("busctl SetMemoryParameters (config): %v %q", err, out)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetMemoryParameters", "u", "2"); err != nil ||
		!strings.Contains(out, `"hard_limit" v t 262144`) {
		t.Errorf("busctl GetMemoryParameters (config): %v %q", err, out)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "SetMemoryParameters", "a{sv}u", "1",
		"hard_limit", "s", "1", "2"); err == nil || !strings.Contains(out, "invalid type 'string' for parameter 'hard_limit', expected 'ullong'") {
		t.Errorf("busctl SetMemoryParameters of the wrong type: %v %q", err, out)
	}
	// This guest runs no agent: libvirt's error, through the same driver call.
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetTime", "u", "0"); err == nil ||
		!strings.Contains(out, "QEMU guest agent is not configured") {
		t.Errorf("busctl GetTime without an agent: %v %q", err, out)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetVcpus", "u", "0"); err != nil || out != "u 1\n" {
		t.Errorf("busctl GetVcpus: %v %q, want u 1", err, out)
	}
	// busctl shows libvirt-dbus's variants in variants as it shows GetAll's.
	if out, err := h.busctl(t, "call", "org.libvirt", string(g.path), "org.libvirt.Domain", "GetStats", "uu", "1", "0"); err != nil ||
		!strings.Contains(out, `"state.state" v i 1`) {
		t.Errorf("busctl GetStats(state): %v %s", err, out)
	}
	var caps string
	h.call(t, connectPath, "org.libvirt.Connect.GetDomainCapabilities", "", "x86_64", "", "qemu", uint32(0)).Store(&caps)
	if !strings.Contains(caps, "<domainCapabilities>") || !strings.Contains(caps, "<domain>qemu</domain>") {
		t.Errorf("GetDomainCapabilities:\n%s", caps)
	}
	// The guest has no agent.
	sameError(t, h, g.path, "org.libvirt.Domain.GetFSInfo", []any{uint32(0)}, "domfsinfo", g.name)
	sameError(t, h, g.path, "org.libvirt.Domain.InterfaceAddresses", []any{uint32(1), uint32(0)}, "domifaddr", g.name, "--source", "agent")
}

func testGuestDevices(t *testing.T, h *host, g *guest) {
	hot := qcow2(t, g.dir, "hot.qcow2", "8M")
	dev := fmt.Sprintf(`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='sda' bus='scsi'/></disk>`, hot)
	devFile := filepath.Join(g.dir, "hot.xml")
	if err := os.WriteFile(devFile, []byte(dev), 0o644); err != nil {
		t.Fatal(err)
	}
	const live = uint32(1) // VIR_DOMAIN_AFFECT_LIVE
	h.call(t, g.path, "org.libvirt.Domain.AttachDevice", dev, live)
	added := g.rec.wait(t, g.path, "org.libvirt.Domain.DeviceAdded", nil)
	var xml string
	h.call(t, g.path, "org.libvirt.Domain.GetXMLDesc", uint32(0)).Store(&xml)
	if !strings.Contains(xml, "<target dev='sda' bus='scsi'/>") {
		t.Errorf("the live XML lacks sda after AttachDevice:\n%s", xml)
	}
	sameError(t, h, g.path, "org.libvirt.Domain.AttachDevice", []any{dev, live}, "attach-device", g.name, devFile, "--live")
	h.call(t, g.path, "org.libvirt.Domain.DetachDevice", dev, live)
	g.rec.wait(t, g.path, "org.libvirt.Domain.DeviceRemoved", func(b []any) bool { return b[0] == added.Body[0] })
	h.call(t, g.path, "org.libvirt.Domain.GetXMLDesc", uint32(0)).Store(&xml)
	if strings.Contains(xml, "dev='sda'") {
		t.Errorf("sda still in the live XML after DetachDevice:\n%s", xml)
	}
	sameError(t, h, g.path, "org.libvirt.Domain.DetachDevice", []any{dev, live}, "detach-device", g.name, devFile, "--live")
	// Keys reach the guest's keyboard controller; there is nothing to see of them.
	h.call(t, g.path, "org.libvirt.Domain.SendKey", uint32(0), uint32(0), []uint32{28}, uint32(0))
}

func testGuestResources(t *testing.T, h *host, g *guest) {
	const config = uint32(2) // VIR_DOMAIN_AFFECT_CONFIG
	h.call(t, g.path, "org.libvirt.Domain.SetMemory", uint64(24576), config)
	var inactive string
	h.call(t, g.path, "org.libvirt.Domain.GetXMLDesc", uint32(2)).Store(&inactive) // VIR_DOMAIN_XML_INACTIVE
	if !strings.Contains(inactive, "<currentMemory unit='KiB'>24576</currentMemory>") {
		t.Errorf("SetMemory(CONFIG) did not change the definition:\n%s", inactive)
	}
	// Without a balloon the live size cannot change.
	sameError(t, h, g.path, "org.libvirt.Domain.SetMemory", []any{uint64(24576), uint32(1)}, "setmem", g.name, "24M", "--live")
	sameError(t, h, g.path, "org.libvirt.Domain.SetMemory", []any{uint64(1 << 30), uint32(0)}, "setmem", g.name, "1G")

	h.call(t, g.path, "org.libvirt.Domain.SetVcpus", uint32(2), config)
	var n uint32
	h.call(t, g.path, "org.libvirt.Domain.GetVcpus", config).Store(&n)
	if n != 2 {
		t.Errorf("GetVcpus(CONFIG) = %d after SetVcpus(2, CONFIG)", n)
	}
	sameError(t, h, g.path, "org.libvirt.Domain.SetVcpus", []any{uint32(5), config}, "setvcpus", g.name, "5", "--config")

	const description = int32(0) // VIR_DOMAIN_METADATA_DESCRIPTION
	h.call(t, g.path, "org.libvirt.Domain.SetMetadata", description, "set over D-Bus", "", "", uint32(1))
	g.rec.wait(t, g.path, "org.libvirt.Domain.MetadataChange", func(b []any) bool { return b[0] == description })
	var desc string
	h.call(t, g.path, "org.libvirt.Domain.GetMetadata", description, "", uint32(1)).Store(&desc)
	if desc != "set over D-Bus" {
		t.Errorf("GetMetadata = %q", desc)
	}
	if out := h.qemu.Virsh(t, "desc", g.name, "--live"); strings.TrimSpace(out) != "set over D-Bus" {
		t.Errorf("virsh desc after SetMetadata: %q", out)
	}
	sameError(t, h, g.path, "org.libvirt.Domain.GetMetadata", []any{int32(2), "http://example.org/nope", uint32(0)},
		"metadata", g.name, "http://example.org/nope")
	sameError(t, h, g.path, "org.libvirt.Domain.Rename", []any{"vu-renamed", uint32(0)}, "domrename", g.name, "vu-renamed")
}

// testGuestMigration: the migration knobs reach the driver (virsh reads back what
// D-Bus set), and MigrateToURI3 refuses and fails as virsh migrate does.
func testGuestMigration(t *testing.T, h *host, g *guest) {
	h.call(t, g.path, "org.libvirt.Domain.MigrateSetMaxSpeed", uint64(100), uint32(0))
	var speed uint64
	h.call(t, g.path, "org.libvirt.Domain.MigrateGetMaxSpeed", uint32(0)).Store(&speed)
	if out := strings.TrimSpace(h.qemu.Virsh(t, "migrate-getspeed", g.name)); speed != 100 || out != "100" {
		t.Errorf("MigrateGetMaxSpeed = %d, virsh migrate-getspeed %q after MigrateSetMaxSpeed(100)", speed, out)
	}
	h.call(t, g.path, "org.libvirt.Domain.MigrateSetMaxDowntime", uint64(400), uint32(0))
	if out := strings.TrimSpace(h.qemu.Virsh(t, "migrate-getmaxdowntime", g.name)); out != "400" {
		t.Errorf("virsh migrate-getmaxdowntime %q after MigrateSetMaxDowntime(400)", out)
	}
	const live, p2p = uint32(1), uint32(2) // VIR_MIGRATE_LIVE, VIR_MIGRATE_PEER2PEER
	sameError(t, h, g.path, "org.libvirt.Domain.MigrateToURI3",
		[]any{"", map[string]dbus.Variant{"migrate_uri": dbus.MakeVariant("tcp://192.0.2.1")}, live},
		"migrate", "--live", "--direct", g.name, "tcp://192.0.2.1")
	// Nothing listens on port 1 of loopback: the source daemon's own dial fails.
	sameError(t, h, g.path, "org.libvirt.Domain.MigrateToURI3",
		[]any{"qemu+tcp://127.0.0.1:1/system", map[string]dbus.Variant{}, live | p2p},
		"migrate", "--live", "--p2p", g.name, "qemu+tcp://127.0.0.1:1/system")
	sameError(t, h, g.path, "org.libvirt.Domain.AbortJob", nil, "domjobabort", g.name)
	if err := h.callErr(g.path, "org.libvirt.Domain.MigrateToURI3", "qemu+tcp://127.0.0.1:1/system",
		map[string]dbus.Variant{"bandwidth": dbus.MakeVariant([]string{"x"})}, live|p2p); err == nil || err.Name != "org.libvirt.Error" {
		t.Errorf("MigrateToURI3 with a list parameter: %v", err)
	}
	if out := h.qemu.Virsh(t, "domstate", g.name); strings.TrimSpace(out) != "running" {
		t.Errorf("guest after the failed migrations: %q", out)
	}
}

func testGuestSnapshots(t *testing.T, h *host, g *guest) {
	var snap dbus.ObjectPath
	h.call(t, g.path, "org.libvirt.Domain.SnapshotCreateXML", "<domainsnapshot><name>s 1</name></domainsnapshot>", uint32(0)).Store(&snap)
	uuidElem := strings.TrimPrefix(string(g.path), string(connectPath)+"/domain/")
	if want := connectPath + "/domainsnapshot/" + dbus.ObjectPath(uuidElem) + "_s_201"; snap != want {
		t.Errorf("snapshot path %s, want %s", snap, want)
	}
	var list []dbus.ObjectPath
	h.call(t, g.path, "org.libvirt.Domain.ListDomainSnapshots", uint32(0)).Store(&list)
	if len(list) != 1 || list[0] != snap {
		t.Errorf("ListDomainSnapshots = %v, want [%s]", list, snap)
	}
	var cur, byName dbus.ObjectPath
	h.call(t, g.path, "org.libvirt.Domain.SnapshotCurrent", uint32(0)).Store(&cur)
	h.call(t, g.path, "org.libvirt.Domain.SnapshotLookupByName", "s 1", uint32(0)).Store(&byName)
	if cur != snap || byName != snap {
		t.Errorf("SnapshotCurrent %s, SnapshotLookupByName %s, want %s", cur, byName, snap)
	}
	var isCurrent bool
	h.call(t, snap, "org.libvirt.DomainSnapshot.IsCurrent", uint32(0)).Store(&isCurrent)
	var xml string
	h.call(t, snap, "org.libvirt.DomainSnapshot.GetXMLDesc", uint32(0)).Store(&xml)
	if !isCurrent || !strings.Contains(xml, "<name>s 1</name>") || !strings.Contains(xml, "<state>running</state>") {
		t.Errorf("IsCurrent %v, GetXMLDesc:\n%s", isCurrent, xml)
	}
	var children []dbus.ObjectPath
	h.call(t, snap, "org.libvirt.DomainSnapshot.ListChildren", uint32(0)).Store(&children)
	if len(children) != 0 {
		t.Errorf("ListChildren = %v", children)
	}
	// virsh words a missing parent itself; libvirt-dbus passes libvirt's error on.
	if err := h.callErr(snap, "org.libvirt.DomainSnapshot.GetParent", uint32(0)); err == nil ||
		err.Body[0] != "Domain snapshot not found: snapshot 's 1' does not have a parent" {
		t.Errorf("GetParent of a root snapshot: %v", err)
	}
	sameError(t, h, g.path, "org.libvirt.Domain.SnapshotLookupByName", []any{"nope", uint32(0)}, "snapshot-info", g.name, "--snapshotname", "nope")

	h.call(t, snap, "org.libvirt.DomainSnapshot.Revert", uint32(0))
	var state struct{ State, Reason int32 }
	h.call(t, g.path, "org.libvirt.Domain.GetState", uint32(0)).Store(&state)
	if state.State != 1 {
		t.Errorf("state after reverting to a running snapshot: %v", state)
	}
	h.call(t, snap, "org.libvirt.DomainSnapshot.Delete", uint32(0))
	h.call(t, g.path, "org.libvirt.Domain.ListDomainSnapshots", uint32(0)).Store(&list)
	if len(list) != 0 {
		t.Errorf("ListDomainSnapshots after Delete = %v", list)
	}
	if err := h.callErr(snap, "org.libvirt.DomainSnapshot.GetXMLDesc", uint32(0)); err == nil || !strings.Contains(err.Body[0].(string), "no domain snapshot with matching name 's 1'") {
		t.Errorf("GetXMLDesc of the deleted snapshot: %v", err)
	}
}

func testStorage(t *testing.T, h *host) {
	rec := h.record(t)
	pool := definePool(t, h, "vu-pool")
	var target string
	h.call(t, pool, "org.libvirt.StoragePool.GetXMLDesc", uint32(0)).Store(&target)
	target = strings.Split(strings.Split(target, "<path>")[1], "</path>")[0]
	rec.wait(t, connectPath, "org.libvirt.Connect.StoragePoolEvent", event(pool, 0)) // Defined
	defer h.callErr(pool, "org.libvirt.StoragePool.Undefine")
	var byName dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.StoragePoolLookupByName", "vu-pool").Store(&byName)
	if byName != pool || !strings.HasPrefix(string(pool), string(connectPath)+"/storagepool/_") {
		t.Errorf("StoragePoolLookupByName %s, StoragePoolDefineXML %s", byName, pool)
	}
	h.call(t, pool, "org.libvirt.StoragePool.Build", uint32(0))
	h.call(t, pool, "org.libvirt.StoragePool.Create", uint32(0))
	rec.wait(t, connectPath, "org.libvirt.Connect.StoragePoolEvent", event(pool, 2)) // Started
	props := h.call(t, pool, "org.freedesktop.DBus.Properties.GetAll", "org.libvirt.StoragePool").Body[0].(map[string]dbus.Variant)
	if param(t, props, "Active") != true || param(t, props, "Name") != "vu-pool" || param(t, props, "Persistent") != true {
		t.Errorf("GetAll of the pool: %v", props)
	}
	var pools []dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.ListStoragePools", uint32(2)).Store(&pools) // active
	if !contains(pathStrings(pools), string(pool)) {
		t.Errorf("ListStoragePools(ACTIVE) = %v, want %s", pools, pool)
	}

	var vol dbus.ObjectPath
	h.call(t, pool, "org.libvirt.StoragePool.StorageVolCreateXML",
		"<volume><name>v1.qcow2</name><capacity unit='M'>4</capacity><target><format type='qcow2'/></target></volume>", uint32(0)).Store(&vol)
	volPath := filepath.Join(target, "v1.qcow2")
	if want := connectPath + "/storagevol/" + dbus.ObjectPath(encodeName(volPath)); vol != want {
		t.Errorf("volume path %s, want %s", vol, want)
	}
	if out, err := h.busctl(t, "call", "org.libvirt", string(pool), "org.libvirt.StoragePool", "ListStorageVolumes", "u", "0"); err != nil ||
		out != fmt.Sprintf("ao 1 \"%s\"\n", vol) {
		t.Errorf("busctl ListStorageVolumes: %v %q, want [%s]", err, out, vol)
	}
	var byPath dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.StorageVolLookupByPath", volPath).Store(&byPath)
	if byPath != vol {
		t.Errorf("StorageVolLookupByPath = %s, want %s", byPath, vol)
	}
	var v dbus.Variant
	h.call(t, vol, "org.freedesktop.DBus.Properties.Get", "org.libvirt.StorageVol", "Path").Store(&v)
	if v.Value() != volPath {
		t.Errorf("the volume's Path = %v", v)
	}
	var info struct {
		Type                 int32
		Capacity, Allocation uint64
	}
	h.call(t, vol, "org.libvirt.StorageVol.GetInfo", uint32(0)).Store(&info)
	if info.Capacity != 4<<20 {
		t.Errorf("GetInfo of the volume: %+v, want 4 MiB", info)
	}
	h.call(t, pool, "org.libvirt.StoragePool.Refresh", uint32(0))
	rec.wait(t, pool, "org.libvirt.StoragePool.Refresh", nil)
	sameError(t, h, pool, "org.libvirt.StoragePool.StorageVolCreateXML",
		[]any{"<volume><name>v1.qcow2</name><capacity unit='M'>4</capacity></volume>", uint32(0)}, "vol-create-as", "vu-pool", "v1.qcow2", "4M")
	h.call(t, vol, "org.libvirt.StorageVol.Delete", uint32(0))
	if _, err := os.Stat(volPath); !os.IsNotExist(err) {
		t.Errorf("the volume's file after Delete: %v", err)
	}
	sameError(t, h, connectPath, "org.libvirt.Connect.StorageVolLookupByPath", []any{volPath}, "vol-info", volPath)
	sameError(t, h, connectPath, "org.libvirt.Connect.StoragePoolLookupByName", []any{"vu-nopool"}, "pool-info", "vu-nopool")

	h.call(t, pool, "org.libvirt.StoragePool.Destroy")
	rec.wait(t, connectPath, "org.libvirt.Connect.StoragePoolEvent", event(pool, 3)) // Stopped
	h.call(t, pool, "org.libvirt.StoragePool.Undefine")
	rec.wait(t, connectPath, "org.libvirt.Connect.StoragePoolEvent", event(pool, 1)) // Undefined
	rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesRemoved", func(b []any) bool { return b[0] == pool })
}

// definePool defines a directory pool in a directory of the test's own.
func definePool(t *testing.T, h *host, name string) dbus.ObjectPath {
	t.Helper()
	target := filepath.Join(serialDir(t), "pool")
	xml := fmt.Sprintf("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>", name, target)
	var pool dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.StoragePoolDefineXML", xml, uint32(0)).Store(&pool)
	return pool
}

func testGuestSavedState(t *testing.T, h *host, g *guest) {
	file := filepath.Join(g.dir, "saved")
	h.call(t, g.path, "org.libvirt.Domain.Save", file, "", uint32(0))
	g.rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(g.path, 5, 4)) // Stopped, Saved
	var xml string
	h.call(t, connectPath, "org.libvirt.Connect.DomainSaveImageGetXMLDesc", file, uint32(0)).Store(&xml)
	if !strings.Contains(xml, "<name>"+g.name+"</name>") {
		t.Errorf("DomainSaveImageGetXMLDesc:\n%s", xml)
	}
	h.call(t, connectPath, "org.libvirt.Connect.DomainRestore", file, "", uint32(0))
	g.rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(g.path, 2, 2)) // Started, Restored
	sameError(t, h, connectPath, "org.libvirt.Connect.DomainRestore", []any{filepath.Join(g.dir, "nosuch"), "", uint32(0)},
		"restore", filepath.Join(g.dir, "nosuch"))

	h.call(t, g.path, "org.libvirt.Domain.InjectNMI", uint32(0))
	h.call(t, g.path, "org.libvirt.Domain.ManagedSave", uint32(0))
	var has bool
	h.call(t, g.path, "org.libvirt.Domain.HasManagedSaveImage", uint32(0)).Store(&has)
	if !has {
		t.Errorf("HasManagedSaveImage is false after ManagedSave")
	}
	h.call(t, g.path, "org.libvirt.Domain.ManagedSaveRemove", uint32(0))
	h.call(t, g.path, "org.libvirt.Domain.HasManagedSaveImage", uint32(0)).Store(&has)
	if has {
		t.Errorf("HasManagedSaveImage is true after ManagedSaveRemove")
	}
}
