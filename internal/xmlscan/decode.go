package xmlscan

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
)

// rawElements are the elements libvirtxml keeps as raw XML (a field tagged
// ",innerxml": a domain's or network's <metadata>, a snapshot's <cookie>).
// encoding/xml fills such a field only from its own reader, so Unmarshal cuts these
// elements' content out of the token stream and sets the field itself.
var rawElements = []string{"metadata", "cookie"}

// Unmarshal decodes the root element of a document into v, a pointer to a struct, as
// xml.Unmarshal does. A plain document is decoded by decodePlain, straight from a
// Scanner by per-type plans; one it leaves is decoded by encoding/xml from the
// Scanner's tokens (the tokenizer is where encoding/xml spends a third of its time on
// libvirt's documents); any other, or one that turns out not to be plain part way, is
// decoded again by encoding/xml from scratch, so the result and the errors are always
// encoding/xml's.
func Unmarshal(in string, v any) error {
	if decodePlain(in, v) {
		return nil
	}
	if s, err := NewScanner(in); err == nil {
		reflect.ValueOf(v).Elem().SetZero()
		t := &tokens{s: s, in: in, data: []byte(in)}
		err := xml.NewTokenDecoder(t).Decode(v)
		if !errors.Is(err, ErrNotPlain) && (err != nil || t.setRaw(v)) {
			return err
		}
		reflect.ValueOf(v).Elem().SetZero()
	}
	return xml.Unmarshal([]byte(in), v)
}

// tokens turns a Scanner into encoding/xml's tokens, with what RawToken would give:
// names split at the colon and not yet translated, a StartElement and an EndElement
// for a self-closing element, every piece of character data. data is a copy of the
// document that character data is sliced from.
type tokens struct {
	s     *Scanner
	in    string
	data  []byte
	depth int
	raw   []rawElement // the root's raw elements, in order
}

// rawElement is the content, as written, of a root element's child in rawElements.
type rawElement struct {
	name, inner string
}

func (t *tokens) Token() (xml.Token, error) {
	tok, err := t.s.Next()
	if err != nil {
		return nil, err
	}
	switch tok.Kind {
	case Start:
		name := splitName(tok.Name)
		attr := make([]xml.Attr, len(tok.Attr))
		copy(attr, tok.Attr)
		t.depth++
		if isRaw(name.Local) {
			if t.depth != 2 {
				return nil, ErrNotPlain // not where Unmarshal can put it back
			}
			if err := t.skipContent(tok.Name); err != nil {
				return nil, err
			}
		}
		return xml.StartElement{Name: name, Attr: attr}, nil
	case End:
		t.depth--
		return xml.EndElement{Name: splitName(tok.Name)}, nil
	default:
		end := t.s.Offset()
		if raw := t.data[end-len(tok.Text) : end]; string(raw) == tok.Text {
			return xml.CharData(raw), nil
		}
		return xml.CharData(tok.Text), nil
	}
}

// skipContent reads past the content of the raw element that just started, up to
// (not including) its end, and records the content as written.
func (t *tokens) skipContent(name string) error {
	from := t.s.Offset()
	if t.s.selfClose != "" {
		t.raw = append(t.raw, rawElement{name: name})
		return nil
	}
	for depth := 0; ; {
		before := t.s.Offset()
		tok, err := t.s.Next()
		if err != nil {
			return err
		}
		switch {
		case tok.Kind == Start: // a self-closing one's End follows
			depth++
		case tok.Kind == End && depth == 0:
			t.raw = append(t.raw, rawElement{name: name, inner: t.in[from:before]})
			// Hand the end back: the decoder sees the element, empty.
			t.s.selfClose = name
			return nil
		case tok.Kind == End:
			depth--
		}
	}
}

func isRaw(local string) bool {
	for _, r := range rawElements {
		if local == r {
			return true
		}
	}
	return false
}

// setRaw puts each raw element's content into the innerxml field of the root field it
// decoded into. It reports false where the shapes do not line up (the element twice,
// no such field), and Unmarshal then leaves the document to encoding/xml.
func (t *tokens) setRaw(v any) bool {
	if len(t.raw) == 0 {
		return true
	}
	root := reflect.ValueOf(v).Elem()
	if root.Kind() != reflect.Struct {
		return false
	}
	seen := map[string]bool{}
	for _, r := range t.raw {
		local := r.name[strings.IndexByte(r.name, ':')+1:]
		if seen[local] {
			return false
		}
		seen[local] = true
		f, ok := fieldFor(root, local)
		if !ok {
			return false
		}
		f.SetString(r.inner)
	}
	return true
}

// fieldFor finds the innerxml string field of the struct that root's field for
// element local decoded into.
func fieldFor(root reflect.Value, local string) (reflect.Value, bool) {
	rt := root.Type()
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("xml"), ",")
		if _, l, ok := strings.Cut(name, " "); ok {
			name = l // "namespace local"
		}
		if name != local {
			continue
		}
		f := root.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				return reflect.Value{}, false
			}
			f = f.Elem()
		}
		if f.Kind() != reflect.Struct {
			return reflect.Value{}, false
		}
		ft := f.Type()
		for j := 0; j < ft.NumField(); j++ {
			if ft.Field(j).Tag.Get("xml") == ",innerxml" && ft.Field(j).Type.Kind() == reflect.String {
				return f.Field(j), true
			}
		}
		return reflect.Value{}, false
	}
	return reflect.Value{}, false
}

var _ xml.TokenReader = (*tokens)(nil)
