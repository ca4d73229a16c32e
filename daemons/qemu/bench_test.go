package qemu

import (
	"os"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
)

// BenchmarkDefineParse is the work of a define of virt-install's default guest
// before the file is written: parse, complete, check, format.
func BenchmarkDefineParse(b *testing.B) {
	d := testDriver(&testing.T{})
	data, err := os.ReadFile("testdata/virtinst/import-generic.xml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		def, _, err := d.parseDefinition(b.Context(), string(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := formatDefinition(def); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDomainCapabilities answers virConnectGetDomainCapabilities from the probe.
func BenchmarkDomainCapabilities(b *testing.B) {
	d := testDriver(&testing.T{})
	args := libvirt.ConnectGetDomainCapabilitiesArgs{Machine: libvirt.OptString{"q35"}, Virttype: libvirt.OptString{"qemu"}}
	for b.Loop() {
		if _, err := d.ConnectGetDomainCapabilities(b.Context(), args); err != nil {
			b.Fatal(err)
		}
	}
}
