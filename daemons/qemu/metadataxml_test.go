package qemu

import (
	"strings"
	"testing"
)

// TestMetadataElement: virsh metadata --set and its read-back as libvirt 9.0 does
// them (the stored form is what its dumpxml shows, the read-back what virsh
// metadata prints).
func TestMetadataElement(t *testing.T) {
	const uri = "http://example.org/"
	cases := []struct{ in, stored, back string }{
		{`<foo>bar</foo>`, `<ex:foo xmlns:ex="http://example.org/">bar</ex:foo>`, `<foo>bar</foo>`},
		{`<foo a='1' b="it's"><bar>x</bar><baz/><p:q xmlns:p="urn:p" p:r="1">t &amp; u</p:q></foo>`,
			"<ex:foo xmlns:ex=\"http://example.org/\" a=\"1\" b=\"it's\">\n  <ex:bar>x</ex:bar>\n  <ex:baz/>\n  <p:q xmlns:p=\"urn:p\" p:r=\"1\">t &amp; u</p:q>\n</ex:foo>",
			"<foo a=\"1\" b=\"it's\">\n  <bar>x</bar>\n  <baz/>\n  <p:q xmlns:p=\"urn:p\" p:r=\"1\">t &amp; u</p:q>\n</foo>"},
		{`<a>text<b/>more</a>`, `<ex:a xmlns:ex="http://example.org/">text<ex:b/>more</ex:a>`, `<a>text<b/>more</a>`},
	}
	for _, c := range cases {
		root, err := parseMetaElement(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if err := injectNamespace(root, "ex", uri); err != nil {
			t.Fatal(err)
		}
		if got := root.String(); got != c.stored {
			t.Errorf("%s stored as\n%s\nwant\n%s", c.in, got, c.stored)
		}
		back, err := parseMetaElement(root.String())
		if err != nil {
			t.Fatal(err)
		}
		stripNamespace(back, uri)
		if got := back.String(); got != c.back {
			t.Errorf("%s read back as\n%s\nwant\n%s", c.in, got, c.back)
		}
	}
	for in, want := range map[string]string{
		"<a/><b/>":                 "(metadata_xml):1: Extra content at the end of the document",
		"<a>":                      "(metadata_xml):1: Premature end of data in tag a line 1",
		"":                         "(metadata_xml):1: Document is empty",
		"<a><b:c/></a>":            "(metadata_xml):1: Namespace prefix b on c is not defined",
		"<a></b>":                  "(metadata_xml):1: Opening and ending tag mismatch: a line 1 and b",
		"</a>":                     "(metadata_xml):1: StartTag: invalid element name",
		strings.Repeat("<a>", 300): "(metadata_xml):1: Excessive depth in document",
	} {
		if _, err := parseMetaElement(in); err == nil || err.Error() != want {
			t.Errorf("parse %q: %v, want %s", in, err, want)
		}
	}
	root, _ := parseMetaElement(`<ex:a xmlns:ex="urn:other"/>`)
	if err := injectNamespace(root, "ex", uri); err == nil || err.Error() != "internal error: failed to create a new XML namespace" {
		t.Errorf("a key the element declares: %v", err)
	}
	if err := injectNamespace(root, "1x", uri); err == nil || err.Error() != "internal error: failed to validate prefix for a new XML namespace" {
		t.Errorf("a key that is no name: %v", err)
	}
}

// FuzzMetadataElement: any value is refused or stored as an element that reads back.
func FuzzMetadataElement(f *testing.F) {
	f.Add(`<foo a='1'><bar>x</bar><p:q xmlns:p="urn:p">t</p:q></foo>`, "ex")
	f.Add(`<a>text<b/>more</a>`, "k")
	f.Fuzz(func(t *testing.T, in, key string) {
		root, err := parseMetaElement(in)
		if err != nil {
			return
		}
		if err := injectNamespace(root, key, "urn:x"); err != nil {
			return
		}
		stored := root.String()
		back, err := parseMetaElement(stored)
		if err != nil {
			t.Fatalf("stored %q does not parse: %v", stored, err)
		}
		stripNamespace(back, "urn:x")
		_ = back.String()
	})
}
