// Package xmltags reads Go struct tags by encoding/xml's rules (its getTypeInfo and
// structFieldInfo), once per type, for the codecs that write and read libvirtxml's
// documents without encoding/xml's reflection per value: xmlstyle's encoder and
// xmlscan's decoder. It knows the subset of the rules those codecs follow exactly;
// a type outside it carries Err, and the codecs leave its values to encoding/xml.
package xmltags

import (
	"encoding"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"sync"
)

// Type is what the codecs need to know about a type.
type Type struct {
	// Err is set for a struct whose tags encoding/xml refuses, resolves in ways the
	// codecs do not repeat (two fields of one name), or uses modes they do not
	// handle (cdata, comment, any).
	Err error
	// Name and XMLNS come from an XMLName field's tag; NameFromValue is an XMLName
	// field whose tag names nothing, so the name is in each value. HasXMLName says
	// there is an XMLName field at all, at XMLNameIndex.
	Name, XMLNS   string
	NameFromValue bool
	HasXMLName    bool
	XMLNameIndex  []int
	Attrs         []Field
	Content       []Field // character data, inner XML and elements, in order
	// EmbeddedPointer is a field reached through an embedded pointer, which
	// encoding/xml's decoder allocates as a side effect of looking at it.
	EmbeddedPointer bool

	// The methods encoding/xml looks for, on the type and on a pointer to it.
	Marshaler, PtrMarshaler         bool
	TextMarshaler, PtrTextMarshaler bool
	AttrMarshaler, PtrAttrMarshaler bool // xml.MarshalerAttr or encoding.TextMarshaler

	Unmarshaler, PtrUnmarshaler         bool
	TextUnmarshaler, PtrTextUnmarshaler bool
	AttrUnmarshaler, PtrAttrUnmarshaler bool // xml.UnmarshalerAttr or encoding.TextUnmarshaler
}

// Mode is how a field appears in the document.
type Mode uint8

const (
	Element Mode = iota
	Attr
	CharData
	InnerXML
)

// Field is one field: where it is (through embedded structs), its name, the parents
// of an "a>b" tag, and how it appears.
type Field struct {
	Index     []int
	Name      string
	XMLNS     string
	Parents   []string
	Mode      Mode
	OmitEmpty bool
}

// ErrUnsupported marks a type the codecs leave to encoding/xml.
var ErrUnsupported = errors.New("xmltags: struct tags outside the codecs' subset")

var (
	marshalerType       = reflect.TypeFor[xml.Marshaler]()
	attrMarshalerType   = reflect.TypeFor[xml.MarshalerAttr]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	unmarshalerType     = reflect.TypeFor[xml.Unmarshaler]()
	attrUnmarshalerType = reflect.TypeFor[xml.UnmarshalerAttr]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	nameType            = reflect.TypeFor[xml.Name]()
	attrType            = reflect.TypeFor[xml.Attr]()
)

// types caches each type's Type, as encoding/xml caches its typeInfo: one is made
// once per type and never changes.
var types sync.Map // reflect.Type → *Type

// For returns t's Type.
func For(t reflect.Type) *Type {
	if p, ok := types.Load(t); ok {
		return p.(*Type)
	}
	p, _ := types.LoadOrStore(t, newType(t))
	return p.(*Type)
}

func newType(t reflect.Type) *Type {
	pt := reflect.PointerTo(t)
	p := &Type{
		Marshaler:          t.Implements(marshalerType),
		PtrMarshaler:       pt.Implements(marshalerType),
		TextMarshaler:      t.Implements(textMarshalerType),
		PtrTextMarshaler:   pt.Implements(textMarshalerType),
		Unmarshaler:        t.Implements(unmarshalerType),
		PtrUnmarshaler:     pt.Implements(unmarshalerType),
		TextUnmarshaler:    t.Implements(textUnmarshalerType),
		PtrTextUnmarshaler: pt.Implements(textUnmarshalerType),
	}
	p.AttrMarshaler = t.Implements(attrMarshalerType) || p.TextMarshaler
	p.PtrAttrMarshaler = pt.Implements(attrMarshalerType) || p.PtrTextMarshaler
	p.AttrUnmarshaler = t.Implements(attrUnmarshalerType) || p.TextUnmarshaler
	p.PtrAttrUnmarshaler = pt.Implements(attrUnmarshalerType) || p.PtrTextUnmarshaler
	if t == nameType || t == attrType {
		p.Err = ErrUnsupported
		return p
	}
	if t.Kind() != reflect.Struct {
		return p
	}
	var xmlname *Field
	var fields []Field
	if err := collect(t, nil, &xmlname, &fields, &p.EmbeddedPointer); err != nil {
		p.Err = err
		return p
	}
	if xmlname != nil {
		p.Name, p.XMLNS = xmlname.Name, xmlname.XMLNS
		p.NameFromValue = xmlname.Name == ""
		p.HasXMLName, p.XMLNameIndex = true, xmlname.Index
	}
	for _, f := range fields {
		if f.Mode == Attr {
			p.Attrs = append(p.Attrs, f)
		} else {
			p.Content = append(p.Content, f)
		}
	}
	return p
}

// collect gathers t's fields, those of embedded structs in their place, as
// getTypeInfo does. Where encoding/xml would resolve two fields of one name (by
// embedding depth, or with an error) collect gives up.
func collect(t reflect.Type, prefix []int, xmlname **Field, fields *[]Field, embeddedPtr *bool) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("xml")
		if !sf.IsExported() && !sf.Anonymous || tag == "-" {
			continue
		}
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
				*embeddedPtr = true
			}
			if et.Kind() == reflect.Struct {
				var inner *Field
				if err := collect(et, index, &inner, fields, embeddedPtr); err != nil {
					return err
				}
				if *xmlname == nil {
					*xmlname = inner
				}
				continue
			}
		}
		f, err := fieldOf(sf, tag)
		if err != nil {
			return err
		}
		f.Index = index
		if sf.Name == "XMLName" {
			*xmlname = &f
			continue
		}
		for i := range *fields {
			if Conflict(&(*fields)[i], &f) {
				return ErrUnsupported
			}
		}
		*fields = append(*fields, f)
	}
	return nil
}

// fieldOf reads one field's tag as structFieldInfo does, refusing the modes the
// codecs do not handle and every tag encoding/xml refuses.
func fieldOf(sf reflect.StructField, tag string) (Field, error) {
	var f Field
	if ns, rest, ok := strings.Cut(tag, " "); ok {
		f.XMLNS, tag = ns, rest
	}
	tokens := strings.Split(tag, ",")
	tag = tokens[0]
	modes := 0
	for _, flag := range tokens[1:] {
		switch flag {
		case "attr":
			f.Mode, modes = Attr, modes+1
		case "chardata":
			f.Mode, modes = CharData, modes+1
		case "innerxml":
			f.Mode, modes = InnerXML, modes+1
		case "omitempty":
			f.OmitEmpty = true
		case "cdata", "comment", "any":
			return f, ErrUnsupported
		}
	}
	isXMLName := sf.Name == "XMLName"
	if modes > 1 || f.Mode != Element && (isXMLName || tag != "" && f.Mode != Attr) ||
		f.OmitEmpty && f.Mode != Element && f.Mode != Attr || f.XMLNS != "" && tag == "" {
		return f, ErrUnsupported
	}
	if isXMLName {
		f.Name = tag
		return f, nil
	}
	if tag == "" {
		if x := lookupXMLName(sf.Type); x != nil {
			f.XMLNS, f.Name = x.XMLNS, x.Name
		} else {
			f.Name = sf.Name
		}
		return f, nil
	}
	parents := strings.Split(tag, ">")
	if parents[0] == "" {
		parents[0] = sf.Name
	}
	if parents[len(parents)-1] == "" {
		return f, ErrUnsupported
	}
	f.Name = parents[len(parents)-1]
	if len(parents) > 1 {
		if f.Mode != Element {
			return f, ErrUnsupported
		}
		f.Parents = parents[:len(parents)-1]
	}
	if f.Mode == Element {
		if x := lookupXMLName(sf.Type); x != nil && x.Name != f.Name {
			return f, ErrUnsupported
		}
	}
	return f, nil
}

// lookupXMLName is the XMLName field of the struct t is or points to, if it names
// an element.
func lookupXMLName(t reflect.Type) *Field {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name != "XMLName" {
			continue
		}
		if f, err := fieldOf(sf, sf.Tag.Get("xml")); err == nil && f.Name != "" {
			return &f
		}
	}
	return nil
}

// Conflict is addFieldInfo's test of two fields for the same name.
func Conflict(a, b *Field) bool {
	if a.Mode != b.Mode {
		return false
	}
	if a.XMLNS != "" && b.XMLNS != "" && a.XMLNS != b.XMLNS {
		return false
	}
	n := min(len(a.Parents), len(b.Parents))
	for i := 0; i < n; i++ {
		if a.Parents[i] != b.Parents[i] {
			return false
		}
	}
	switch {
	case len(a.Parents) > len(b.Parents):
		return a.Parents[len(b.Parents)] == b.Name
	case len(a.Parents) < len(b.Parents):
		return b.Parents[len(a.Parents)] == a.Name
	}
	return a.Name == b.Name && a.XMLNS == b.XMLNS
}

// Collide reports whether two structs written or read as one element (as a struct
// embedding both) have fields of the same name.
func Collide(a, b *Type) bool {
	for _, list := range [][2][]Field{{a.Attrs, b.Attrs}, {a.Content, b.Content}} {
		for i := range list[0] {
			for j := range list[1] {
				if Conflict(&list[0][i], &list[1][j]) {
					return true
				}
			}
		}
	}
	return false
}

// IsNameType reports whether t is xml.Name.
func IsNameType(t reflect.Type) bool { return t == nameType }

// IsAttrType reports whether t is xml.Attr.
func IsAttrType(t reflect.Type) bool { return t == attrType }
