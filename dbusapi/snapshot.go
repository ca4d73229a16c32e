package dbusapi

import (
	"context"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/dbusapi/spec"
)

// uuidElementLen is the length of a UUID's path element, "_" and 36 characters.
const uuidElementLen = 37

// snapshotElement is a snapshot's path element as libvirt-dbus makes it: its domain's
// UUID element, "_", and the encoded snapshot name.
func snapshotElement(sn libvirt.DomainSnapshot) string {
	return uuidElement(sn.Dom.UUID) + "_" + nameElement(sn.Name)
}

func (s *Server) snapshotPath(sn libvirt.DomainSnapshot) dbus.ObjectPath {
	return s.child("domainsnapshot", snapshotElement(sn))
}

// lookupSnapshot finds the snapshot a path element names, as libvirt-dbus does: the
// first 37 characters are the domain's UUID, the rest after one more character its
// encoded name. A domain that cannot be found leaves libvirt-dbus calling
// virDomainSnapshotLookupByName with NULL, and libvirt's words for that are the answer.
func (s *Server) lookupSnapshot(ctx context.Context, elem string) (libvirt.DomainSnapshot, error) {
	if len(elem) < uuidElementLen {
		elem += strings.Repeat(" ", uuidElementLen-len(elem))
	}
	d, err := s.lookupDomain(ctx, uuidFromElement(elem[:uuidElementLen]))
	if err != nil {
		return libvirt.DomainSnapshot{}, virerror.Verbatim(libvirt.ErrInvalidDomain, virerror.FromDomain, "invalid domain pointer in virDomainSnapshotLookupByName")
	}
	name := ""
	if len(elem) > uuidElementLen+1 {
		name = nameFromElement(elem[uuidElementLen+1:])
	}
	r, err := s.cfg.Hypervisor.DomainSnapshotLookupByName(ctx, libvirt.DomainSnapshotLookupByNameArgs{Dom: d, Name: name})
	return r.Snap, err
}

// snapshotPaths are the paths of a list of snapshots.
func (s *Server) snapshotPaths(l []libvirt.DomainSnapshot) []dbus.ObjectPath {
	return paths(s, "domainsnapshot", l, snapshotElement)
}

// domainSnapshotMethods are org.libvirt.Domain's snapshot calls.
func (s *Server) domainSnapshotMethods() map[string]method[libvirt.Domain] {
	hv := s.cfg.Hypervisor
	type dom = libvirt.Domain
	return map[string]method[dom]{
		"ListDomainSnapshots": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainListAllSnapshots(ctx, libvirt.DomainListAllSnapshotsArgs{Dom: d, NeedResults: 1, Flags: a.u32(0)})
			return []any{s.snapshotPaths(r.Snapshots)}, err
		},
		"SnapshotCreateXML": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainSnapshotCreateXML(ctx, libvirt.DomainSnapshotCreateXMLArgs{Dom: d, XMLDesc: a.str(0), Flags: a.u32(1)})
			return []any{s.snapshotPath(r.Snap)}, err
		},
		"SnapshotCurrent": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainSnapshotCurrent(ctx, libvirt.DomainSnapshotCurrentArgs{Dom: d, Flags: a.u32(0)})
			return []any{s.snapshotPath(r.Snap)}, err
		},
		"SnapshotLookupByName": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainSnapshotLookupByName(ctx, libvirt.DomainSnapshotLookupByNameArgs{Dom: d, Name: a.str(0), Flags: a.u32(1)})
			return []any{s.snapshotPath(r.Snap)}, err
		},
	}
}

// snapshotObjects is CONNECT/domainsnapshot: org.libvirt.DomainSnapshot over the
// hypervisor's snapshot calls (src/domainsnapshot.c).
func (s *Server) snapshotObjects() objects {
	hv := s.cfg.Hypervisor
	type snap = libvirt.DomainSnapshot
	return &family[snap]{
		name:    "domainsnapshot",
		ifaces:  []*spec.Interface{spec.DomainSnapshot},
		resolve: s.lookupSnapshot,
		list: func(ctx context.Context) ([]string, error) {
			doms, err := hv.ConnectListAllDomains(ctx, libvirt.ConnectListAllDomainsArgs{NeedResults: 1})
			if err != nil {
				return nil, err
			}
			var elems []string
			for _, d := range doms.Domains {
				r, err := hv.DomainListAllSnapshots(ctx, libvirt.DomainListAllSnapshotsArgs{Dom: d, NeedResults: 1})
				if err != nil {
					continue // gone meanwhile, as libvirt-dbus skips it
				}
				for _, sn := range r.Snapshots {
					elems = append(elems, snapshotElement(sn))
				}
			}
			return elems, nil
		},
		methods: map[string]method[snap]{
			"Delete": func(ctx context.Context, sn snap, a args) ([]any, error) {
				return none(hv.DomainSnapshotDelete(ctx, libvirt.DomainSnapshotDeleteArgs{Snap: sn, Flags: libvirt.DomainSnapshotDeleteFlags(a.u32(0))}))
			},
			"GetParent": func(ctx context.Context, sn snap, a args) ([]any, error) {
				r, err := hv.DomainSnapshotGetParent(ctx, libvirt.DomainSnapshotGetParentArgs{Snap: sn, Flags: a.u32(0)})
				r.Snap.Dom = sn.Dom
				return []any{s.snapshotPath(r.Snap)}, err
			},
			"GetXMLDesc": func(ctx context.Context, sn snap, a args) ([]any, error) {
				r, err := hv.DomainSnapshotGetXMLDesc(ctx, libvirt.DomainSnapshotGetXMLDescArgs{Snap: sn, Flags: a.u32(0)})
				return []any{r.XML}, err
			},
			"IsCurrent": func(ctx context.Context, sn snap, a args) ([]any, error) {
				r, err := hv.DomainSnapshotIsCurrent(ctx, libvirt.DomainSnapshotIsCurrentArgs{Snap: sn, Flags: a.u32(0)})
				return []any{boolOf(r.Current)}, err
			},
			"ListChildren": func(ctx context.Context, sn snap, a args) ([]any, error) {
				r, err := hv.DomainSnapshotListAllChildren(ctx, libvirt.DomainSnapshotListAllChildrenArgs{Snapshot: sn, NeedResults: 1, Flags: a.u32(0)})
				return []any{s.snapshotPaths(r.Snapshots)}, err
			},
			"Revert": func(ctx context.Context, sn snap, a args) ([]any, error) {
				return none(hv.DomainRevertToSnapshot(ctx, libvirt.DomainRevertToSnapshotArgs{Snap: sn, Flags: a.u32(0)}))
			},
		},
	}
}
