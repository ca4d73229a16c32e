package xmlstyle

import (
	"bytes"
	"encoding/xml"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/virtunit/virtunit/internal/xmlscan"
	"github.com/virtunit/virtunit/internal/xmltags"
)

// encode writes v, a pointer to a struct, as Format(xml.MarshalIndent(v)) would: the
// same fields by the same rules (encoding/xml's tags, omitempty, pointers, slices,
// embedding, innerxml), straight into libvirt's layout, without encoding/xml's
// reflection per value or the second pass that Format makes. A define writes the
// domain's file through here, and encoding/xml and Format were half of its work.
//
// It reports false for anything outside what it knows to write exactly as that pair
// does (namespaces, text marshalers, characters encoding/xml rewrites, mixed content,
// an xml.Marshaler without a hook, tags encoding/xml refuses), and the caller then
// takes the pair, which also words any error.
func encode(v any) (string, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return "", false
	}
	var e encoder
	e.w.b.Grow(4096) // a guest's definition is a few KiB; growing a byte at a time is not free
	if err := e.element(rv, nil, nil, false); err != nil || e.w.depth() != 0 {
		return "", false
	}
	return e.w.b.String(), true
}

// errFallback stops an encode that met something outside its subset.
var errFallback = errors.New("xmlstyle: left to encoding/xml")

// encoder is one encode's state: the layout written so far, and an encoding/xml
// encoder for the values whose xml.Marshaler has no hook.
type encoder struct {
	w   writer
	buf bytes.Buffer
	xe  *xml.Encoder
}

// start is the name and the leading attributes an element is written with: what an
// xml.StartElement passed to EncodeElement is to encoding/xml.
type start struct {
	name  string
	attrs []xml.Attr
}

// add appends an attribute.
func (s *start) add(name, value string) {
	s.attrs = append(s.attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
}

// element writes v as encoding/xml's marshalValue does: for field f (nil for none),
// with template s (nil for none). addr says whether encoding/xml would see v as
// addressable, which decides whether a pointer receiver's MarshalXML is called: a
// value reached through a pointer is, a copy that libvirtxml's marshalers pass on is
// not.
func (e *encoder) element(v reflect.Value, f *xmltags.Field, s *start, addr bool) error {
	if !v.IsValid() {
		return nil
	}
	if f != nil && f.OmitEmpty && isEmptyValue(v) {
		return nil
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		if v.Kind() == reflect.Interface {
			return errFallback
		}
		v, addr = v.Elem(), true
	}
	t := v.Type()
	p := xmltags.For(t)
	if p.Marshaler || addr && p.PtrMarshaler {
		st, err := defaultStart(t, f, s)
		if err != nil {
			return err
		}
		if h := hooks[t]; h != nil && addr {
			return h(e, v, st)
		}
		return e.viaEncodingXML(v, st, addr)
	}
	if p.TextMarshaler || addr && p.PtrTextMarshaler {
		return errFallback
	}
	if k := v.Kind(); (k == reflect.Slice || k == reflect.Array) && t.Elem().Kind() != reflect.Uint8 {
		elemAddr := addr || k == reflect.Slice
		for i, n := 0, v.Len(); i < n; i++ {
			if err := e.element(v.Index(i), f, s, elemAddr); err != nil {
				return err
			}
		}
		return nil
	}
	if p.Err != nil {
		return errFallback
	}
	var name string
	switch {
	case s != nil:
		name = s.name
	case p.NameFromValue:
		return errFallback
	case p.Name != "":
		if p.XMLNS != "" {
			return errFallback
		}
		name = p.Name
	}
	if name == "" && f != nil {
		if f.XMLNS != "" {
			return errFallback
		}
		name = f.Name
	}
	if name == "" {
		name = t.Name()
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		if name == "" {
			return errFallback
		}
	}
	if err := e.open(name); err != nil {
		return err
	}
	if s != nil {
		if err := e.startAttrs(s); err != nil {
			return err
		}
	}
	if v.Kind() == reflect.Struct {
		if err := e.attrs(v, p, addr); err != nil {
			return err
		}
		if err := e.content(v, p, addr); err != nil {
			return err
		}
	} else {
		text, ok := simple(v)
		if !ok {
			return errFallback
		}
		if err := e.text(text); err != nil {
			return err
		}
	}
	e.w.close(name)
	return nil
}

// plain writes one element named s.name from the fields of parts, in order, as
// encoding/xml writes a struct that embeds each of them: the template's attributes,
// then every part's attributes, then every part's content. It is what libvirtxml's
// marshalers do when they encode a copy of themselves (addr false) or a struct built
// around pointers to their pieces (addr true). Parts whose names would collide are
// left to encoding/xml, which resolves them by embedding depth.
func (e *encoder) plain(s start, addr bool, parts ...reflect.Value) error {
	var buf [3]*xmltags.Type
	plans := buf[:0]
	for i, part := range parts {
		plans = append(plans, nil)
		plans[i] = xmltags.For(part.Type())
		if plans[i].Err != nil || plans[i].Marshaler {
			return errFallback
		}
		for _, prev := range plans[:i] {
			if xmltags.Collide(prev, plans[i]) {
				return errFallback
			}
		}
	}
	if err := e.open(s.name); err != nil {
		return err
	}
	if err := e.startAttrs(&s); err != nil {
		return err
	}
	for i, part := range parts {
		if err := e.attrs(part, plans[i], addr); err != nil {
			return err
		}
	}
	var parents []string
	for i, part := range parts {
		if err := e.fields(part, plans[i], addr, &parents); err != nil {
			return err
		}
	}
	e.trim(&parents, nil)
	e.w.close(s.name)
	return nil
}

// token and end are EncodeToken of a start element and of its end, for the hooks
// that write elements themselves.
func (e *encoder) token(s start) error {
	if err := e.open(s.name); err != nil {
		return err
	}
	return e.startAttrs(&s)
}

func (e *encoder) end(s start) { e.w.close(s.name) }

// elementOf is EncodeElement(x, s) for x given as v: addr is true where x was a
// pointer.
func (e *encoder) elementOf(v reflect.Value, addr bool, s start) error {
	return e.element(v, nil, &s, addr)
}

func (e *encoder) open(name string) error {
	if e.w.depth() >= xmlscan.MaxDepth-1 {
		return errFallback // Format's scanner refuses the depth; leave the words to it
	}
	e.w.open(name)
	return nil
}

func (e *encoder) startAttrs(s *start) error {
	for _, a := range s.attrs {
		if a.Name.Local == "" {
			continue
		}
		if a.Name.Space != "" || !plainString(a.Value) {
			return errFallback
		}
		e.w.attr("", a.Name.Local, a.Value)
	}
	return nil
}

func (e *encoder) text(s string) error {
	if !plainString(s) || !e.w.text(s) {
		return errFallback
	}
	return nil
}

// attrs writes v's attribute fields, as encoding/xml's marshalValue does.
func (e *encoder) attrs(v reflect.Value, p *xmltags.Type, addr bool) error {
	for i := range p.Attrs {
		f := &p.Attrs[i]
		fv, faddr := fieldValue(v, f.Index, addr)
		if !fv.IsValid() || f.OmitEmpty && isEmptyValue(fv) {
			continue
		}
		if fv.Kind() == reflect.Interface && fv.IsNil() {
			continue
		}
		if err := e.attr(f, fv, faddr); err != nil {
			return err
		}
	}
	return nil
}

// attr writes one attribute as encoding/xml's marshalAttr does.
func (e *encoder) attr(f *xmltags.Field, v reflect.Value, addr bool) error {
	if p := xmltags.For(v.Type()); p.AttrMarshaler || addr && p.PtrAttrMarshaler {
		return errFallback
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return errFallback
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 {
		for i, n := 0, v.Len(); i < n; i++ {
			if err := e.attr(f, v.Index(i), true); err != nil {
				return err
			}
		}
		return nil
	}
	if f.XMLNS != "" || xmltags.IsAttrType(v.Type()) {
		return errFallback
	}
	s, ok := simple(v)
	if !ok || !plainString(s) {
		return errFallback
	}
	e.w.attr("", f.Name, s)
	return nil
}

// content writes v's character data, inner XML and child elements, as encoding/xml's
// marshalStruct does.
func (e *encoder) content(v reflect.Value, p *xmltags.Type, addr bool) error {
	var parents []string
	if err := e.fields(v, p, addr, &parents); err != nil {
		return err
	}
	e.trim(&parents, nil)
	return nil
}

func (e *encoder) fields(v reflect.Value, p *xmltags.Type, addr bool, parents *[]string) error {
	for i := range p.Content {
		f := &p.Content[i]
		fv, faddr := fieldValue(v, f.Index, addr)
		if !fv.IsValid() {
			continue
		}
		switch f.Mode {
		case xmltags.CharData:
			e.trim(parents, nil)
			if q := xmltags.For(fv.Type()); q.TextMarshaler || faddr && q.PtrTextMarshaler {
				return errFallback
			}
			fv = indirect(fv)
			switch fv.Kind() {
			case reflect.Pointer:
				continue // nil
			case reflect.Slice, reflect.Array, reflect.Interface:
				return errFallback
			}
			s, ok := simple(fv)
			if !ok {
				continue // encoding/xml writes nothing for other kinds
			}
			if err := e.text(s); err != nil {
				return err
			}
		case xmltags.InnerXML:
			fv = indirect(fv)
			if fv.Kind() != reflect.String {
				return errFallback
			}
			if err := e.innerXML(fv.String()); err != nil {
				return err
			}
		case xmltags.Element:
			e.trim(parents, f.Parents)
			if len(f.Parents) > len(*parents) {
				if k := fv.Kind(); k != reflect.Pointer && k != reflect.Interface || !fv.IsNil() {
					for _, name := range f.Parents[len(*parents):] {
						if err := e.open(name); err != nil {
							return err
						}
						*parents = append(*parents, name)
					}
				}
			}
			if err := e.element(fv, f, nil, faddr); err != nil {
				return err
			}
		}
	}
	return nil
}

// trim closes the open parent elements (of "a>b" tags) that want does not share.
func (e *encoder) trim(parents *[]string, want []string) {
	split := 0
	for split < len(want) && split < len(*parents) && want[split] == (*parents)[split] {
		split++
	}
	for i := len(*parents) - 1; i >= split; i-- {
		e.w.close((*parents)[i])
	}
	*parents = (*parents)[:split]
}

// innerXML writes raw XML (a ",innerxml" field, or what encoding/xml wrote for a
// value without a hook) as Format lays it out inside the document: scanned as the
// content of an element, its pieces go to the writer in order. Raw XML that is not
// plain or not balanced on its own is left to encoding/xml and Format.
func (e *encoder) innerXML(raw string) error {
	if raw == "" {
		return nil
	}
	sc, err := xmlscan.NewScanner("<x>" + raw + "</x>")
	if err != nil {
		return errFallback
	}
	depth := 0
	for {
		tok, err := sc.Next()
		if err != nil {
			if depth == 0 && err != xmlscan.ErrNotPlain {
				return nil
			}
			return errFallback
		}
		switch tok.Kind {
		case xmlscan.Start:
			depth++
			if depth == 1 {
				continue
			}
			if err := e.open(tok.Name); err != nil {
				return err
			}
			for _, a := range tok.Attr {
				e.w.attr(a.Name.Space, a.Name.Local, a.Value)
			}
		case xmlscan.End:
			depth--
			if depth == 0 {
				continue
			}
			e.w.close(tok.Name)
		case xmlscan.Text:
			if !e.w.text(tok.Text) {
				return errFallback
			}
		}
	}
}

// viaEncodingXML writes a value whose xml.Marshaler has no hook: encoding/xml writes
// it, as the element st, and its output joins the layout as inner XML does.
func (e *encoder) viaEncodingXML(v reflect.Value, st start, addr bool) error {
	var m any
	if addr {
		m = v.Addr().Interface()
	} else {
		m = v.Interface()
	}
	if e.xe == nil {
		e.xe = xml.NewEncoder(&e.buf)
	}
	e.buf.Reset()
	if err := e.xe.EncodeElement(m, xml.StartElement{Name: xml.Name{Local: st.name}, Attr: st.attrs}); err != nil {
		return errFallback
	}
	if err := e.xe.Flush(); err != nil {
		return errFallback
	}
	out := e.buf.String()
	if strings.Contains(out, "xmlns") {
		return errFallback // namespaces depend on the document around the value
	}
	return e.innerXML(out)
}

// defaultStart is the element a Marshaler is handed, as encoding/xml's defaultStart
// makes it: the template, else the field's name, else the type's.
func defaultStart(t reflect.Type, f *xmltags.Field, s *start) (start, error) {
	switch {
	case s != nil:
		return start{name: s.name, attrs: append([]xml.Attr(nil), s.attrs...)}, nil
	case f != nil && f.Name != "":
		if f.XMLNS != "" {
			return start{}, errFallback
		}
		return start{name: f.Name}, nil
	case t.Name() != "":
		return start{name: t.Name()}, nil
	}
	return start{}, errFallback
}

// simple is encoding/xml's marshalSimple for the kinds written as text.
func simple(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10), true
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()), true
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), true
	}
	return "", false
}

// plainString reports whether s goes through encoding/xml's escaping and Format's
// scanner unchanged: no character that encoding/xml replaces or that the scanner
// leaves to the general path ('\r', U+FFFD, U+FFFE, U+FFFF, other controls).
func plainString(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == 0xfffe || r == 0xffff {
			return false
		}
		i += n
	}
	return true
}

func indirect(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return v
		}
		v = v.Elem()
	}
	return v
}

// isEmptyValue is omitempty's test, as encoding/xml has it.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// fieldValue follows index from v, through embedded pointers, as encoding/xml's
// fieldInfo.value does without allocating; it returns an invalid value behind a nil
// embedded pointer, and whether the field is addressable.
func fieldValue(v reflect.Value, index []int, addr bool) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v, addr = v.Elem(), true
		}
		v = v.Field(x)
	}
	return v, addr
}
