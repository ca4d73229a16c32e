package qemu

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

func TestCanonicalMachine(t *testing.T) {
	em := &emulator{path: "/q", machines: []machine{
		{name: "pc-i440fx-7.2", alias: "pc", isDefault: true}, {name: "microvm"},
		{name: "pc-i440fx-1.4", deprecated: true}, {name: "pc-q35-7.2", alias: "q35"},
	}}
	for in, want := range map[string]string{"": "pc-i440fx-7.2", "pc": "pc-i440fx-7.2", "q35": "pc-q35-7.2",
		"pc-q35-7.2": "pc-q35-7.2", "microvm": "microvm", "pc-i440fx-1.4": "pc-i440fx-1.4"} {
		got, err := em.canonicalMachine(in)
		if err != nil || got != want {
			t.Errorf("canonicalMachine(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := em.canonicalMachine("virt"); err == nil {
		t.Error("unknown machine type accepted")
	}
}

// TestCapabilitiesMachines: the x86_64 machine list of the host capabilities is the
// one libvirt 9.0 reports for the same QEMU (testdata/libvirt/capabilities-machines.txt,
// recorded by record.sh), in the same order: virt-install takes the first.
func TestCapabilitiesMachines(t *testing.T) {
	d := &Driver{}
	caps := &libvirtxml.Caps{}
	if err := d.AddCapabilities(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range caps.Guests {
		if g.Arch.Name != "x86_64" {
			continue
		}
		for _, m := range g.Arch.Machines {
			got = append(got, machineLine(m.Name, m.Canonical, m.MaxCPUs, m.Deprecated))
		}
	}
	data, err := os.ReadFile("testdata/libvirt/capabilities-machines.txt")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`<machine(?: canonical='([^']*)')? maxCpus='(\d+)'(?: deprecated='(yes)')?>([^<]*)</machine>`)
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("cannot read golden line %q", line)
		}
		n, _ := strconv.Atoi(m[2])
		want = append(want, machineLine(m[4], m[1], n, m[3]))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("machines differ from libvirt's:\n--- got\n%s\n--- libvirt\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func machineLine(name, canonical string, maxCPUs int, deprecated string) string {
	return fmt.Sprintf("%s canonical=%s max=%d deprecated=%s", name, canonical, maxCPUs, deprecated)
}

func TestKVMUsable(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "kvm")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cpu := func(flags string) string {
		p := filepath.Join(dir, "cpuinfo-"+flags)
		os.WriteFile(p, []byte("processor\t: 0\nflags\t\t: fpu "+flags+" sse\n"), 0o644)
		return p
	}
	if ok, why := kvmUsable(dev, cpu("vmx")); !ok {
		t.Errorf("vmx host: not usable: %s", why)
	}
	if ok, why := kvmUsable(dev, cpu("svm")); !ok {
		t.Errorf("svm host: not usable: %s", why)
	}
	// Software-nested KVM: /dev/kvm opens, but the CPU has no virtualization flag.
	if ok, _ := kvmUsable(dev, cpu("hypervisor")); ok {
		t.Error("host without vmx/svm counted as KVM-capable")
	}
	if ok, why := kvmUsable(filepath.Join(dir, "absent"), cpu("vmx")); ok || why == "" {
		t.Errorf("missing /dev/kvm: usable=%v (%s)", ok, why)
	}
}

func TestProbeEmulator(t *testing.T) {
	em, err := probeEmulator(t.Context(), defaultEmulator)
	if err != nil {
		t.Fatalf("probing the installed QEMU: %v", err)
	}
	if em.version < 2000000 {
		t.Errorf("version %d", em.version)
	}
	if m, err := em.canonicalMachine("pc"); err != nil || m == "pc" {
		t.Errorf("pc resolves to %q, %v", m, err)
	}
	if _, err := probeEmulator(t.Context(), "/nonexistent/qemu"); err == nil {
		t.Error("probing a missing binary succeeded")
	}
}

// TestEmulatorCache: a probe is kept on disk and used again while the binary is the
// same; a changed binary is probed anew.
func TestEmulatorCache(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "qemu")
	os.WriteFile(bin, []byte("v1"), 0o755)
	e := &emulators{cacheDir: filepath.Join(dir, "cache")}
	em := &emulator{path: bin, version: 7002022, machines: []machine{{name: "pc-i440fx-7.2", alias: "pc", isDefault: true, maxCPUs: 255}},
		cpus: []cpuDef{{name: "qemu64", usable: true}}, devices: map[string]bool{"qxl-vga": true}, spice: true}
	e.save(em)
	got := e.load(bin)
	if got == nil || got.version != em.version || len(got.machines) != 1 || got.machines[0] != em.machines[0] ||
		len(got.cpus) != 1 || !got.devices["qxl-vga"] || !got.spice {
		t.Fatalf("load after save: %+v", got)
	}
	os.WriteFile(bin, []byte("version 2"), 0o755)
	if got := e.load(bin); got != nil {
		t.Errorf("stale cache used for a changed binary: %+v", got)
	}
}
