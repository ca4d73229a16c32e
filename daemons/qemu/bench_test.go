package qemu

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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

// BenchmarkLoadConfigs is the start-up read of 1000 persistent definitions (each
// file's head only); BenchmarkDecodeConfigs the full decode each of them would cost,
// which start-up did before definitions were decoded on first use.
func BenchmarkLoadConfigs(b *testing.B) {
	d := &Driver{log: slog.New(slog.DiscardHandler)}
	d.dirs.config, d.dirs.autostart = writeDefinitions(b, 1000), b.TempDir()
	for b.Loop() {
		d.doms = newRegistry()
		d.loadConfigs()
	}
}

func BenchmarkDecodeConfigs(b *testing.B) {
	dir := writeDefinitions(b, 1000)
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	for b.Loop() {
		for _, f := range files {
			text, err := readSmall(f)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := (&storedDef{path: f, text: text}).decode(strings.TrimSuffix(filepath.Base(f), ".xml"), mustUUID(headUUID(b, text))); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// writeDefinitions writes n copies of virt-install's guest under names and UUIDs of
// their own, as saveConfig would.
func writeDefinitions(b *testing.B, n int) string {
	data, err := os.ReadFile("testdata/virtinst/import-generic.defined")
	if err != nil {
		b.Fatal(err)
	}
	def, err := decodeDomain(string(data))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for i := range n {
		name := fmt.Sprintf("def-%04d", i)
		text := strings.Replace(strings.Replace(string(data), "<name>"+def.Name+"<", "<name>"+name+"<", 1),
			def.UUID, fmt.Sprintf("%s%04d", def.UUID[:len(def.UUID)-4], i), 1)
		if err := os.WriteFile(filepath.Join(dir, name+".xml"), []byte(fmt.Sprintf(configHeader, name)+text), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

func headUUID(b *testing.B, text string) string {
	_, u, err := scanHead(text)
	if err != nil {
		b.Fatal(err)
	}
	return u
}
