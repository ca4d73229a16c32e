package spec

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The introspection data model, as both our output and libvirt-dbus's files parse.
type xmlNode struct {
	Interfaces []xmlInterface `xml:"interface"`
	Nodes      []struct {
		Name string `xml:"name,attr"`
	} `xml:"node"`
}

type xmlInterface struct {
	Name        string          `xml:"name,attr"`
	Annotations []xmlAnnotation `xml:"annotation"`
	Methods     []xmlMember     `xml:"method"`
	Signals     []xmlMember     `xml:"signal"`
	Properties  []xmlProperty   `xml:"property"`
}

type xmlMember struct {
	Name        string          `xml:"name,attr"`
	Annotations []xmlAnnotation `xml:"annotation"`
	Args        []struct {
		Name      string `xml:"name,attr"`
		Type      string `xml:"type,attr"`
		Direction string `xml:"direction,attr"`
	} `xml:"arg"`
}

type xmlProperty struct {
	Name        string          `xml:"name,attr"`
	Type        string          `xml:"type,attr"`
	Access      string          `xml:"access,attr"`
	Annotations []xmlAnnotation `xml:"annotation"`
}

type xmlAnnotation struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// debianInterfaces fetches Debian's libvirt-dbus package, the reference for the
// tables, and returns the directory of its interface files.
func debianInterfaces(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Fatalf("apt-get is not installed: this test compares the tables with Debian's libvirt-dbus package")
	}
	dir := t.TempDir()
	cmd := exec.Command("apt-get", "download", "libvirt-dbus")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apt-get download libvirt-dbus failed (the test needs Debian's package as the reference; run apt-get update?): %v\n%s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dir, "libvirt-dbus_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("apt-get download libvirt-dbus left %v", debs)
	}
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], filepath.Join(dir, "root")).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x %s: %v\n%s", debs[0], err, out)
	}
	return filepath.Join(dir, "root", "usr", "share", "dbus-1", "interfaces")
}

// TestTablesMatchLibvirtDBus: every interface, member, argument, access mode and
// annotation in libvirt-dbus 1.4.1's files, in their order, and nothing else, is what
// the generated introspection declares.
func TestTablesMatchLibvirtDBus(t *testing.T) {
	dir := debianInterfaces(t)
	files, _ := filepath.Glob(filepath.Join(dir, "org.libvirt.*.xml"))
	if len(files) != len(Libvirt) {
		t.Errorf("Debian has %d interface files, the tables %d interfaces", len(files), len(Libvirt))
	}
	for _, iface := range Libvirt {
		b, err := os.ReadFile(filepath.Join(dir, iface.Name+".xml"))
		if err != nil {
			t.Errorf("%s: %v", iface.Name, err)
			continue
		}
		want := parse(t, iface.Name+".xml", string(b))
		got := parse(t, "generated", Introspect([]*Interface{iface}, nil))
		if len(want.Interfaces) != 1 || len(got.Interfaces) != 1 {
			t.Fatalf("%s: %d interfaces in Debian's file, %d generated", iface.Name, len(want.Interfaces), len(got.Interfaces))
		}
		compare(t, want.Interfaces[0], got.Interfaces[0])
	}
}

func parse(t *testing.T, name, doc string) xmlNode {
	t.Helper()
	var n xmlNode
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = false // the DOCTYPE
	if err := d.Decode(&n); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	normalize := func(as []xmlAnnotation) {
		for i := range as {
			as[i].Value = strings.Join(strings.Fields(as[i].Value), " ")
		}
	}
	for i := range n.Interfaces {
		it := &n.Interfaces[i]
		normalize(it.Annotations)
		for j := range it.Methods {
			normalize(it.Methods[j].Annotations)
			for k := range it.Methods[j].Args {
				if it.Methods[j].Args[k].Direction == "" {
					it.Methods[j].Args[k].Direction = "in"
				}
			}
		}
		for j := range it.Signals {
			normalize(it.Signals[j].Annotations)
		}
		for j := range it.Properties {
			normalize(it.Properties[j].Annotations)
		}
	}
	return n
}

func compare(t *testing.T, want, got xmlInterface) {
	t.Helper()
	if !reflect.DeepEqual(want.Annotations, got.Annotations) {
		t.Errorf("%s annotations: Debian %v, generated %v", want.Name, want.Annotations, got.Annotations)
	}
	compareMembers(t, want.Name+" method", want.Methods, got.Methods)
	compareMembers(t, want.Name+" signal", want.Signals, got.Signals)
	if len(want.Properties) != len(got.Properties) {
		t.Errorf("%s: %d properties in Debian's file, %d generated", want.Name, len(want.Properties), len(got.Properties))
	}
	for i := 0; i < min(len(want.Properties), len(got.Properties)); i++ {
		if !reflect.DeepEqual(want.Properties[i], got.Properties[i]) {
			t.Errorf("%s property %d:\nDebian    %+v\ngenerated %+v", want.Name, i, want.Properties[i], got.Properties[i])
		}
	}
}

func compareMembers(t *testing.T, what string, want, got []xmlMember) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d in Debian's file, %d generated", what, len(want), len(got))
	}
	for i := 0; i < min(len(want), len(got)); i++ {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Errorf("%s %d:\nDebian    %+v\ngenerated %+v", what, i, want[i], got[i])
		}
	}
}

// TestCounts pins the size of the API as the reference counts it: 194 methods, 37
// properties and 27 signals over ten interfaces.
func TestCounts(t *testing.T) {
	var m, p, s int
	for _, i := range Libvirt {
		m += len(i.Methods)
		p += len(i.Properties)
		s += len(i.Signals)
	}
	if m != 194 || p != 37 || s != 27 {
		t.Errorf("tables have %d methods, %d properties, %d signals; libvirt-dbus 1.4.1 has 194, 37, 27", m, p, s)
	}
}
