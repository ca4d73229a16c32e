package qemu

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseMachines(t *testing.T) {
	out := []byte(`Supported machines are:
microvm              microvm (i386)
pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)
pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)
pc-i440fx-1.4        Standard PC (i440FX + PIIX, 1996) (deprecated)
pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)
q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)
none                 empty machine
`)
	em := &emulator{path: "/q", machines: parseMachines(out)}
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
	n := 0
	for _, m := range em.machines {
		if m.name == "pc-i440fx-7.2" {
			n++
		}
	}
	if n != 1 || len(em.machines) != 4 {
		t.Errorf("pc-i440fx-7.2 listed %d times: %+v", n, em.machines)
	}
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
	em := &emulator{path: bin, version: 7002022, machines: []machine{{name: "pc-i440fx-7.2", alias: "pc", isDefault: true}}}
	e.save(em)
	got := e.load(bin)
	if got == nil || got.version != em.version || len(got.machines) != 1 || got.machines[0] != em.machines[0] {
		t.Fatalf("load after save: %+v", got)
	}
	os.WriteFile(bin, []byte("version 2"), 0o755)
	if got := e.load(bin); got != nil {
		t.Errorf("stale cache used for a changed binary: %+v", got)
	}
}
