package qemu

import (
	"os"
	"path/filepath"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
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

// BenchmarkDefineXML is virt-install's define as the daemon serves it: parse,
// complete, check that the command line builds, write the config atomically, and the
// undefine that keeps the next iteration a new domain.
func BenchmarkDefineXML(b *testing.B) {
	d := testDriver(&testing.T{})
	d.env = &driver.Env{Events: rpc.NewHub()}
	dir := b.TempDir()
	d.dirs = dirs{config: dir, autostart: filepath.Join(dir, "autostart"), run: dir, log: dir, nvram: dir}
	data, err := os.ReadFile("testdata/virtinst/import-generic.xml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ret, err := d.DomainDefineXML(b.Context(), libvirt.DomainDefineXMLArgs{XML: string(data)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.DomainUndefineFlags(b.Context(), libvirt.DomainUndefineFlagsArgs{Dom: ret.Dom}); err != nil {
			b.Fatal(err)
		}
	}
}
