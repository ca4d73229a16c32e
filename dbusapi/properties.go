package dbusapi

import (
	"context"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

// propertyHandler serves org.freedesktop.DBus.Properties for the object at p, with
// GDBus's checks of the interface and property names and of Set's value.
func (s *Server) propertyHandler(p place, member string) handler {
	find := func(name string) (*spec.Interface, error) {
		for _, i := range p.objs.interfaces() {
			if i.Name == name {
				return i, nil
			}
		}
		return nil, noPropertyInterface(name)
	}
	// property is the interface and property a Get or Set names.
	property := func(a args) (*spec.Interface, *spec.Property, error) {
		it, err := find(a.str(0))
		if err != nil {
			return nil, nil, err
		}
		prop := it.Property(a.str(1))
		if prop == nil {
			return nil, nil, noProperty(a.str(1))
		}
		return it, prop, nil
	}
	switch member {
	case "Get":
		return func(ctx context.Context, a args) ([]any, error) {
			it, prop, err := property(a)
			if err != nil {
				return nil, err
			}
			v, err := p.objs.get(ctx, p.elem, it, prop)
			if err != nil {
				return nil, err
			}
			return []any{dbus.MakeVariant(v)}, nil
		}
	case "GetAll":
		return func(ctx context.Context, a args) ([]any, error) {
			it, err := find(a.str(0))
			if err != nil {
				return nil, err
			}
			// libvirt-dbus wraps every value in a second variant (gdbus.c builds
			// "{sv}" from g_variant_new_variant(value)); cockpit-machines unwraps two.
			out := map[string]dbus.Variant{}
			for name, v := range p.objs.getAll(ctx, p.elem, it) {
				out[name] = dbus.MakeVariant(dbus.MakeVariant(v))
			}
			return []any{out}, nil
		}
	case "Set":
		return func(ctx context.Context, a args) ([]any, error) {
			_, prop, err := property(a)
			if err != nil {
				return nil, err
			}
			if !prop.Writable {
				return nil, notWritable(prop.Name)
			}
			v := a[2].(dbus.Variant)
			if got := v.Signature().String(); got != prop.Type {
				return nil, wrongPropertyType(prop.Name, prop.Type, got)
			}
			if err := p.objs.set(ctx, p.elem, prop, v.Value()); err != nil {
				return nil, err
			}
			s.watch.changed(p.objs, p.elem)
			return nil, nil
		}
	}
	return func(context.Context, args) ([]any, error) { return nil, noMethod(member) }
}

// peerHandler answers org.freedesktop.DBus.Peer, which godbus itself normally does.
func (s *Server) peerHandler(member string) handler {
	return func(ctx context.Context, _ args) ([]any, error) {
		if member == "GetMachineId" {
			id, err := os.ReadFile("/etc/machine-id")
			if err != nil {
				return nil, err
			}
			return []any{strings.TrimSpace(string(id))}, nil
		}
		return nil, nil
	}
}
