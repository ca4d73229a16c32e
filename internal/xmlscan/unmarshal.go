package xmlscan

import (
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/virtunit/virtunit/internal/xmltags"
)

// decodePlain reads a plain document into v, a pointer to a zero struct, as
// xml.Unmarshal does, with per-type plans (xmltags) instead of encoding/xml's
// reflection per element and token. A define reads the guest's definition through
// here. It reports false where it is not sure to do exactly what xml.Unmarshal does
// (namespaces, text unmarshalers, an xml.Unmarshaler without a hook, anything
// encoding/xml would refuse, which includes every malformed value); v may then hold
// part of the document, and the caller zeroes it and leaves the document to
// encoding/xml, which also words the errors.
func decodePlain(in string, v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct || !rv.Elem().IsZero() {
		return false
	}
	s, err := NewScanner(in)
	if err != nil {
		return false
	}
	d := &decoder{s: s, in: in}
	for {
		tok, err := s.Next()
		if err != nil {
			return false
		}
		if tok.Kind == Start {
			return d.element(rv.Elem(), tok.Name, tok.Attr) == nil
		}
	}
}

// errFallback stops a decode that met something outside its subset.
var errFallback = errors.New("xmlscan: left to encoding/xml")

type decoder struct {
	s  *Scanner
	in string
}

// next is the next token; a document that ends early is not plain.
func (d *decoder) next() (Token, error) {
	tok, err := d.s.Next()
	if err != nil {
		return Token{}, errFallback
	}
	return tok, nil
}

// element decodes the element that just started (name, attrs) into v, as
// encoding/xml's unmarshal does, and reads through its end. v is settable; attrs is
// the scanner's and valid only until the next token.
func (d *decoder) element(v reflect.Value, name string, attrs []xml.Attr) error {
	switch v.Kind() {
	case reflect.Interface:
		return errFallback
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	p := xmltags.For(v.Type())
	if p.Unmarshaler || v.CanAddr() && p.PtrUnmarshaler {
		if h := hooks[v.Type()]; h != nil && v.CanAddr() {
			return h(d, v, name, attrs)
		}
		return d.viaEncodingXML(v, name, attrs)
	}
	if p.TextUnmarshaler || v.CanAddr() && p.PtrTextUnmarshaler {
		return errFallback
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return errFallback
		}
		n := v.Len()
		v.Grow(1)
		v.SetLen(n + 1)
		if err := d.element(v.Index(n), name, attrs); err != nil {
			v.SetLen(n)
			return err
		}
		return nil
	case reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.String:
		if err := checkNames(name, attrs); err != nil {
			return err
		}
		// A simple value takes the element's character data; children are skipped.
		data, _, err := d.content(nil, nil, v, false)
		if err != nil {
			return err
		}
		return copyValue(v, data)
	case reflect.Struct:
		return d.parts(name, attrs, v)
	}
	return errFallback
}

// parts decodes the element into the fields of parts, in order, as encoding/xml
// decodes a struct that embeds each of them: each attribute into every field of its
// name, the character data into the first character-data field, each child into the
// first field of its name. It is what libvirtxml's unmarshalers do when they decode
// into a struct built around their pieces. Parts whose names would collide are left
// to encoding/xml, which resolves them by embedding depth.
func (d *decoder) parts(name string, attrs []xml.Attr, parts ...reflect.Value) error {
	var buf [3]*xmltags.Type
	plans := buf[:0]
	for _, part := range parts {
		p := xmltags.For(part.Type())
		if p.Err != nil || p.EmbeddedPointer || xmltags.IsNameType(part.Type()) {
			return errFallback
		}
		for _, prev := range plans {
			if xmltags.Collide(prev, p) {
				return errFallback
			}
		}
		plans = append(plans, p)
	}
	if err := checkNames(name, attrs); err != nil {
		return err
	}
	// The element's name, checked against the XMLName that encoding/xml finds. For
	// parts, which libvirtxml embeds, that is the first part's, and encoding/xml
	// looks for it at the same index in the embedding struct, where it finds a part
	// instead: the name is checked but not set.
	for i, part := range parts {
		p := plans[i]
		if !p.HasXMLName {
			continue
		}
		if p.Name != "" && p.Name != local(name) || p.XMLNS != "" {
			return errFallback // encoding/xml's "expected element type" error
		}
		if len(parts) > 1 {
			if len(p.XMLNameIndex) > 1 {
				return errFallback
			}
			break
		}
		fv := part.FieldByIndex(p.XMLNameIndex)
		if fv.Type() == reflect.TypeFor[xml.Name]() {
			fv.Set(reflect.ValueOf(splitName(name)))
		}
	}
	for _, a := range attrs {
		for i, part := range parts {
			for j := range plans[i].Attrs {
				f := &plans[i].Attrs[j]
				if a.Name.Local != f.Name {
					continue
				}
				if f.XMLNS != "" {
					return errFallback
				}
				if err := unmarshalAttr(part.FieldByIndex(f.Index), a.Value); err != nil {
					return err
				}
			}
		}
	}
	var saveData, saveXML reflect.Value
	for i, part := range parts {
		for j := range plans[i].Content {
			f := &plans[i].Content[j]
			switch {
			case f.Mode == xmltags.CharData && !saveData.IsValid():
				saveData = part.FieldByIndex(f.Index)
			case f.Mode == xmltags.InnerXML && !saveXML.IsValid():
				saveXML = part.FieldByIndex(f.Index)
			}
		}
	}
	if saveData.IsValid() {
		if q := xmltags.For(saveData.Type()); q.TextUnmarshaler || saveData.CanAddr() && q.PtrTextUnmarshaler {
			return errFallback
		}
	}
	if saveXML.IsValid() && saveXML.Kind() != reflect.String {
		return errFallback
	}
	data, raw, err := d.content(plans, parts, saveData, saveXML.IsValid())
	if err != nil {
		return err
	}
	if saveData.IsValid() {
		if err := copyValue(saveData, data); err != nil {
			return err
		}
	}
	if saveXML.IsValid() {
		saveXML.SetString(raw)
	}
	return nil
}

// content reads the element's content through its end: children into the fields of
// parts that match them (the rest skipped), character data gathered where wanted,
// and the content as written where raw is.
func (d *decoder) content(plans []*xmltags.Type, parts []reflect.Value, saveData reflect.Value, raw bool) (string, string, error) {
	if d.s.selfClose != "" {
		// A self-closing element: its End is the next token, and it has no content.
		if _, err := d.next(); err != nil {
			return "", "", err
		}
		return "", "", nil
	}
	from := d.s.Offset()
	var data string
	for {
		before := d.s.Offset()
		tok, err := d.next()
		if err != nil {
			return "", "", err
		}
		switch tok.Kind {
		case Start:
			consumed := false
			if parts != nil {
				consumed, err = d.path(plans, parts, nil, tok.Name, tok.Attr)
				if err != nil {
					return "", "", err
				}
			}
			if !consumed {
				if err := d.skip(); err != nil {
					return "", "", err
				}
			}
		case End:
			var rawText string
			if raw {
				rawText = d.in[from:before]
			}
			return data, rawText, nil
		case Text:
			if saveData.IsValid() {
				data += tok.Text
			}
		}
	}
}

// path matches a child element to a field, through the parents of "a>b" tags, as
// encoding/xml's unmarshalPath does.
func (d *decoder) path(plans []*xmltags.Type, parts []reflect.Value, parents []string, name string, attrs []xml.Attr) (bool, error) {
	local := local(name)
	recurse := false
	for i, part := range parts {
	fields:
		for j := range plans[i].Content {
			f := &plans[i].Content[j]
			if f.Mode != xmltags.Element || len(f.Parents) < len(parents) {
				continue
			}
			if f.XMLNS != "" {
				if f.Name == local || len(f.Parents) > len(parents) && f.Parents[len(parents)] == local {
					return false, errFallback // a namespaced field, which needs the namespace
				}
				continue
			}
			for k := range parents {
				if parents[k] != f.Parents[k] {
					continue fields
				}
			}
			if len(f.Parents) == len(parents) && f.Name == local {
				return true, d.element(part.FieldByIndex(f.Index), name, attrs)
			}
			if len(f.Parents) > len(parents) && f.Parents[len(parents)] == local {
				recurse = true
				parents = f.Parents[:len(parents)+1]
				break fields
			}
		}
		if recurse {
			break
		}
	}
	if !recurse {
		return false, nil
	}
	if err := checkNames(name, attrs); err != nil {
		return true, err
	}
	if d.s.selfClose != "" {
		_, err := d.next()
		return true, err
	}
	for {
		tok, err := d.next()
		if err != nil {
			return true, err
		}
		switch tok.Kind {
		case Start:
			consumed, err := d.path(plans, parts, parents, tok.Name, tok.Attr)
			if err != nil {
				return true, err
			}
			if !consumed {
				if err := d.skip(); err != nil {
					return true, err
				}
			}
		case End:
			return true, nil
		}
	}
}

// skip reads past the element that just started.
func (d *decoder) skip() error {
	for depth := 1; depth > 0; {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch tok.Kind {
		case Start:
			depth++
		case End:
			depth--
		}
	}
	return nil
}

// checkNames refuses what would make encoding/xml's names differ from the scanner's:
// a namespace declaration, which changes what every name below it means, and the
// reserved "xml" prefix, which encoding/xml translates.
func checkNames(name string, attrs []xml.Attr) error {
	if prefixOf(name) == "xml" {
		return errFallback
	}
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || a.Name.Space == "xml" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			return errFallback
		}
	}
	return nil
}

func prefixOf(name string) string { return splitName(name).Space }

// unmarshalAttr is encoding/xml's unmarshalAttr for the kinds copyValue sets.
func unmarshalAttr(v reflect.Value, value string) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if p := xmltags.For(v.Type()); p.AttrUnmarshaler || v.CanAddr() && p.PtrAttrUnmarshaler {
		return errFallback
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 {
		n := v.Len()
		v.Grow(1)
		v.SetLen(n + 1)
		if err := unmarshalAttr(v.Index(n), value); err != nil {
			v.SetLen(n)
			return err
		}
		return nil
	}
	if xmltags.IsAttrType(v.Type()) {
		return errFallback
	}
	return copyValue(v, value)
}

// copyValue is encoding/xml's copyValue: text into a simple value, a nil pointer
// allocated first. Text it would refuse is left to it, for its words.
func copyValue(v reflect.Value, src string) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if src == "" {
			v.SetInt(0)
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(src), 10, v.Type().Bits())
		if err != nil {
			return errFallback
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if src == "" {
			v.SetUint(0)
			return nil
		}
		n, err := strconv.ParseUint(strings.TrimSpace(src), 10, v.Type().Bits())
		if err != nil {
			return errFallback
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		if src == "" {
			v.SetFloat(0)
			return nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(src), v.Type().Bits())
		if err != nil {
			return errFallback
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(src))
		if err != nil {
			return errFallback
		}
		v.SetBool(b)
	case reflect.String:
		v.SetString(src)
	default:
		return errFallback
	}
	return nil
}

// viaEncodingXML decodes an element whose xml.Unmarshaler has no hook: encoding/xml
// reads it from the scanner's tokens, through its end, as it would inside the whole
// document (checkNames keeps the names above it free of declarations, so the
// names in it mean the same), and the decoder goes on after it.
func (d *decoder) viaEncodingXML(v reflect.Value, name string, attrs []xml.Attr) error {
	if err := checkNames(name, attrs); err != nil {
		return err
	}
	if !v.CanAddr() {
		return errFallback
	}
	sub := &subtree{d: d, first: startElement(name, attrs)}
	if err := xml.NewTokenDecoder(sub).Decode(v.Addr().Interface()); err != nil || sub.failed || sub.depth != 0 {
		return errFallback
	}
	return nil
}

// subtree hands encoding/xml one element of the scanner's document, as its tokens,
// and io.EOF after its end.
type subtree struct {
	d       *decoder
	first   xml.StartElement
	started bool
	depth   int // elements open, the first included
	failed  bool
}

func (t *subtree) Token() (xml.Token, error) {
	if !t.started {
		t.started, t.depth = true, 1
		return t.first, nil
	}
	if t.depth == 0 {
		return nil, io.EOF
	}
	tok, err := t.d.next()
	if err != nil {
		t.failed = true
		return nil, err
	}
	switch tok.Kind {
	case Start:
		t.depth++
		return startElement(tok.Name, tok.Attr), nil
	case End:
		t.depth--
		return xml.EndElement{Name: splitName(tok.Name)}, nil
	}
	return xml.CharData(tok.Text), nil
}

// eachToken hands f every token of the element's content, through its end, as
// libvirtxml's loops over d.Token() see them; f reports whether it read the element
// that a start token begins (through its end) itself.
func (d *decoder) eachToken(f func(Token) (bool, error)) error {
	for depth := 0; ; {
		tok, err := d.next()
		if err != nil {
			return err
		}
		consumed, err := f(tok)
		if err != nil {
			return err
		}
		switch {
		case consumed:
		case tok.Kind == Start:
			depth++
		case tok.Kind == End:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

func startElement(name string, attrs []xml.Attr) xml.StartElement {
	return xml.StartElement{Name: splitName(name), Attr: append([]xml.Attr(nil), attrs...)}
}
