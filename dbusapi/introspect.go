package dbusapi

import (
	"context"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

// introspect is the introspection XML of the object at p, as GDBus builds it for
// libvirt-dbus: the connection object lists its subtrees; a subtree's root
// introspects as an object of the subtree's interface and lists its objects by
// absolute path (libvirt-dbus's enumerate callbacks return full paths); an ancestor of
// the connection object lists the next node; any other path is an empty node.
func (s *Server) introspect(ctx context.Context, p place) string {
	switch {
	case p.connection():
		return spec.Introspect(s.interfacesAt(p), s.order)
	case p.isSubtreeRoot():
		var children []string
		for _, e := range p.objs.elements(ctx) {
			children = append(children, string(s.child(p.objs.node(), e)))
		}
		return spec.Introspect(s.interfacesAt(p), children)
	case p.isObject():
		return spec.Introspect(s.interfacesAt(p), nil)
	}
	return spec.Introspect(nil, p.below)
}
