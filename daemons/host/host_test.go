package host

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeRoot builds a /proc and /sys tree of a 2-socket machine, 2 cores per socket,
// 2 threads per core, two NUMA nodes.
func fakeRoot(t *testing.T) string {
	root := t.TempDir()
	write := func(p, content string) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sys/devices/system/cpu/online", "0-7\n")
	for cpu := range 8 {
		base := filepath.Join("sys/devices/system/cpu", "cpu"+itoa(cpu), "topology")
		socket, core := cpu/4, (cpu/2)%2
		write(base+"/physical_package_id", itoa(socket))
		write(base+"/die_id", "0")
		write(base+"/core_id", itoa(core))
		write(base+"/thread_siblings_list", itoa(cpu&^1)+"-"+itoa(cpu|1))
	}
	write("sys/devices/system/node/node0/cpulist", "0-3\n")
	write("sys/devices/system/node/node1/cpulist", "4-7\n")
	write("sys/devices/system/node/node0/meminfo", "Node 0 MemTotal:       8000000 kB\n")
	write("sys/devices/system/node/node1/meminfo", "Node 1 MemTotal:       8000000 kB\n")
	write("sys/devices/system/node/node0/distance", "10 21\n")
	write("sys/devices/system/node/node1/distance", "21 10\n")
	write("proc/meminfo", "MemTotal:       16000000 kB\nMemFree: 1 kB\n")
	write("proc/cpuinfo", strings.Repeat("processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R)\nstepping\t: 7\nmicrocode\t: 0x5003604\ncpu MHz\t\t: 2100.000\nphysical id\t: 0\n\n", 1)+
		"processor\t: 4\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R)\nstepping\t: 7\nphysical id\t: 1\n\n")
	write("sys/class/dmi/id/bios_vendor", "SeaBIOS\n")
	write("sys/class/dmi/id/sys_vendor", "QEMU & Co <x>\n")
	write("sys/class/dmi/id/product_uuid", "0B7A5E49-1C2D-4E3F-8A9B-0C1D2E3F4A5B\n")
	write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n")
	write("sys/power/state", "freeze mem disk\n")
	write("etc/machine-id", "0123456789abcdef0123456789abcdef\n")
	return root
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestNodeInfo(t *testing.T) {
	h := NewAt(fakeRoot(t), UUIDConfig{})
	ni, err := h.NodeInfo()
	if err != nil {
		t.Fatal(err)
	}
	if ni.Cpus != 8 || ni.Nodes != 2 || ni.Sockets != 1 || ni.Cores != 2 || ni.Threads != 2 || ni.Memory != 16000000 || ni.Mhz != 2100 {
		t.Errorf("node info = %+v; want 8 cpus = 2 nodes × 1 socket × 2 cores × 2 threads", ni)
	}
}

func TestCapabilitiesHost(t *testing.T) {
	h := NewAt(fakeRoot(t), UUIDConfig{})
	caps, err := h.Capabilities()
	if err != nil {
		t.Fatal(err)
	}
	c := caps.Host
	if c.UUID != "0b7a5e49-1c2d-4e3f-8a9b-0c1d2e3f4a5b" {
		t.Errorf("uuid = %s", c.UUID)
	}
	if c.CPU.Vendor != "Intel" || c.CPU.Signature.Model != 85 || c.CPU.Microcode.Version != 0x5003604 || c.CPU.Topology.Threads != 2 {
		t.Errorf("cpu = %+v", c.CPU)
	}
	if len(c.CPU.PageSizes) != 2 || c.CPU.PageSizes[1].Size != 2048 {
		t.Errorf("pages = %+v", c.CPU.PageSizes)
	}
	if c.PowerManagement.SuspendMem == nil || c.PowerManagement.SuspendHybrid == nil {
		t.Errorf("power management = %+v", c.PowerManagement)
	}
	cells := c.NUMA.Cells.Cells
	if len(cells) != 2 || cells[1].Memory.Size != 8000000 || cells[1].CPUS.Num != 4 || cells[0].Distances.Siblings[1].Value != 21 {
		t.Errorf("cells = %+v", cells)
	}
	if *cells[1].CPUS.CPUs[0].SocketID != 1 || cells[1].CPUS.CPUs[0].Siblings != "4-5" {
		t.Errorf("cpu 4 = %+v", cells[1].CPUS.CPUs[0])
	}
}

func TestUUIDSources(t *testing.T) {
	root := fakeRoot(t)
	if u := NewAt(root, UUIDConfig{Source: "machine-id"}).UUID(); u != "01234567-89ab-cdef-0123-456789abcdef" {
		t.Errorf("machine-id source: %s", u)
	}
	if u := NewAt(root, UUIDConfig{UUID: "00112233445566778899AABBCCDDEEFF"}).UUID(); u != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Errorf("configured: %s", u)
	}
	os.WriteFile(filepath.Join(root, "sys/class/dmi/id/product_uuid"), []byte("00000000-0000-0000-0000-000000000000"), 0o644)
	if u := NewAt(root, UUIDConfig{}).UUID(); u != "01234567-89ab-cdef-0123-456789abcdef" {
		t.Errorf("placeholder SMBIOS UUID not skipped: %s", u)
	}
	if err := ValidateUUIDConfig(UUIDConfig{Source: "bios"}); err == nil || err.Error() != "invalid UUID source: bios" {
		t.Errorf("bad source: %v", err)
	}
}

func TestSysinfo(t *testing.T) {
	x, err := NewAt(fakeRoot(t), UUIDConfig{}).Sysinfo()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<sysinfo type='smbios'>",
		"<entry name='vendor'>SeaBIOS</entry>",
		"<entry name='manufacturer'>QEMU &amp; Co &lt;x&gt;</entry>",
		"<entry name='uuid'>0B7A5E49-1C2D-4E3F-8A9B-0C1D2E3F4A5B</entry>",
		"<entry name='signature'>Family 6, Model 85, Stepping 7</entry>",
	} {
		if !strings.Contains(x, want) {
			t.Errorf("sysinfo lacks %s:\n%s", want, x)
		}
	}
	if strings.Count(x, "<processor>") != 2 {
		t.Errorf("want one processor per socket:\n%s", x)
	}
}

func TestCPUList(t *testing.T) {
	got := cpuList("0-2,5,7-8,x,9-3")
	want := []int{0, 1, 2, 5, 7, 8}
	if len(got) != len(want) {
		t.Fatalf("cpuList = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cpuList = %v", got)
		}
	}
}
