// Package spec is the org.libvirt D-Bus API as data: the ten interfaces libvirt-dbus
// 1.4.1 declares in its data/org.libvirt.*.xml files — every method, property and
// signal with its D-Bus signature, access and annotations — plus the standard
// interfaces and virtunit's own. The server's introspection is generated from these
// tables, its argument checks read the signatures from them, and a method a driver
// does not implement is answered with the libvirt function each entry names. A test
// compares the tables with the XML files of Debian's libvirt-dbus package.
package spec

import (
	"strings"
)

// Interface is one D-Bus interface.
type Interface struct {
	Name string
	// Page is the libvirt API page ("domain" for libvirt-libvirt-domain.html) the
	// members' documentation links to, unless a member names another.
	Page string
	// EmitsChanged is the interface's org.freedesktop.DBus.Property.EmitsChangedSignal
	// annotation, "" for none.
	EmitsChanged string
	Methods      []Method
	Properties   []Property
	Signals      []Signal
}

// Arg is a named argument of a method or signal.
type Arg struct {
	Name, Type string
}

// Doc is what a member's org.gtk.GDBus.DocString says: the libvirt function it wraps
// (a link to its documentation) and any note libvirt-dbus adds.
type Doc struct {
	// Func is the libvirt function the member calls, "virDomainCreateWithFlags"; the
	// one named in "this function is not supported by the connection driver".
	Func string
	Page string // the API page, when not the interface's
	Note string
}

// Method is a method with its in and out arguments.
type Method struct {
	Name    string
	In, Out []Arg
	Doc
}

// Property is a property; Writable ones can be Set.
type Property struct {
	Name, Type string
	Writable   bool
	// Const marks a value that never changes for an object (EmitsChangedSignal=const).
	Const bool
	Doc
}

// Signal is a signal with its arguments.
type Signal struct {
	Name string
	Args []Arg
	Doc
}

// InSignature is the signature of the method's in arguments, as a call must carry it.
func (m *Method) InSignature() string { return signature(m.In) }

// OutSignature is the signature of the method's reply.
func (m *Method) OutSignature() string { return signature(m.Out) }

func signature(args []Arg) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.Type)
	}
	return b.String()
}

// Method returns the method called name, or nil.
func (i *Interface) Method(name string) *Method {
	for k := range i.Methods {
		if i.Methods[k].Name == name {
			return &i.Methods[k]
		}
	}
	return nil
}

// Property returns the property called name, or nil.
func (i *Interface) Property(name string) *Property {
	for k := range i.Properties {
		if i.Properties[k].Name == name {
			return &i.Properties[k]
		}
	}
	return nil
}

// Signal returns the signal called name, or nil.
func (i *Interface) Signal(name string) *Signal {
	for k := range i.Signals {
		if i.Signals[k].Name == name {
			return &i.Signals[k]
		}
	}
	return nil
}

// DocString is the text of the member's org.gtk.GDBus.DocString annotation in the
// interface, or "" when it has none.
func (i *Interface) DocString(d Doc) string {
	if d.Func == "" {
		return ""
	}
	page := d.Page
	if page == "" {
		page = i.Page
	}
	s := "See " + link(page, d.Func)
	if d.Note != "" {
		s += " " + d.Note
	}
	return s
}

// link is the address of a libvirt function's documentation.
func link(page, fn string) string {
	return "https://libvirt.org/html/libvirt-libvirt-" + page + ".html#" + fn
}

// The table constructors. Arguments are written "name type, name type".

type option func(*Doc)

func page(p string) option { return func(d *Doc) { d.Page = p } }
func note(n string) option { return func(d *Doc) { d.Note = n } }

func doc(fn string, opts []option) Doc {
	d := Doc{Func: fn}
	for _, o := range opts {
		o(&d)
	}
	return d
}

func args(s string) []Arg {
	var out []Arg
	for _, a := range strings.Split(s, ",") {
		if f := strings.Fields(a); len(f) == 2 {
			out = append(out, Arg{Name: f[0], Type: f[1]})
		}
	}
	return out
}

func method(name, in, out, fn string, opts ...option) Method {
	return Method{Name: name, In: args(in), Out: args(out), Doc: doc(fn, opts)}
}

func signal(name, a, fn string, opts ...option) Signal {
	return Signal{Name: name, Args: args(a), Doc: doc(fn, opts)}
}

// prop is a read-only property, rwprop a writable one, constProp one whose value
// never changes.
func prop(name, typ, fn string, opts ...option) Property {
	return Property{Name: name, Type: typ, Doc: doc(fn, opts)}
}

func rwprop(name, typ, fn string, opts ...option) Property {
	return Property{Name: name, Type: typ, Writable: true, Doc: doc(fn, opts)}
}

func constProp(name, typ, fn string, opts ...option) Property {
	return Property{Name: name, Type: typ, Const: true, Doc: doc(fn, opts)}
}
