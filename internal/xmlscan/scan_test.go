package xmlscan

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

func TestScannerTokens(t *testing.T) {
	in := `<domain type="kvm" xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>` +
		"\n  <name>a&lt;b&#39;s</name><on/><qemu:arg value=\"-S\"/></domain>\n"
	s, err := NewScanner(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		tok, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok.Kind {
		case Start:
			line := "<" + tok.Name
			for _, a := range tok.Attr {
				line += " " + a.Name.Space + "|" + a.Name.Local + "=" + a.Value
			}
			got = append(got, line)
		case End:
			got = append(got, "/"+tok.Name)
		case Text:
			got = append(got, "text "+tok.Text)
		}
	}
	want := []string{
		"<domain |type=kvm xmlns|qemu=http://libvirt.org/schemas/domain/qemu/1.0", "text \n  ",
		"<name", "text a<b's", "/name", "<on", "/on", "<qemu:arg |value=-S", "/qemu:arg", "/domain",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tokens\n%q\nwant\n%q", got, want)
	}
}

// TestScannerRefuses: what is outside the subset, or malformed, is ErrNotPlain.
func TestScannerRefuses(t *testing.T) {
	for _, in := range []string{
		"", "<a>", "<a></b>", "<a/><b/>", "</a>", "<a x='1' x='2'/>", `<?xml version="1.0"?><a/>`,
		"<a><!-- c --></a>", "<a><![CDATA[x]]></a>", "<a>\r\n</a>", "x<a/>", "<a>&nbsp;</a>",
		"<a>x > y</a>", `<a b="x>y"/>`, "<a b=1/>", "<1a/>", "<a:b:c/>", "<a>\x00</a>", "<a>\xff</a>",
		strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1),
	} {
		s, err := NewScanner(in)
		for err == nil {
			_, err = s.Next()
		}
		if !errors.Is(err, ErrNotPlain) {
			t.Errorf("%q: %v, want ErrNotPlain", in, err)
		}
	}
}

// TestUnmarshalTakesScanner: the documents virt-install and libvirt write are read by
// the Scanner, and decode to what encoding/xml decodes them to.
func TestUnmarshalTakesScanner(t *testing.T) {
	files, err := filepath.Glob("../../daemons/qemu/testdata/virtinst/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test documents: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewScanner(string(data))
		for err == nil {
			_, err = s.Next()
		}
		if err != io.EOF {
			t.Errorf("%s: the scanner refuses it: %v", f, err)
		}
		var fast, std libvirtxml.Domain
		if err := Unmarshal(string(data), &fast); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := xml.Unmarshal(data, &std); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Errorf("%s: decoded differently", f)
		}
	}
}

// FuzzUnmarshalAgrees: Unmarshal decodes any document as xml.Unmarshal does, with the
// same error.
func FuzzUnmarshalAgrees(f *testing.F) {
	// Small seeds: the fuzzer minimizes every new input it finds, and a define-sized
	// document makes that minutes (TestUnmarshalTakesScanner decodes those).
	for _, s := range []string{
		`<domain type="kvm"><name>a&lt;b</name><memory unit="KiB">x</memory></domain>`,
		`<domain><devices><disk type="file"><source file="/x"/><target dev="vda"/></disk></devices></domain>`,
		`<domain xmlns:q="urn:x"><q:commandline><q:arg value="-S"/></q:commandline></domain>`,
		`<network><name>n</name></network>`, `<domain><uuid>1</uuid></domain><x/>`,
		`<domain><metadata><a:b xmlns:a="urn:a"><c/>text</a:b></metadata><name>x</name></domain>`,
		`<domain><metadata/><devices><metadata>x</metadata></devices></domain>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var fast, std libvirtxml.Domain
		ferr := Unmarshal(in, &fast)
		serr := xml.Unmarshal([]byte(in), &std)
		if (ferr == nil) != (serr == nil) || ferr != nil && ferr.Error() != serr.Error() {
			t.Fatalf("%q: Unmarshal says %v, xml.Unmarshal %v", in, ferr, serr)
		}
		if ferr == nil && !reflect.DeepEqual(fast, std) {
			t.Fatalf("%q: decoded differently", in)
		}
	})
}
