package dbusapi

import (
	"context"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

// LookupObject implements dbus.Handler. Every path is answered here, so that calls of
// paths, interfaces and members that do not exist get GDBus's errors, as libvirt-dbus's
// clients see them, rather than godbus's.
func (s *Server) LookupObject(path dbus.ObjectPath) (dbus.ServerObject, bool) {
	return target{s: s, path: path}, true
}

type target struct {
	s    *Server
	path dbus.ObjectPath
}

func (t target) LookupInterface(name string) (dbus.Interface, bool) {
	return targetInterface{t: t, name: name}, true
}

type targetInterface struct {
	t    target
	name string
}

func (i targetInterface) LookupMethod(name string) (dbus.Method, bool) {
	return &invocation{t: i.t, iface: i.name, member: name}, true
}

// invocation is one method call: DecodeArguments resolves it against the tables
// (object, interface, member, signature) and Call runs it.
type invocation struct {
	t             target
	iface, member string
	run           handler
}

// handler runs a call whose arguments have been checked.
type handler func(ctx context.Context, a args) ([]any, error)

func (c *invocation) DecodeArguments(conn *dbus.Conn, sender string, msg *dbus.Message, body []any) ([]any, error) {
	var sig string
	if v, ok := msg.Headers[dbus.FieldSignature]; ok {
		if s, ok := v.Value().(dbus.Signature); ok {
			sig = s.String()
		}
	}
	run, err := c.t.s.dispatch(c.t.path, c.iface, c.member, sig)
	if err != nil {
		return nil, err
	}
	c.run = run
	return body, nil
}

func (c *invocation) Call(a ...any) ([]any, error) {
	s := c.t.s
	if s.cfg.Used != nil {
		s.used.Do(s.cfg.Used)
	}
	ret, err := c.run(s.ctx, args(a))
	if err != nil {
		return nil, libvirtError(err)
	}
	return ret, nil
}

// The rest of dbus.Method is for godbus's own argument decoding, which DecodeArguments
// replaces.
func (c *invocation) NumArguments() int     { return 0 }
func (c *invocation) NumReturns() int       { return 0 }
func (c *invocation) ArgumentValue(int) any { return nil }
func (c *invocation) ReturnValue(int) any   { return nil }

func isStandard(iface string) bool { return strings.HasPrefix(iface, "org.freedesktop.DBus.") }

// place is where a path is: the connection object, a subtree's root or one of its
// objects (objs set, elem the last path element), an ancestor of the connection
// object (below: its child node), or nowhere.
type place struct {
	objs  objects
	elem  string
	below []string
}

func (p place) isObject() bool      { return p.objs != nil }
func (p place) connection() bool    { return p.objs != nil && p.objs.node() == "" }
func (p place) isSubtreeRoot() bool { return p.objs != nil && p.objs.node() != "" && p.elem == "" }

func (s *Server) locate(path dbus.ObjectPath) place {
	p, base := string(path), string(s.path)
	if p == base {
		return place{objs: s.connect}
	}
	if rest, ok := strings.CutPrefix(p, base+"/"); ok {
		node, elem, deeper := strings.Cut(rest, "/")
		f := s.families[node]
		if f == nil || strings.Contains(elem, "/") || (deeper && elem == "") {
			return place{}
		}
		return place{objs: f, elem: elem}
	}
	if p == "/" {
		return place{below: []string{strings.Split(base, "/")[1]}}
	}
	if rest, ok := strings.CutPrefix(base, p+"/"); ok {
		return place{below: []string{strings.Split(rest, "/")[0]}}
	}
	return place{}
}

// interfacesAt are all the interfaces the object at p answers.
func (s *Server) interfacesAt(p place) []*spec.Interface {
	ifaces := append([]*spec.Interface(nil), spec.Standard...)
	if p.connection() {
		ifaces = append(ifaces, spec.ObjectManager)
	}
	return append(ifaces, p.objs.interfaces()...)
}

// dispatch finds what runs a call, or the error GDBus gives for it.
func (s *Server) dispatch(path dbus.ObjectPath, iface, member, sig string) (handler, error) {
	p := s.locate(path)
	if iface == spec.Introspectable.Name && member == "Introspect" && sig == "" {
		// GDBus answers Introspect on any path, listing what is below it.
		return func(ctx context.Context, _ args) ([]any, error) { return []any{s.introspect(ctx, p)}, nil }, nil
	}
	if !p.isObject() {
		return nil, noObject(path)
	}
	if iface == "" {
		return nil, noMethodSignature(member, "", sig)
	}
	var it *spec.Interface
	for _, i := range s.interfacesAt(p) {
		if i.Name == iface {
			it = i
		}
	}
	if it == nil {
		return nil, noInterface(iface, path)
	}
	m := it.Method(member)
	if m == nil {
		if isStandard(iface) {
			return nil, noMethodSignature(member, iface, sig)
		}
		return nil, noMethod(member)
	}
	if sig != m.InSignature() {
		if isStandard(iface) {
			return nil, noMethodSignature(member, iface, sig)
		}
		return nil, wrongSignature(sig, m.InSignature())
	}
	switch iface {
	case spec.Properties.Name:
		return s.propertyHandler(p, member), nil
	case spec.Peer.Name:
		return s.peerHandler(member), nil
	case spec.ObjectManager.Name:
		return s.watch.managedObjects, nil
	}
	return func(ctx context.Context, a args) ([]any, error) { return p.objs.call(ctx, p.elem, m, a) }, nil
}
