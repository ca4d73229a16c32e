package spec

import (
	"encoding/xml"
	"strings"
)

const doctype = `<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
                      "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
`

// Introspect is the introspection XML of an object with the given interfaces and child
// nodes, laid out as GDBus lays it out: methods, then signals, then properties, each
// with its annotations.
func Introspect(ifaces []*Interface, children []string) string {
	var b strings.Builder
	b.WriteString(doctype)
	b.WriteString("<node>\n")
	for _, i := range ifaces {
		i.writeXML(&b)
	}
	for _, c := range children {
		b.WriteString(`  <node name="` + attr(c) + "\"/>\n")
	}
	b.WriteString("</node>\n")
	return b.String()
}

func (i *Interface) writeXML(b *strings.Builder) {
	b.WriteString(`  <interface name="` + attr(i.Name) + "\">\n")
	if i.EmitsChanged != "" {
		annotation(b, "    ", "org.freedesktop.DBus.Property.EmitsChangedSignal", i.EmitsChanged)
	}
	for _, m := range i.Methods {
		b.WriteString(`    <method name="` + m.Name + "\">\n")
		i.docAnnotation(b, m.Doc)
		for _, a := range m.In {
			b.WriteString(`      <arg type="` + attr(a.Type) + `" name="` + a.Name + "\" direction=\"in\"/>\n")
		}
		for _, a := range m.Out {
			b.WriteString(`      <arg type="` + attr(a.Type) + `" name="` + a.Name + "\" direction=\"out\"/>\n")
		}
		b.WriteString("    </method>\n")
	}
	for _, s := range i.Signals {
		b.WriteString(`    <signal name="` + s.Name + "\">\n")
		i.docAnnotation(b, s.Doc)
		for _, a := range s.Args {
			b.WriteString(`      <arg type="` + attr(a.Type) + `" name="` + a.Name + "\"/>\n")
		}
		b.WriteString("    </signal>\n")
	}
	for _, p := range i.Properties {
		access := "read"
		if p.Writable {
			access = "readwrite"
		}
		b.WriteString(`    <property type="` + attr(p.Type) + `" name="` + p.Name + `" access="` + access + "\">\n")
		i.docAnnotation(b, p.Doc)
		if p.Const {
			annotation(b, "      ", "org.freedesktop.DBus.Property.EmitsChangedSignal", "const")
		}
		b.WriteString("    </property>\n")
	}
	b.WriteString("  </interface>\n")
}

func (i *Interface) docAnnotation(b *strings.Builder, d Doc) {
	if s := i.DocString(d); s != "" {
		annotation(b, "      ", "org.gtk.GDBus.DocString", s)
	}
}

func annotation(b *strings.Builder, indent, name, value string) {
	b.WriteString(indent + `<annotation name="` + name + `" value="` + attr(value) + "\"/>\n")
}

// attr escapes s for a double-quoted XML attribute.
func attr(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // quotes and line ends included
	return b.String()
}
