package xmlstyle

import "testing"

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
