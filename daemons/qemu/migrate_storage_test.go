package qemu

import (
	"encoding/xml"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

// TestCookieNBD reads the <nbd> element as libvirt 9.0's
// qemuMigrationCookieNBDXMLFormat writes it, and writes it back in that shape.
func TestCookieNBD(t *testing.T) {
	in := `<qemu-migration>
  <name>g</name>
  <uuid>5a1d0c77-5c4b-4d39-9d1e-2b7f3c1a0e01</uuid>
  <hostname>src</hostname>
  <hostuuid>8f1c2a3e-0000-4000-8000-000000000001</hostuuid>
  <nbd port='49153'>
    <disk target='vda' capacity='17179869184'/>
    <disk target='vdb' capacity='1048576'/>
  </nbd>
</qemu-migration>`
	var c migrationCookie
	if err := xml.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	if c.NBD == nil || c.NBD.Port != 49153 || len(c.NBD.Disks) != 2 || c.NBD.Disks[0] != (cookieNBDDisk{"vda", 17179869184}) {
		t.Fatalf("parsed <nbd>: %+v", c.NBD)
	}
	out, err := xml.Marshal(cookieNBD{Port: 49154})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); !strings.Contains(got, `port="49154"`) || strings.Contains(got, "<disk") {
		t.Errorf("destination's <nbd>: %s", got)
	}
	out, _ = xml.Marshal(migrationCookie{Name: "g"})
	if strings.Contains(string(out), "<nbd") {
		t.Errorf("a cookie without a storage copy has <nbd>: %s", out)
	}
}

// TestCopiesDisk follows qemuMigrationAnyCopyDisk: without a list every disk with
// a source that is neither shareable nor read-only; with one, the disks it names.
func TestCopiesDisk(t *testing.T) {
	file := func(dev, path string) libvirtxml.DomainDisk {
		return libvirtxml.DomainDisk{Device: "disk", Target: &libvirtxml.DomainDiskTarget{Dev: dev},
			Source: &libvirtxml.DomainDiskSource{File: &libvirtxml.DomainDiskSourceFile{File: path}}}
	}
	plain := file("vda", "/i/a.qcow2")
	shared := file("vdb", "/i/b.raw")
	shared.Shareable = &libvirtxml.DomainDiskShareable{}
	cdrom := file("hdc", "/i/c.iso")
	cdrom.Device, cdrom.ReadOnly = "cdrom", &libvirtxml.DomainDiskReadOnly{}
	empty := libvirtxml.DomainDisk{Device: "cdrom", Target: &libvirtxml.DomainDiskTarget{Dev: "hdd"}}
	def := &libvirtxml.Domain{Devices: &libvirtxml.DomainDeviceList{Disks: []libvirtxml.DomainDisk{plain, shared, cdrom, empty}}}
	targets := func(list []string) string {
		disks, err := copiedDisks(def, list)
		if err != nil {
			return "error: " + err.Error()
		}
		var out []string
		for _, d := range disks {
			out = append(out, d.Target.Dev)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		list []string
		want string
	}{
		{nil, "vda"},
		{[]string{"vdb"}, "vdb"},
		{[]string{"vda", "hdc"}, "vda,hdc"},
		{[]string{"vdz"}, "error: invalid argument: disk target vdz not found"},
	} {
		if got := targets(c.list); got != c.want {
			t.Errorf("copied disks for %v = %q, want %q", c.list, got, c.want)
		}
	}
}

// TestNoBacking: the empty <backingStore/> libvirt 9.0 writes into a running disk's
// migratable XML passes checkDisk; a real backing chain is still refused.
func TestNoBacking(t *testing.T) {
	for _, c := range []struct {
		xml string
		ok  bool
	}{
		{`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/s.qcow2'/><backingStore/><target dev='hda' bus='ide'/></disk>`, true},
		{`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/s.qcow2'/><target dev='hda' bus='ide'/></disk>`, true},
		{`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/s.qcow2'/><backingStore type='file'><format type='raw'/><source file='/i/base.raw'/></backingStore><target dev='hda' bus='ide'/></disk>`, false},
	} {
		var d libvirtxml.DomainDisk
		if err := d.Unmarshal(c.xml); err != nil {
			t.Fatal(err)
		}
		if err := checkDisk(&d); (err == nil) != c.ok {
			t.Errorf("checkDisk(%s) = %v, want ok=%v", c.xml, err, c.ok)
		}
	}
}
