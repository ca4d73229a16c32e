package dbusapi

import (
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
