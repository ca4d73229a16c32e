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
	}
	if checked < 10 {
		t.Fatalf("only %d domain documents", checked)
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
