package qemu

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/xmlscan"
)

// maxXML bounds a definition; libvirt's own limit on an XML string is the RPC
// string limit, far above any real domain.
const maxXML = 4 << 20

// decodeDomain parses a domain definition the way libvirt's virDomainDefParseString
// reports trouble: a document that is not well-formed names the line (VIR_ERR_XML_DETAIL),
// a wrong root element or a value of the wrong type is an XML error (VIR_ERR_XML_ERROR).
// Elements libvirtxml knows but the driver does not act on stay in the definition.
func decodeDomain(text string) (*libvirtxml.Domain, error) {
	if len(text) > maxXML {
		return nil, virerror.New(libvirt.ErrXMLError, virerror.FromXML, "domain XML of %d bytes is too large", len(text))
	}
	def := &libvirtxml.Domain{}
	err := xmlscan.Unmarshal(text, def)
	// Only a document that fails to decode, or might have trailing garbage after
	// its root element, is read again for libvirt's wording of the trouble.
	if err != nil || !strings.HasSuffix(strings.TrimSpace(text), "</domain>") {
		if rerr := checkRoot(text); rerr != nil {
			return nil, rerr
		}
	}
	if err != nil {
		return nil, xmlValueError(err)
	}
	return def, nil
}

// checkRoot reads the whole document once to find syntax errors and the root element.
func checkRoot(text string) error {
	dec := xml.NewDecoder(strings.NewReader(text))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return virerror.New(libvirt.ErrXMLDetail, virerror.FromDomain, "(domain_definition):%d: %s", se.Line, se.Msg)
			}
			return virerror.New(libvirt.ErrXMLDetail, virerror.FromDomain, "(domain_definition): %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	switch root {
	case "":
		return virerror.New(libvirt.ErrXMLDetail, virerror.FromDomain, "(domain_definition):1: Document is empty")
	case "domain":
		return nil
	}
	return virerror.New(libvirt.ErrXMLError, virerror.FromXML, "expecting root element of 'domain', not '%s'", root)
}

func xmlValueError(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromXML, "Invalid value '%s' for element or attribute expecting a number", ne.Num)
	}
	return virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromXML, "%v", err)
}

// checkName refuses names that cannot safely be a file name: the driver stores
// NAME.xml, NAME.log and a domain-ID-NAME directory. libvirt refuses only '/'; virtunit
// also refuses the names that make those paths mean something else ('.', '..', a
// leading '-' that tools read as an option, control characters).
func checkName(name string) error {
	bad := func(why string) error {
		return virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "name %s %s", name, why)
	}
	switch {
	case name == "":
		return virerror.New(libvirt.ErrNoName, virerror.FromDomain, "")
	case strings.ContainsRune(name, '/'):
		return bad("cannot contain '/'")
	case name == "." || name == "..":
		return bad("cannot be '.' or '..'")
	case name[0] == '-':
		return bad("cannot start with '-'")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return bad("cannot contain control characters")
	case len(name) > 255:
		return bad("is longer than 255 bytes")
	}
	return nil
}
