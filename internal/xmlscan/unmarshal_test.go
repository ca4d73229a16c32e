package xmlscan

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

// TestDecodeAgrees: every domain document of the tests, libvirt's and virt-install's
// among them, and the hand-written ones of every device and address kind
// (internal/xmlstyle/testdata/encode), decodes as xml.Unmarshal decodes it, and
// those of virt-install and the device one take the plan-driven decoder.
func TestDecodeAgrees(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"../xmlstyle/testdata/encode/*.xml", "../../daemons/*/testdata/*/*.xml"} {
		p, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p...)
	}
	checked := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var std libvirtxml.Domain
		if !strings.Contains(string(data), "<domain") || xml.Unmarshal(data, &std) != nil {
			continue
		}
		checked++
		var fast libvirtxml.Domain
		took := decodePlain(string(data), &fast)
		if took && !reflect.DeepEqual(fast, std) {
			t.Errorf("%s: decoded differently", path)
		}
		if want := strings.Contains(path, "virtinst") || strings.HasSuffix(path, "devices.xml"); want && !took {
			t.Errorf("%s: left to encoding/xml", path)
		}
		var via libvirtxml.Domain
		if err := Unmarshal(string(data), &via); err != nil || !reflect.DeepEqual(via, std) {
			t.Errorf("%s: Unmarshal differs (%v)", path, err)
		}
		// As the daemons store it: behind libvirt's warning comment.
		var stored libvirtxml.Domain
		if decodePlain(storedHeader+string(data), &stored) != took || took && !reflect.DeepEqual(stored, std) {
			t.Errorf("%s: behind the stored definition's comment, not decoded alike", path)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d domain documents", checked)
	}
}

// storedHeader is the comment libvirt (and virtunit) write at the head of a stored
// definition.
const storedHeader = `<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh edit x
or other application using the libvirt API.
-->

`

// TestLeadingComment: a comment before the root is skipped as encoding/xml skips it;
// one that encoding/xml refuses ("--" inside, "--->") is not plain, so Unmarshal
// returns encoding/xml's error.
func TestLeadingComment(t *testing.T) {
	for _, in := range []string{
		"<!-- a -->\n<domain><name>x</name></domain>",
		"<!---->\n<!-- two -->\n<domain><name>x</name></domain>",
		"<!-- a -- b -->\n<domain><name>x</name></domain>",
		"<!-- a --->\n<domain><name>x</name></domain>",
		"<!-- unterminated <domain><name>x</name></domain>",
		"<domain><!-- inside --><name>x</name></domain>",
	} {
		var fast, std libvirtxml.Domain
		ferr := Unmarshal(in, &fast)
		serr := xml.Unmarshal([]byte(in), &std)
		if (ferr == nil) != (serr == nil) || ferr == nil && !reflect.DeepEqual(fast, std) {
			t.Errorf("%q: Unmarshal %v, xml.Unmarshal %v", in, ferr, serr)
		}
		var d libvirtxml.Domain
		if decodePlain(in, &d) != (serr == nil && !strings.Contains(in, "inside")) {
			t.Errorf("%q: plain decoder took it: %v", in, !strings.Contains(in, "inside") && serr == nil)
		}
	}
}

// FuzzDecodeAgrees: wherever the plan-driven decoder takes a document, xml.Unmarshal
// takes it too and decodes the same domain. The seeds are the device documents, so
// the fuzzer mutates inside the hooks.
func FuzzDecodeAgrees(f *testing.F) {
	paths, _ := filepath.Glob("../xmlstyle/testdata/encode/*.xml")
	more, _ := filepath.Glob("../../daemons/qemu/testdata/virtinst/*.xml")
	for _, p := range append(paths, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Add("<!-- c -->\n<domain><name>x</name></domain>")
	f.Fuzz(func(t *testing.T, in string) {
		var fast libvirtxml.Domain
		if !decodePlain(in, &fast) {
			return
		}
		var std libvirtxml.Domain
		if err := xml.Unmarshal([]byte(in), &std); err != nil {
			t.Fatalf("the decoder took a document xml.Unmarshal refuses: %v", err)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("decoded differently")
		}
	})
}
