package dbusapi

import (
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/rpc"
)

// typedParams is a list of typed parameters as the a{sv} libvirt-dbus returns
// (virtDBusUtilTypedParamsToGVariant): the value of each field is a variant holding a
// variant, because libvirt-dbus adds g_variant_new_variant(value) under "{sv}", as
// its GetAll does. Booleans go out as b, the other types as their own.
func typedParams(ps []libvirt.TypedParam) map[string]dbus.Variant {
	out := make(map[string]dbus.Variant, len(ps))
	for _, p := range ps {
		v := p.Value.I
		if v == nil {
			continue
		}
		if p.Value.D == rpc.ParamBoolean { // an int on the wire
			b, _ := v.(int32)
			v = b != 0
		}
		out[p.Field] = dbus.MakeVariant(dbus.MakeVariant(v))
	}
	return out
}

// fromTypedParams is an a{sv} a client sent as typed parameters, each typed by its
// variant's signature as libvirt-dbus types them (virtDBusUtilGVariantToTypedParams):
// i, u, x, t, d, b and s; a variant inside the variant is looked through.
func fromTypedParams(in map[string]dbus.Variant) ([]libvirt.TypedParam, error) {
	out := make([]libvirt.TypedParam, 0, len(in))
	for field, v := range in {
		val := v.Value()
		if inner, ok := val.(dbus.Variant); ok {
			val = inner.Value()
		}
		switch x := val.(type) {
		case int32, uint32, int64, uint64, float64, bool, string:
			out = append(out, rpc.Param(field, x))
		default:
			return nil, dbus.NewError(errLibvirt, []any{fmt.Sprintf("Invalid typed parameter '%s'.", field)})
		}
	}
	return out, nil
}

// counted answers a Get*Parameters call as libvirt-dbus does: get asked for no
// parameters first, to learn how many there are, then for them all.
func counted(get func(nparams int32) ([]libvirt.TypedParam, int32, error)) ([]any, error) {
	_, n, err := get(0)
	if err != nil {
		return nil, err
	}
	ps, _, err := get(n)
	return []any{typedParams(ps)}, err
}

// setParams answers a Set*Parameters call (params a{sv}, flags u): the dictionary as
// typed parameters, handed to set.
func setParams(a args, set func(ps []libvirt.TypedParam, flags uint32) (struct{}, error)) ([]any, error) {
	ps, err := fromTypedParams(a[0].(map[string]dbus.Variant))
	if err != nil {
		return nil, err
	}
	return none(set(ps, a.u32(1)))
}
