package qemu

import (
	"context"

	"libvirt.org/go/libvirtxml"
)

// HypervisorVersion is the default emulator's version (virsh version: "Running
// hypervisor: QEMU 7.2.22").
func (d *Driver) HypervisorVersion(ctx context.Context) (uint64, error) {
	em, err := d.emulators.get(ctx, defaultEmulator)
	if err != nil {
		return 0, err
	}
	return em.version, nil
}

// AddCapabilities adds the guests the default emulator can run: hvm guests for x86_64
// and i686, under TCG always and under KVM where it is usable.
func (d *Driver) AddCapabilities(ctx context.Context, caps *libvirtxml.Caps) error {
	em, err := d.emulators.get(ctx, defaultEmulator)
	if err != nil {
		return err
	}
	var machines []libvirtxml.CapsGuestMachine
	for _, m := range em.machines {
		dep := ""
		if m.deprecated {
			dep = "yes"
		}
		machines = append(machines, libvirtxml.CapsGuestMachine{Name: m.name, MaxCPUs: m.maxCPUs, Deprecated: dep})
		if m.alias != "" {
			machines = append(machines, libvirtxml.CapsGuestMachine{Name: m.alias, Canonical: m.name, MaxCPUs: m.maxCPUs})
		}
	}
	domains := []libvirtxml.CapsGuestDomain{{Type: "qemu"}}
	if d.kvm {
		domains = append(domains, libvirtxml.CapsGuestDomain{Type: "kvm"})
	}
	for _, arch := range []struct{ name, word string }{{"i686", "32"}, {"x86_64", "64"}} {
		f := &libvirtxml.CapsGuestFeatures{
			ACPI:         &libvirtxml.CapsGuestFeatureACPI{Default: "on", Toggle: "yes"},
			APIC:         &libvirtxml.CapsGuestFeatureAPIC{Default: "on", Toggle: "no"},
			CPUSelection: &libvirtxml.CapsGuestFeatureCPUSelection{},
			DeviceBoot:   &libvirtxml.CapsGuestFeatureDeviceBoot{},
			DiskSnapshot: &libvirtxml.CapsGuestFeatureDiskSnapshot{Default: "on", Toggle: "no"},
		}
		if arch.name == "i686" {
			f.PAE = &libvirtxml.CapsGuestFeaturePAE{}
			f.NonPAE = &libvirtxml.CapsGuestFeatureNonPAE{}
		}
		caps.Guests = append(caps.Guests, libvirtxml.CapsGuest{
			OSType: "hvm",
			Arch: libvirtxml.CapsGuestArch{Name: arch.name, WordSize: arch.word, Emulator: em.path,
				Machines: machines, Domains: domains},
			Features: f,
		})
	}
	return nil
}
