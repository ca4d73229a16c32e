package qemu

import (
	"context"
	"encoding/xml"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh desc and metadata: a guest's <title>, <description> and the elements
// applications keep under <metadata>, one per namespace.

// The kinds of metadata (virDomainMetadataType).
const (
	metadataDescription = 0
	metadataTitle       = 1
	metadataElement     = 2
)

// eventIDMetadataChange is VIR_DOMAIN_EVENT_ID_METADATA_CHANGE.
const eventIDMetadataChange = 23

func (d *Driver) DomainGetMetadata(ctx context.Context, a libvirt.DomainGetMetadataArgs) (libvirt.DomainGetMetadataRet, error) {
	if err := checkFlags(uint32(a.Flags), affectLive|affectConfig, "qemuDomainGetMetadata"); err != nil {
		return libvirt.DomainGetMetadataRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetMetadataRet{}, err
	}
	live, _, err := dom.impact(uint32(a.Flags))
	if err != nil {
		return libvirt.DomainGetMetadataRet{}, err
	}
	dom.mu.Lock()
	def := dom.def
	if live {
		def = dom.live
	}
	dom.mu.Unlock()
	notFound := virerror.New(libvirt.ErrNoDomainMetadata, virerror.FromDomain, "metadata not found: Requested metadata element is not present")
	switch a.Type {
	case metadataDescription:
		if def.Description == "" {
			return libvirt.DomainGetMetadataRet{}, notFound
		}
		return libvirt.DomainGetMetadataRet{Metadata: def.Description}, nil
	case metadataTitle:
		if def.Title == "" {
			return libvirt.DomainGetMetadataRet{}, notFound
		}
		return libvirt.DomainGetMetadataRet{Metadata: def.Title}, nil
	case metadataElement:
		if len(a.Uri) == 0 || a.Uri[0] == "" {
			return libvirt.DomainGetMetadataRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomain, "missing namespace URI for metadata element")
		}
		var inner string
		if def.Metadata != nil {
			inner = def.Metadata.XML
		}
		for _, el := range metadataElements(inner) {
			if el.uri == a.Uri[0] {
				root, err := parseMetaElement(el.text)
				if err != nil {
					return libvirt.DomainGetMetadataRet{}, err
				}
				stripNamespace(root, el.uri)
				return libvirt.DomainGetMetadataRet{Metadata: root.String()}, nil
			}
		}
		return libvirt.DomainGetMetadataRet{}, notFound
	}
	return libvirt.DomainGetMetadataRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomain, "unknown metadata type '%d'", a.Type)
}

func (d *Driver) DomainSetMetadata(ctx context.Context, a libvirt.DomainSetMetadataArgs) (struct{}, error) {
	if err := checkFlags(uint32(a.Flags), affectLive|affectConfig, "qemuDomainSetMetadata"); err != nil {
		return struct{}{}, err
	}
	value := ""
	if len(a.Metadata) > 0 {
		value = a.Metadata[0]
	}
	uri, key := "", ""
	if len(a.Uri) > 0 {
		uri = a.Uri[0]
	}
	if len(a.Key) > 0 {
		key = a.Key[0]
	}
	var change func(def *libvirtxml.Domain) error
	switch a.Type {
	case metadataDescription:
		change = func(def *libvirtxml.Domain) error { def.Description = value; return nil }
	case metadataTitle:
		if strings.ContainsAny(value, "\n") {
			return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomain, "title can't contain newlines")
		}
		change = func(def *libvirtxml.Domain) error { def.Title = value; return nil }
	case metadataElement:
		if uri == "" {
			return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomain, "missing namespace URI for metadata element")
		}
		if value != "" && key == "" {
			return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomain, "missing key for metadata element")
		}
		var el string
		if value != "" {
			root, err := parseMetaElement(value)
			if err != nil {
				return struct{}{}, err
			}
			if err := injectNamespace(root, key, uri); err != nil {
				return struct{}{}, err
			}
			el = root.String()
		}
		change = func(def *libvirtxml.Domain) error {
			var keep []string
			if def.Metadata != nil {
				for _, e := range metadataElements(def.Metadata.XML) {
					if e.uri != uri {
						keep = append(keep, e.text)
					}
				}
			}
			if el != "" {
				keep = append(keep, el)
			}
			def.Metadata = nil
			if len(keep) > 0 {
				def.Metadata = &libvirtxml.DomainMetadata{XML: strings.Join(keep, "")}
			}
			return nil
		}
	default:
		return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomain, "unknown metadata type '%d'", a.Type)
	}
	dom, err := d.lock(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	if err := d.modify(dom, uint32(a.Flags), change); err != nil {
		return struct{}{}, err
	}
	ref := dom.ref()
	var nsuri libvirt.OptString
	if a.Type == metadataElement {
		nsuri = libvirt.OptString{uri}
	}
	d.env.Events.Publish(rpc.Event{
		Family: remote.DomainEvents, ID: eventIDMetadataChange, Key: remote.UUIDKey(ref.UUID),
		Program: remote.Program, Proc: int32(remote.DomainEventCallbackMetadataChange),
		Body: func(cb int32) any {
			return libvirt.DomainEventCallbackMetadataChangeMsg{CallbackID: cb, Dom: ref, Type: a.Type, Nsuri: nsuri}
		},
	})
	return struct{}{}, nil
}

// modify applies change to the definitions flags name (the running one, the
// persistent one), each a copy published when all succeeded: the persistent one is
// written first, the live one recorded in the status file. The caller holds the job.
func (d *Driver) modify(dom *domain, flags uint32, change func(def *libvirtxml.Domain) error) error {
	live, config, err := dom.impact(flags)
	if err != nil {
		return err
	}
	dom.mu.Lock()
	liveDef, persistentDef := dom.live, dom.def
	dom.mu.Unlock()
	var newLive, newDef *libvirtxml.Domain
	if live {
		if newLive, err = copyDefinition(liveDef); err != nil {
			return err
		}
		if err := change(newLive); err != nil {
			return err
		}
	}
	if config {
		if newDef, err = copyDefinition(persistentDef); err != nil {
			return err
		}
		if err := change(newDef); err != nil {
			return err
		}
		if err := d.saveConfig(newDef); err != nil {
			return virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
		}
	}
	dom.mu.Lock()
	if newLive != nil {
		newLive.ID = liveDef.ID
		dom.live = newLive
	}
	if newDef != nil {
		dom.def = newDef
	}
	dom.mu.Unlock()
	if newLive != nil {
		d.saveStatusLogged(dom)
	}
	return nil
}

// metadataEntry is one element under <metadata>: its namespace and its text.
type metadataEntry struct {
	uri  string
	text string
}

// metadataElements splits the inner XML of <metadata> into its elements.
func metadataElements(inner string) []metadataEntry {
	var out []metadataEntry
	dec := xml.NewDecoder(strings.NewReader("<m>" + inner + "</m>"))
	depth, start := 0, int64(0)
	uri := ""
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				start, uri = off, t.Name.Space
			}
		case xml.EndElement:
			if depth == 2 {
				end := dec.InputOffset()
				text := ("<m>" + inner + "</m>")[start:end]
				out = append(out, metadataEntry{uri: uri, text: text})
			}
			depth--
		}
	}
	return out
}
