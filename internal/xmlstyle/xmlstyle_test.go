package xmlstyle

import (
	"testing"
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

// FuzzPlainAgrees: wherever the one-pass writer takes a document, its output is
// what the general path makes of it.
func FuzzPlainAgrees(f *testing.F) {
	for _, s := range []string{
		`<domain type="kvm"><name>a&lt;b&#39;s</name><devices><disk type="file"><source file="/x y"></source></disk></devices></domain>`,
		`<a x='1' y="&#34;q&#34;"><b>text &amp; more</b><c/></a>`,
		`<qemu:commandline xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"><qemu:arg value="-S"/></qemu:commandline>`,
		"<a>\n  <b>x</b>\n</a>\n", `<a>&#xA;</a>`, `<a b="1"/><c/>`, `<a></b>`, `<a x=1/>`,
		"<!-- stored -->\n<a><b/></a>", "<!-- a -- b --><a/>", "<!-- a ---><a/>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := formatPlain(in)
		if !ok {
			return
		}
		want, err := formatTokens(in)
		if err != nil {
			t.Fatalf("fast path accepted %q, general path refuses it: %v", in, err)
		}
		if got != want {
			t.Fatalf("%q:\nfast:\n%s\ngeneral:\n%s", in, got, want)
		}
	})
}

// TestSimpleTakesMarshalled: what encoding/xml writes (the TestFormat document as
// libvirtxml would marshal it) takes the fast path.
func TestSimpleTakesMarshalled(t *testing.T) {
	in := "<domain type=\"kvm\" xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\">\n  <name>a&lt;b&#39;s</name>\n" +
		"  <devices>\n    <disk type=\"file\">\n      <source file=\"/x y\"></source>\n    </disk>\n    <interface></interface>\n  </devices>\n" +
		"  <qemu:commandline>\n    <qemu:arg value=\"-S\"></qemu:arg>\n  </qemu:commandline>\n</domain>"
	if _, ok := formatPlain(in); !ok {
		t.Fatal("a marshalled document took the general path")
	}
}

// TestLeafTextVerbatim: the text of an element without children is written back as it
// came, spaces and newlines included, as libvirt writes a name or a description; the
// whitespace between elements goes. Both parsers agree.
func TestLeafTextVerbatim(t *testing.T) {
	in := "<domain>\n  <name> </name>\n  <description>  two\nlines </description>\n  <title></title>\n</domain>"
	want := "<domain>\n  <name> </name>\n  <description>  two\nlines </description>\n  <title/>\n</domain>\n"
	if _, ok := formatPlain(in); !ok {
		t.Fatal("the fast path refuses a plain document")
	}
	for name, format := range map[string]func(string) (string, error){"Format": Format, "formatTokens": formatTokens} {
		got, err := format(in)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: got\n%q\nwant\n%q", name, got, want)
		}
	}
}

// TestLibvirtAttributeRules: what libvirt writes differently from libvirtxml's
// fields, the same through the plain writer and the token path (a namespace takes a
// document there): attribute orders, a PCI controller's port in hex, and the root's
// <metadata> as libxml2 dumps it (double quotes, text quotes unescaped).
func TestLibvirtAttributeRules(t *testing.T) {
	body := `<metadata><app:i xmlns:app="urn:x" a="it's" b="say &quot;hi&quot;">"q" &amp; 'q'</app:i></metadata>` +
		`<cpu match="exact" mode="custom" check="none"><model fallback="forbid">qemu64</model></cpu>` +
		`<devices><controller ports="15" type="usb" index="0" model="qemu-xhci"/>` +
		`<controller type="pci" index="1" model="pcie-root-port"><target chassis="1" port="16"/></controller>` +
		`<redirdev type="spicevmc" bus="usb"/><video><model type="qxl" heads="1" ram="65536" vram="65536" vgamem="16384" primary="yes"/></video></devices>`
	want := `<domain type='kvm'>
  <metadata>
    <app:i xmlns:app="urn:x" a="it's" b="say &quot;hi&quot;">"q" &amp; 'q'</app:i>
  </metadata>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <devices>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <target chassis='1' port='0x10'/>
    </controller>
    <redirdev bus='usb' type='spicevmc'/>
    <video>
      <model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/>
    </video>
  </devices>
</domain>
`
	plain := `<domain type="kvm">` + body + `</domain>`
	if got, ok := formatPlain(plain); !ok || got != want {
		t.Errorf("formatPlain: %v\n%s\nwant\n%s", ok, got, want)
	}
	// A comment between elements is outside the plain subset.
	tokens := `<domain type="kvm"><!-- c -->` + body + `</domain>`
	if got, err := formatTokens(tokens); err != nil || got != want {
		t.Errorf("formatTokens: %v\n%s\nwant\n%s", err, got, want)
	}
}
