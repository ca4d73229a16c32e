package xmlstyle

import (
	"bytes"
	"testing"

	"libvirt.org/go/libvirtxml"
)

func TestFormat(t *testing.T) {
	in := `<?xml version="1.0"?><domain type="kvm" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"><!-- c --><name>a&lt;b's</name>` +
		`<devices><disk type="file"><source file="/x y"></source></disk><interface/></devices><qemu:commandline><qemu:arg value="-S"/></qemu:commandline></domain>`
	want := `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>a&lt;b&apos;s</name>
  <devices>
    <disk type='file'>
      <source file='/x y'/>
    </disk>
    <interface/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-S'/>
  </qemu:commandline>
</domain>
`
	got, err := Format(in)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFormatRejectsBrokenXML(t *testing.T) {
	for _, in := range []string{"", "<a>", "<a></b>", "<a/><b/>", "</a>", "<a x='1' x='2'"} {
		if out, err := Format(in); err == nil {
			t.Errorf("Format(%q) = %q, want an error", in, out)
		}
	}
}

func FuzzFormat(f *testing.F) {
	f.Add("<a b='c'><d>e</d></a>")
	f.Fuzz(func(t *testing.T, in string) {
		out, err := Format(in)
		if err != nil {
			return
		}
		again, err := Format(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, out, again, err)
		}
	})
}

// FuzzScanAgreesWithFormat: where the fast scanner takes a document, it reads it as
// Format's full parser does, so Marshal's output is the same either way.
func FuzzScanAgreesWithFormat(f *testing.F) {
	for _, s := range []string{
		`<domain type="qemu"><name>vm&amp;1</name><devices><disk type="file" device="disk"><source file="/a&#34;b"></source></disk></devices></domain>`,
		`<a x="&#39;&lt;&gt;"><b></b>text &#xA; more<c/></a>`,
		`<metadata><app:x xmlns:app="urn:x">v</app:x></metadata>`,
		`<a><!-- c --></a>`,
		`<a b='c'/>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		root, ok := scan(in)
		if !ok {
			return
		}
		var b bytes.Buffer
		write(&b, root, 0)
		want, err := Format(in)
		if err != nil {
			t.Fatalf("scan took %q, which Format refuses: %v", in, err)
		}
		if b.String() != want {
			t.Fatalf("%q: scan gives\n%s\nFormat gives\n%s", in, b.String(), want)
		}
	})
}

func BenchmarkMarshalDomain(b *testing.B) {
	var d libvirtxml.Domain
	if err := d.Unmarshal(`<domain type='qemu'><name>bench</name><uuid>0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0</uuid><memory unit='KiB'>32768</memory><vcpu placement='static'>1</vcpu><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type><boot dev='hd'/></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator><controller type='usb' index='0' model='none'/><input type='mouse' bus='ps2'/><memballoon model='none'/></devices></domain>`); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := Marshal(&d); err != nil {
			b.Fatal(err)
		}
	}
}
