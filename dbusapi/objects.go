package dbusapi

import (
	"context"
	"strings"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

// objects is one kind of object the API serves: the connection object, or one of the
// subtrees under it (CONNECT/domain, CONNECT/network, ...). As in libvirt-dbus, the
// objects of a subtree are not registered one by one: a path's last element says which
// object it is, and every call looks the object up again through the driver.
type objects interface {
	// node is the subtree's path element ("domain"), "" for the connection object.
	node() string
	// interfaces are the object's own interfaces: libvirt-dbus's, then virtunit's.
	interfaces() []*spec.Interface
	// exists says whether elem names an object the driver has.
	exists(ctx context.Context, elem string) bool
	call(ctx context.Context, elem string, m *spec.Method, a args) ([]any, error)
	get(ctx context.Context, elem string, iface *spec.Interface, p *spec.Property) (any, error)
	// getAll returns the properties of iface that can be read now, as libvirt-dbus's
	// GetAll does: an object that does not exist has none.
	getAll(ctx context.Context, elem string, iface *spec.Interface) map[string]any
	set(ctx context.Context, elem string, p *spec.Property, v any) error
	// elements lists the path elements of the objects that exist.
	elements(ctx context.Context) []string
}

type (
	method[T any] func(ctx context.Context, obj T, a args) ([]any, error)
	getter[T any] func(ctx context.Context, obj T) (any, error)
	setter[T any] func(ctx context.Context, obj T, v any) error
)

// family implements objects for objects of type T (a libvirt.Domain, a
// libvirt.Network, ...) from tables of handlers. A member without a handler is a
// libvirt call the drivers do not implement: it answers "not supported", after the
// object's lookup, as libvirt-dbus's call of a missing driver entry point would.
type family[T any] struct {
	name    string
	ifaces  []*spec.Interface
	resolve func(ctx context.Context, elem string) (T, error)
	list    func(ctx context.Context) ([]string, error)
	methods map[string]method[T]
	props   map[*spec.Interface]map[string]getter[T]
	setters map[string]setter[T]
}

func (f *family[T]) node() string                  { return f.name }
func (f *family[T]) interfaces() []*spec.Interface { return f.ifaces }

func (f *family[T]) exists(ctx context.Context, elem string) bool {
	_, err := f.resolve(ctx, elem)
	return err == nil
}

func (f *family[T]) call(ctx context.Context, elem string, m *spec.Method, a args) ([]any, error) {
	obj, err := f.resolve(ctx, elem)
	if err != nil {
		return nil, err
	}
	h := f.methods[m.Name]
	if h == nil {
		return nil, missing(m, a)
	}
	return h(ctx, obj, a)
}

// missing is the answer of a call whose libvirt function no driver implements. The
// ...ByUUIDString lookups parse their argument first and then fail in the function
// they call, ...ByUUID, as libvirt's public API does.
func missing(m *spec.Method, a args) error {
	if fn, ok := strings.CutSuffix(m.Func, "String"); ok && strings.HasSuffix(fn, "ByUUID") {
		if _, valid := parseUUID(a.str(0)); !valid {
			return invalidUUID(m.Func)
		}
		return notSupported(fn)
	}
	return notSupported(m.Func)
}

func (f *family[T]) get(ctx context.Context, elem string, iface *spec.Interface, p *spec.Property) (any, error) {
	obj, err := f.resolve(ctx, elem)
	if err != nil {
		return nil, err
	}
	g := f.props[iface][p.Name]
	if g == nil {
		return nil, notSupported(p.Func)
	}
	return g(ctx, obj)
}

func (f *family[T]) getAll(ctx context.Context, elem string, iface *spec.Interface) map[string]any {
	out := map[string]any{}
	obj, err := f.resolve(ctx, elem)
	if err != nil {
		return out
	}
	for i := range iface.Properties {
		if g := f.props[iface][iface.Properties[i].Name]; g != nil {
			if v, err := g(ctx, obj); err == nil {
				out[iface.Properties[i].Name] = v
			}
		}
	}
	return out
}

func (f *family[T]) set(ctx context.Context, elem string, p *spec.Property, v any) error {
	obj, err := f.resolve(ctx, elem)
	if err != nil {
		return err
	}
	s := f.setters[p.Name]
	if s == nil {
		return notSupported(p.Func)
	}
	return s(ctx, obj, v)
}

func (f *family[T]) elements(ctx context.Context) []string {
	if f.list == nil {
		return nil
	}
	elems, err := f.list(ctx)
	if err != nil {
		return nil
	}
	return elems
}

// merge adds the handlers of m to into: the tables of one interface come from several
// drivers (Connect's domain calls from the hypervisor, its network calls from the
// network driver).
func merge[T any](into map[string]method[T], m map[string]method[T]) {
	for k, v := range m {
		into[k] = v
	}
}
