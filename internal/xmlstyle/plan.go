package xmlstyle

import (
	"errors"
	"reflect"
	"strings"
)

// typePlan is what encode needs to know about a type, worked out once from its
// fields' tags by encoding/xml's rules (its getTypeInfo and structFieldInfo).
type typePlan struct {
	// err is set for a struct whose tags encoding/xml refuses or resolves in ways
	// encode does not repeat (colliding names); its values are left to encoding/xml.
	err error
	// name and xmlns come from an XMLName field's tag; nameFromValue is an XMLName
	// field whose tag names nothing, so the name is in each value.
	name, xmlns   string
	nameFromValue bool
	attrs         []fieldPlan
	content       []fieldPlan // character data, inner XML and elements, in order

	// The methods encoding/xml looks for, on the type and on a pointer to it.
	marshaler, ptrMarshaler         bool
	textMarshaler, ptrTextMarshaler bool
	attrMarshaler, ptrAttrMarshaler bool
}

type fieldMode uint8

const (
	modeElement fieldMode = iota
	modeAttr
	modeCharData
	modeInnerXML
)

// fieldPlan is one field: where it is (through embedded structs), its name, the
// parents of an "a>b" tag, and how it is written.
type fieldPlan struct {
	index     []int
	name      string
	xmlns     string
	parents   []string
	mode      fieldMode
	omitEmpty bool
}

var errUnsupported = errors.New("xmlstyle: struct tags outside the encoder's subset")

func newPlan(t reflect.Type) *typePlan {
	pt := reflect.PointerTo(t)
	p := &typePlan{
		marshaler:        t.Implements(marshalerType),
		ptrMarshaler:     pt.Implements(marshalerType),
		textMarshaler:    t.Implements(textMarshalerType),
		ptrTextMarshaler: pt.Implements(textMarshalerType),
	}
	p.attrMarshaler = t.Implements(attrMarshalerType) || p.textMarshaler
	p.ptrAttrMarshaler = pt.Implements(attrMarshalerType) || p.ptrTextMarshaler
	if t == nameType || t == attrType {
		p.err = errUnsupported
		return p
	}
	if t.Kind() != reflect.Struct {
		return p
	}
	var xmlname *fieldPlan
	var fields []fieldPlan
	if err := collect(t, nil, &xmlname, &fields); err != nil {
		p.err = err
		return p
	}
	if xmlname != nil {
		p.name, p.xmlns = xmlname.name, xmlname.xmlns
		p.nameFromValue = xmlname.name == ""
	}
	for _, f := range fields {
		if f.mode == modeAttr {
			p.attrs = append(p.attrs, f)
		} else {
			p.content = append(p.content, f)
		}
	}
	return p
}

// collect gathers t's fields, those of embedded structs in their place, as
// getTypeInfo does. Where encoding/xml would resolve two fields of one name (by
// embedding depth, or with an error) collect gives up.
func collect(t reflect.Type, prefix []int, xmlname **fieldPlan, fields *[]fieldPlan) error {
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
			}
			if et.Kind() == reflect.Struct {
				var inner *fieldPlan
				if err := collect(et, index, &inner, fields); err != nil {
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
		f.index = index
		if sf.Name == "XMLName" {
			*xmlname = &f
			continue
		}
		for _, old := range *fields {
			if conflict(&old, &f) {
				return errUnsupported
			}
		}
		*fields = append(*fields, f)
	}
	return nil
}

// fieldOf reads one field's tag as structFieldInfo does, refusing the modes encode
// does not write (cdata, comment, any) and every tag encoding/xml refuses.
func fieldOf(sf reflect.StructField, tag string) (fieldPlan, error) {
	var f fieldPlan
	if ns, rest, ok := strings.Cut(tag, " "); ok {
		f.xmlns, tag = ns, rest
	}
	tokens := strings.Split(tag, ",")
	tag = tokens[0]
	for _, flag := range tokens[1:] {
		switch flag {
		case "attr":
			f.mode = modeAttr
		case "chardata":
			f.mode = modeCharData
		case "innerxml":
			f.mode = modeInnerXML
		case "omitempty":
			f.omitEmpty = true
		case "cdata", "comment", "any":
			return f, errUnsupported
		}
	}
	modes := 0
	for _, flag := range tokens[1:] {
		switch flag {
		case "attr", "chardata", "innerxml":
			modes++
		}
	}
	if modes > 1 || f.mode != modeElement && f.mode != modeAttr && (tag != "" || sf.Name == "XMLName") ||
		f.omitEmpty && f.mode != modeElement && f.mode != modeAttr || f.xmlns != "" && tag == "" {
		return f, errUnsupported
	}
	if sf.Name == "XMLName" {
		f.name = tag
		return f, nil
	}
	if tag == "" {
		if x := lookupXMLName(sf.Type); x != nil {
			f.xmlns, f.name = x.xmlns, x.name
		} else {
			f.name = sf.Name
		}
		return f, nil
	}
	parents := strings.Split(tag, ">")
	if parents[0] == "" {
		parents[0] = sf.Name
	}
	if parents[len(parents)-1] == "" {
		return f, errUnsupported
	}
	f.name = parents[len(parents)-1]
	if len(parents) > 1 {
		if f.mode != modeElement {
			return f, errUnsupported
		}
		f.parents = parents[:len(parents)-1]
	}
	if f.mode == modeElement {
		if x := lookupXMLName(sf.Type); x != nil && x.name != f.name {
			return f, errUnsupported
		}
	}
	return f, nil
}

// lookupXMLName is the XMLName field's plan of the struct t is or points to, if it
// names an element.
func lookupXMLName(t reflect.Type) *fieldPlan {
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
		if f, err := fieldOf(sf, sf.Tag.Get("xml")); err == nil && f.name != "" {
			return &f
		}
	}
	return nil
}

// conflict is addFieldInfo's test of two fields for the same name.
func conflict(a, b *fieldPlan) bool {
	if a.mode != b.mode {
		return false
	}
	if a.xmlns != "" && b.xmlns != "" && a.xmlns != b.xmlns {
		return false
	}
	n := min(len(a.parents), len(b.parents))
	for i := 0; i < n; i++ {
		if a.parents[i] != b.parents[i] {
			return false
		}
	}
	switch {
	case len(a.parents) > len(b.parents):
		return a.parents[len(b.parents)] == b.name
	case len(a.parents) < len(b.parents):
		return b.parents[len(a.parents)] == a.name
	}
	return a.name == b.name && a.xmlns == b.xmlns
}

// collide reports whether two parts that plain writes as one element have fields of
// the same name.
func collide(a, b *typePlan) bool {
	for _, list := range [][2][]fieldPlan{{a.attrs, b.attrs}, {a.content, b.content}} {
		for i := range list[0] {
			for j := range list[1] {
				if conflict(&list[0][i], &list[1][j]) {
					return true
				}
			}
		}
	}
	return false
}
