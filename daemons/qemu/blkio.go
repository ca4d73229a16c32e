package qemu

import (
	"context"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh blkiotune. A guest's <blkiotune> weight and per-device weights and throttles
// are its scope's IOWeight, IODeviceWeight and IORead/Write{Bandwidth,IOPS}Max
// (resources.go); they are read and changed as schedinfo's are (tune.go).

// ioWeightDefault is cgroup v2's default io.weight: a running guest's weight when its
// definition sets none.
const ioWeightDefault = 100

// blkioField is one per-device field of <blkiotune>, as a typed parameter names it.
type blkioField struct {
	param string
	get   func(d *libvirtxml.DomainBlockIOTuneDevice) *uint
}

// blkioFields are libvirt's per-device parameters, in its order.
var blkioFields = []blkioField{
	{"device_weight", func(d *libvirtxml.DomainBlockIOTuneDevice) *uint { return &d.Weight }},
	{"device_read_iops_sec", func(d *libvirtxml.DomainBlockIOTuneDevice) *uint { return &d.ReadIopsSec }},
	{"device_write_iops_sec", func(d *libvirtxml.DomainBlockIOTuneDevice) *uint { return &d.WriteIopsSec }},
	{"device_read_bytes_sec", func(d *libvirtxml.DomainBlockIOTuneDevice) *uint { return &d.ReadBytesSec }},
	{"device_write_bytes_sec", func(d *libvirtxml.DomainBlockIOTuneDevice) *uint { return &d.WriteBytesSec }},
}

// blkioParams are the parameters virTypedParamsValidate accepts.
var blkioParams = func() map[string]uint32 {
	m := map[string]uint32{"weight": rpc.ParamUInt}
	for _, f := range blkioFields {
		m[f.param] = rpc.ParamString
	}
	return m
}()

func (d *Driver) DomainGetBlkioParameters(ctx context.Context, a libvirt.DomainGetBlkioParametersArgs) (libvirt.DomainGetBlkioParametersRet, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig|uint32(libvirt.TypedParamStringOkay), "qemuDomainGetBlkioParameters"); err != nil {
		return libvirt.DomainGetBlkioParametersRet{}, err
	}
	def, running, err := d.tuned(a.Dom, a.Flags, libvirt.ErrConfigUnsupported, "Block I/O")
	if err != nil {
		return libvirt.DomainGetBlkioParametersRet{}, err
	}
	if a.Nparams == 0 {
		return libvirt.DomainGetBlkioParametersRet{Nparams: int32(1 + len(blkioFields))}, nil
	}
	var b libvirtxml.DomainBlockIOTune
	if def.BlockIOTune != nil {
		b = *def.BlockIOTune
	}
	weight := uint32(b.Weight)
	if weight == 0 && running {
		weight = ioWeightDefault
	}
	ps := []libvirt.TypedParam{rpc.Param("weight", weight)}
	for _, f := range blkioFields {
		var list []string
		for i := range b.Device {
			if v := *f.get(&b.Device[i]); v != 0 {
				list = append(list, b.Device[i].Path, strconv.FormatUint(uint64(v), 10))
			}
		}
		ps = append(ps, rpc.Param(f.param, strings.Join(list, ",")))
	}
	if a.Nparams > 0 && int(a.Nparams) < len(ps) {
		ps = ps[:a.Nparams]
	}
	return libvirt.DomainGetBlkioParametersRet{Params: ps, Nparams: int32(len(ps))}, nil
}

func (d *Driver) DomainSetBlkioParameters(ctx context.Context, a libvirt.DomainSetBlkioParametersArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig, "qemuDomainSetBlkioParameters"); err != nil {
		return struct{}{}, err
	}
	if err := rpc.ValidateParams(a.Params, blkioParams); err != nil {
		return struct{}{}, err
	}
	if err := d.checkPrivileged(libvirt.ErrConfigUnsupported, "Block I/O"); err != nil {
		return struct{}{}, err
	}
	var changes []func(b *libvirtxml.DomainBlockIOTune)
	for _, p := range a.Params {
		if p.Field == "weight" {
			w, _ := p.Value.I.(uint32)
			changes = append(changes, func(b *libvirtxml.DomainBlockIOTune) { b.Weight = uint(w) })
			continue
		}
		for _, f := range blkioFields {
			if f.param != p.Field {
				continue
			}
			s, _ := p.Value.I.(string)
			devs, err := parseBlkioDevices(f.param, s)
			if err != nil {
				return struct{}{}, err
			}
			changes = append(changes, func(b *libvirtxml.DomainBlockIOTune) { mergeBlkioDevices(b, f, devs) })
		}
	}
	_, err := d.retune(ctx, a.Dom, a.Flags, "blkio cgroup isn't mounted", func(def *libvirtxml.Domain, _ bool) error {
		if def.BlockIOTune == nil {
			def.BlockIOTune = &libvirtxml.DomainBlockIOTune{}
		}
		for _, change := range changes {
			change(def.BlockIOTune)
		}
		if def.BlockIOTune.Weight == 0 && len(def.BlockIOTune.Device) == 0 {
			def.BlockIOTune = nil
		}
		return checkBlkio(def.BlockIOTune)
	})
	return struct{}{}, err
}

// blkioValue is one path and value of a per-device parameter.
type blkioValue struct {
	path  string
	value uint
}

// parseBlkioDevices reads "path,value[,path,value...]" as libvirt's
// virDomainDriverParseBlkioDeviceStr does: weights and operations as unsigned ints,
// bytes as unsigned long longs; "" names no device.
func parseBlkioDevices(param, s string) ([]blkioValue, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts)%2 != 0 {
		return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "unable to parse blkio device '%s' '%s'", param, s)
	}
	bits := 32
	if strings.HasSuffix(param, "_bytes_sec") {
		bits = 64
	}
	var out []blkioValue
	for i := 0; i < len(parts); i += 2 {
		v, err := strconv.ParseUint(parts[i+1], 10, bits)
		if err != nil {
			return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "invalid value '%s' for parameter '%s' of device '%s'",
				strings.Join(parts[i+1:], ","), param, parts[i])
		}
		out = append(out, blkioValue{parts[i], uint(v)})
	}
	return out, nil
}

// mergeBlkioDevices sets field f of the devices in vs as virDomainDriverMergeBlkioDevice
// does: a listed device takes the new value, zero included; a new one is added unless
// its value is zero. A device left with no value at all is dropped, as libvirt leaves
// it out of the XML it writes.
func mergeBlkioDevices(b *libvirtxml.DomainBlockIOTune, f blkioField, vs []blkioValue) {
	for _, v := range vs {
		found := false
		for i := range b.Device {
			if b.Device[i].Path == v.path {
				*f.get(&b.Device[i]) = v.value
				found = true
				break
			}
		}
		if !found && v.value != 0 {
			dev := libvirtxml.DomainBlockIOTuneDevice{Path: v.path}
			*f.get(&dev) = v.value
			b.Device = append(b.Device, dev)
		}
	}
	kept := b.Device[:0]
	for _, dev := range b.Device {
		if dev != (libvirtxml.DomainBlockIOTuneDevice{Path: dev.Path}) {
			kept = append(kept, dev)
		}
	}
	b.Device = kept
}

// checkBlkio refuses what libvirt refuses in <blkiotune> (a path given twice) and the
// weights a scope cannot carry (IOWeight's range, which cgroup v2's io.weight has).
func checkBlkio(b *libvirtxml.DomainBlockIOTune) error {
	if b == nil {
		return nil
	}
	weight := func(w uint) error {
		if w > 10000 {
			return unsupported("blkio weight '%d' must be in range [1, 10000]", w)
		}
		return nil
	}
	if err := weight(b.Weight); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, dev := range b.Device {
		if dev.Path == "" {
			return unsupported("missing per-device path")
		}
		if seen[dev.Path] {
			return unsupported("duplicate blkio device path '%s'", dev.Path)
		}
		seen[dev.Path] = true
		if err := weight(dev.Weight); err != nil {
			return err
		}
	}
	return nil
}
