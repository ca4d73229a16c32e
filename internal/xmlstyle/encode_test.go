package xmlstyle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

// viaEncodingXML is what Marshal wrote before encode: libvirtxml's Marshal, which is
// encoding/xml's MarshalIndent, through Format.
func viaEncodingXML(t testing.TB, doc interface{ Marshal() (string, error) }) string {
	t.Helper()
	s, err := doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := Format(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// documents are the XML files of this repository's tests, libvirt's own output
// among them (daemons/*/testdata/libvirt*), and the hand-written ones beside this
// test, which name every device kind and address type libvirtxml marshals by hand.
func documents(t *testing.T) map[string]string {
	t.Helper()
	docs := map[string]string{}
	for _, pattern := range []string{"testdata/encode/*.xml", "../../daemons/*/testdata/*/*.xml"} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			docs[p] = string(data)
		}
	}
	if len(docs) < 20 {
		t.Fatalf("found only %d documents", len(docs))
	}
	return docs
}

// parsed decodes a document into the libvirtxml type of its root element.
func parsed(text string) (interface{ Marshal() (string, error) }, bool) {
	root := text[strings.IndexByte(text, '<')+1:]
	root = root[:strings.IndexAny(root, " >/\n\t")]
	var doc interface {
		Marshal() (string, error)
		Unmarshal(string) error
	}
	switch root {
	case "domain":
		doc = &libvirtxml.Domain{}
	case "network":
		doc = &libvirtxml.Network{}
	case "pool":
		doc = &libvirtxml.StoragePool{}
	case "volume":
		doc = &libvirtxml.StorageVolume{}
	case "domainCapabilities":
		doc = &libvirtxml.DomainCaps{}
	case "capabilities":
		doc = &libvirtxml.Caps{}
	case "device":
		doc = &libvirtxml.NodeDevice{}
	case "interface":
		doc = &libvirtxml.Interface{}
	default:
		return nil, false
	}
	if err := doc.Unmarshal(text); err != nil {
		return nil, false
	}
	return doc, true
}

// TestEncodeAgrees: for every document, Marshal writes exactly what libvirtxml's
// Marshal and Format write, and the hand-written domains take the one-pass encoder
// (apart from the one with a QEMU namespace, which must fall back).
func TestEncodeAgrees(t *testing.T) {
	checked := 0
	for path, text := range documents(t) {
		doc, ok := parsed(text)
		if !ok {
			continue
		}
		checked++
		want := viaEncodingXML(t, doc)
		got, fast := encode(doc)
		switch {
		case fast && got != want:
			t.Errorf("%s: encode wrote\n%s\nencoding/xml and Format write\n%s", path, got, want)
		case strings.HasSuffix(path, "encode/devices.xml") && !fast:
			t.Errorf("%s: left to encoding/xml", path)
		case strings.HasSuffix(path, "encode/addresses.xml") && fast:
			t.Errorf("%s: a namespaced element took the one-pass encoder", path)
		}
		if out, err := Marshal(doc); err != nil || out != want {
			t.Errorf("%s: Marshal = %q, %v", path, out, err)
		}
	}
	if checked < 15 {
		t.Fatalf("only %d documents decoded", checked)
	}
}

// TestEncodeAddresses: without the namespaced part, the document of every address
// type takes the one-pass encoder and agrees.
func TestEncodeAddresses(t *testing.T) {
	data, err := os.ReadFile("testdata/encode/addresses.xml")
	if err != nil {
		t.Fatal(err)
	}
	var dom libvirtxml.Domain
	if err := dom.Unmarshal(string(data)); err != nil {
		t.Fatal(err)
	}
	dom.QEMUCommandline = nil
	got, ok := encode(&dom)
	if !ok {
		t.Fatal("left to encoding/xml")
	}
	if want := viaEncodingXML(t, &dom); got != want {
		t.Errorf("encode wrote\n%s\nencoding/xml and Format write\n%s", got, want)
	}
}

// TestEncodeFallsBack: the characters encoding/xml rewrites, and mixed content, are
// left to it; the result is still what it writes.
func TestEncodeFallsBack(t *testing.T) {
	for _, desc := range []string{"carriage\rreturn", "bell\x07", "bad \xff byte", "\ufffd", "ok"} {
		dom := &libvirtxml.Domain{Type: "qemu", Name: "d", Description: desc}
		_, fast := encode(dom)
		if fast != (desc == "ok") {
			t.Errorf("%q: one-pass encoder %v", desc, fast)
		}
		want, err := dom.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if want, err = Format(want); err != nil {
			t.Fatal(err)
		}
		if got, err := Marshal(dom); err != nil || got != want {
			t.Errorf("%q: Marshal = %q, %v; want %q", desc, got, err, want)
		}
	}
	mixed := &libvirtxml.Domain{Type: "qemu", Name: "d", Metadata: &libvirtxml.DomainMetadata{XML: "<a>x<b/>y</a>"}}
	if _, fast := encode(mixed); fast {
		t.Error("mixed content took the one-pass encoder")
	}
	if got, want := mustMarshal(t, mixed), viaEncodingXML(t, mixed); got != want {
		t.Errorf("mixed content: Marshal = %q, want %q", got, want)
	}
}

func mustMarshal(t *testing.T, doc interface{ Marshal() (string, error) }) string {
	t.Helper()
	out, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzEncodeAgrees: whatever domain a document decodes to, the one-pass encoder,
// where it takes it, writes what encoding/xml and Format write.
func FuzzEncodeAgrees(f *testing.F) {
	paths, _ := filepath.Glob("testdata/encode/*.xml")
	more, _ := filepath.Glob("../../daemons/qemu/testdata/*/*.xml")
	for _, p := range append(paths, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		var dom libvirtxml.Domain
		if dom.Unmarshal(in) != nil {
			return
		}
		got, fast := encode(&dom)
		if !fast {
			return
		}
		s, err := dom.Marshal()
		if err != nil {
			t.Fatalf("encode took a domain encoding/xml refuses: %v", err)
		}
		want, err := Format(s)
		if err != nil {
			t.Fatalf("encode took a domain Format refuses: %v", err)
		}
		if got != want {
			t.Fatalf("encode wrote\n%s\nencoding/xml and Format write\n%s", got, want)
		}
	})
}

// BenchmarkMarshalDomain: a domain of every device kind, through encode and through
// libvirtxml's Marshal and Format, the path it replaces.
func BenchmarkMarshalDomain(b *testing.B) {
	data, err := os.ReadFile("testdata/encode/devices.xml")
	if err != nil {
		b.Fatal(err)
	}
	var dom libvirtxml.Domain
	if err := dom.Unmarshal(string(data)); err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, ok := encode(&dom); !ok {
				b.Fatal("left to encoding/xml")
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		for b.Loop() {
			viaEncodingXML(b, &dom)
		}
	})
}
