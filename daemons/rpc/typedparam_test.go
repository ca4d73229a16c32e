package rpc

import (
	"errors"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// TestValidateParams: the refusals of libvirt's virTypedParamsValidate, code and text.
func TestValidateParams(t *testing.T) {
	keys := map[string]uint32{"hard_limit": ParamULLong, "numa_nodeset": ParamString}
	for _, c := range []struct {
		ps   []libvirt.TypedParam
		code libvirt.ErrorNumber
		msg  string
	}{
		{ps: nil},
		{ps: []libvirt.TypedParam{Param("hard_limit", uint64(1)), Param("numa_nodeset", "0")}},
		{[]libvirt.TypedParam{Param("min_guarantee", uint64(1))}, libvirt.ErrArgumentUnsupported, "parameter 'min_guarantee' not supported"},
		{[]libvirt.TypedParam{Param("hard_limit", "1")}, libvirt.ErrInvalidArg, "invalid type 'string' for parameter 'hard_limit', expected 'ullong'"},
		{[]libvirt.TypedParam{{Field: "hard_limit", Value: libvirt.TypedParamValue{D: 99}}}, libvirt.ErrInvalidArg,
			"invalid type 'unknown' for parameter 'hard_limit', expected 'ullong'"},
		{[]libvirt.TypedParam{Param("hard_limit", uint64(1)), Param("hard_limit", uint64(2))}, libvirt.ErrInvalidArg,
			"parameter 'hard_limit' occurs multiple times"},
	} {
		err := ValidateParams(c.ps, keys)
		if c.msg == "" {
			if err != nil {
				t.Errorf("ValidateParams(%v) = %v, want nil", c.ps, err)
			}
			continue
		}
		var ve *virerror.Error
		if !errors.As(err, &ve) || ve.Code != c.code || ve.Detail != c.msg {
			t.Errorf("ValidateParams(%v) = %#v, want code %d %q", c.ps, err, c.code, c.msg)
		}
	}
}
