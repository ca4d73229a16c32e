package qemu

import (
	"context"
	"errors"
	"reflect"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/units"
)

// virsh schedinfo and memtune. A guest's <cputune> shares and global period and quota,
// and its <memtune> hard and soft limits, are the limits of its scope (resources.go).
// Reading them reads the definition; changing them changes the definition and, on a
// running guest, its unit in place through the realizer, which is what libvirt does
// to the guest's cgroup. The vCPU, emulator and I/O thread bandwidths libvirt also
// lists read as libvirt reads a group without a quota, and cannot be set: a scope has
// no sub-groups to carry them, so checkTunes refuses them at define as well.

const (
	// cgroupPeriod is the CPU bandwidth period of a group that sets none, in µs.
	cgroupPeriod = 100000
	// quotaNone is what libvirt reports for a cgroup v2 group without a quota ("max"
	// in cpu.max): VIR_CGROUP_CPU_QUOTA_MAX, the kernel's largest bandwidth.
	quotaNone = 17592186044415
	// cgroupWeight is cgroup v2's default cpu.weight: a running guest's shares when its
	// definition sets none.
	cgroupWeight = 100
	// memoryUnlimited is VIR_DOMAIN_MEMORY_PARAM_UNLIMITED, in KiB.
	memoryUnlimited = 9007199254740991

	// The bounds of libvirt's SCHED_RANGE_CHECK.
	periodMin, periodMax = 1000, 1000000
	quotaMin, quotaMax   = 1000, quotaNone
)

// schedParams are libvirt's scheduler parameters, in its order, and their types.
var schedParams = map[string]uint32{
	"cpu_shares": rpc.ParamULLong, "vcpu_period": rpc.ParamULLong, "vcpu_quota": rpc.ParamLLong,
	"emulator_period": rpc.ParamULLong, "emulator_quota": rpc.ParamLLong,
	"global_period": rpc.ParamULLong, "global_quota": rpc.ParamLLong,
	"iothread_period": rpc.ParamULLong, "iothread_quota": rpc.ParamLLong,
}

// memoryParams are libvirt's memory parameters, each in KiB.
var memoryParams = map[string]uint32{"hard_limit": rpc.ParamULLong, "soft_limit": rpc.ParamULLong, "swap_hard_limit": rpc.ParamULLong}

// checkPrivileged refuses tuning in session mode, where libvirt has no cgroups to
// tune, with the code libvirt's call gives.
func (d *Driver) checkPrivileged(code libvirt.ErrorNumber, what string) error {
	if !d.privileged {
		return virerror.New(code, virerror.FromQEMU, "%s tuning is not available in session mode", what)
	}
	return nil
}

func (d *Driver) DomainGetSchedulerType(ctx context.Context, a libvirt.DomainGetSchedulerTypeArgs) (libvirt.DomainGetSchedulerTypeRet, error) {
	if _, err := d.get(a.Dom); err != nil {
		return libvirt.DomainGetSchedulerTypeRet{}, err
	}
	if err := d.checkPrivileged(libvirt.ErrOperationUnsupported, "CPU"); err != nil {
		return libvirt.DomainGetSchedulerTypeRet{}, err
	}
	return libvirt.DomainGetSchedulerTypeRet{Type: "posix", Nparams: int32(len(schedParams))}, nil
}

func (d *Driver) DomainGetSchedulerParameters(ctx context.Context, a libvirt.DomainGetSchedulerParametersArgs) (libvirt.DomainGetSchedulerParametersRet, error) {
	ps, err := d.schedulerParameters(a.Dom, a.Nparams, 0)
	return libvirt.DomainGetSchedulerParametersRet{Params: ps}, err
}

func (d *Driver) DomainGetSchedulerParametersFlags(ctx context.Context, a libvirt.DomainGetSchedulerParametersFlagsArgs) (libvirt.DomainGetSchedulerParametersFlagsRet, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig|uint32(libvirt.TypedParamStringOkay), "qemuDomainGetSchedulerParametersFlags"); err != nil {
		return libvirt.DomainGetSchedulerParametersFlagsRet{}, err
	}
	ps, err := d.schedulerParameters(a.Dom, a.Nparams, a.Flags)
	return libvirt.DomainGetSchedulerParametersFlagsRet{Params: ps}, err
}

// tuned is the definition a tuning query reads: the persistent one when flags say
// config, else the current one; running says whether that is a running guest's.
func (d *Driver) tuned(ref libvirt.Domain, flags uint32, code libvirt.ErrorNumber, what string) (def *libvirtxml.Domain, running bool, err error) {
	dom, err := d.get(ref)
	if err != nil {
		return nil, false, err
	}
	if err := d.checkPrivileged(code, what); err != nil {
		return nil, false, err
	}
	live, config, err := dom.impact(flags)
	if err != nil {
		return nil, false, err
	}
	v := dom.view()
	if config {
		return v.persistent, false, nil
	}
	return v.def, live, nil
}

// schedulerParameters are the first nparams of libvirt's scheduler parameters.
func (d *Driver) schedulerParameters(ref libvirt.Domain, nparams int32, flags uint32) ([]libvirt.TypedParam, error) {
	def, running, err := d.tuned(ref, flags, libvirt.ErrConfigUnsupported, "CPU")
	if err != nil {
		return nil, err
	}
	var t libvirtxml.DomainCPUTune
	if def.CPUTune != nil {
		t = *def.CPUTune
	}
	shares := uint64(0)
	if t.Shares != nil {
		shares = uint64(t.Shares.Value)
	} else if running {
		shares = cgroupWeight
	}
	period := func(p *libvirtxml.DomainCPUTunePeriod) libvirt.TypedParam {
		v := uint64(0)
		switch {
		case p != nil && p.Value != 0:
			v = p.Value
		case running:
			v = cgroupPeriod
		}
		return libvirt.TypedParam{Value: libvirt.TypedParamValue{D: rpc.ParamULLong, I: v}}
	}
	quota := func(q *libvirtxml.DomainCPUTuneQuota) libvirt.TypedParam {
		v := int64(0)
		switch {
		case q != nil && q.Value > 0:
			v = q.Value
		case running:
			v = quotaNone
		case q != nil: // a lifted quota, as the configuration says it
			v = q.Value
		}
		return libvirt.TypedParam{Value: libvirt.TypedParamValue{D: rpc.ParamLLong, I: v}}
	}
	ps := []libvirt.TypedParam{rpc.Param("cpu_shares", shares),
		period(t.Period), quota(t.Quota), period(t.EmulatorPeriod), quota(t.EmulatorQuota),
		period(t.GlobalPeriod), quota(t.GlobalQuota), period(t.IOThreadPeriod), quota(t.IOThreadQuota)}
	for i, name := range []string{"vcpu_period", "vcpu_quota", "emulator_period", "emulator_quota",
		"global_period", "global_quota", "iothread_period", "iothread_quota"} {
		ps[i+1].Field = name
	}
	if nparams >= 0 && int(nparams) < len(ps) {
		ps = ps[:nparams]
	}
	return ps, nil
}

func (d *Driver) DomainSetSchedulerParameters(ctx context.Context, a libvirt.DomainSetSchedulerParametersArgs) (struct{}, error) {
	return struct{}{}, d.setSchedulerParameters(ctx, a.Dom, a.Params, 0)
}

func (d *Driver) DomainSetSchedulerParametersFlags(ctx context.Context, a libvirt.DomainSetSchedulerParametersFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig, "qemuDomainSetSchedulerParametersFlags"); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.setSchedulerParameters(ctx, a.Dom, a.Params, a.Flags)
}

// setSchedulerParameters changes shares and the global bandwidth as libvirt does: a
// zero period or quota leaves a running guest's as it is (and clears the
// configuration's), a negative quota lifts it.
func (d *Driver) setSchedulerParameters(ctx context.Context, ref libvirt.Domain, ps []libvirt.TypedParam, flags uint32) error {
	if err := rpc.ValidateParams(ps, schedParams); err != nil {
		return err
	}
	if err := d.checkPrivileged(libvirt.ErrConfigUnsupported, "CPU"); err != nil {
		return err
	}
	var sets []func(t *libvirtxml.DomainCPUTune, live bool)
	var event []libvirt.TypedParam
	for _, p := range ps {
		switch p.Field {
		case "cpu_shares":
			v, _ := p.Value.I.(uint64)
			if v < 1 || v > 10000 {
				return virerror.New(libvirt.ErrInvalidArg, virerror.FromCgroup, "shares '%d' must be in range [1, 10000]", v)
			}
			sets = append(sets, func(t *libvirtxml.DomainCPUTune, _ bool) { t.Shares = &libvirtxml.DomainCPUTuneShares{Value: uint(v)} })
			event = append(event, rpc.Param("cputune.cpu_shares", v))
		case "global_period":
			v, _ := p.Value.I.(uint64)
			if v != 0 && v < periodMin || v > periodMax {
				return errOutOfRange(p.Field, periodMin, periodMax)
			}
			sets = append(sets, func(t *libvirtxml.DomainCPUTune, live bool) {
				switch {
				case v != 0:
					t.GlobalPeriod = &libvirtxml.DomainCPUTunePeriod{Value: v}
				case !live:
					t.GlobalPeriod = nil
				}
			})
			if v != 0 {
				event = append(event, rpc.Param("cputune.global_period", v))
			}
		case "global_quota":
			v, _ := p.Value.I.(int64)
			if v > 0 && v < quotaMin || v > quotaMax {
				return errOutOfRange(p.Field, quotaMin, quotaMax)
			}
			sets = append(sets, func(t *libvirtxml.DomainCPUTune, live bool) {
				switch {
				case v != 0:
					t.GlobalQuota = &libvirtxml.DomainCPUTuneQuota{Value: v}
				case !live:
					t.GlobalQuota = nil
				}
			})
			if v != 0 {
				event = append(event, rpc.Param("cputune.global_quota", v))
			}
		default: // the vCPU, emulator and I/O thread bandwidths
			if p.Value.I != uint64(0) && p.Value.I != int64(0) {
				return unsupported("<cputune> supports only <shares>, <global_period> and <global_quota> in virtunit yet")
			}
		}
	}
	live, err := d.retune(ctx, ref, flags, "cgroup CPU controller is not mounted", func(def *libvirtxml.Domain, live bool) error {
		if def.CPUTune == nil {
			def.CPUTune = &libvirtxml.DomainCPUTune{}
		}
		for _, set := range sets {
			set(def.CPUTune, live)
		}
		if reflect.ValueOf(*def.CPUTune).IsZero() {
			def.CPUTune = nil
		}
		return nil
	})
	if err == nil && live && len(event) > 0 {
		d.publishTunable(ref, event)
	}
	return err
}

// errOutOfRange is SCHED_RANGE_CHECK's refusal.
func errOutOfRange(field string, lo, hi int64) error {
	return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "value of '%s' is out of range [%d, %d]", field, lo, hi)
}

func (d *Driver) DomainGetMemoryParameters(ctx context.Context, a libvirt.DomainGetMemoryParametersArgs) (libvirt.DomainGetMemoryParametersRet, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig|uint32(libvirt.TypedParamStringOkay), "qemuDomainGetMemoryParameters"); err != nil {
		return libvirt.DomainGetMemoryParametersRet{}, err
	}
	def, _, err := d.tuned(a.Dom, a.Flags, libvirt.ErrOperationUnsupported, "Memory")
	if err != nil {
		return libvirt.DomainGetMemoryParametersRet{}, err
	}
	if a.Nparams == 0 {
		return libvirt.DomainGetMemoryParametersRet{Nparams: int32(len(memoryParams))}, nil
	}
	var m libvirtxml.DomainMemoryTune
	if def.MemoryTune != nil {
		m = *def.MemoryTune
	}
	ps := []libvirt.TypedParam{rpc.Param("hard_limit", limitKiB(m.HardLimit)), rpc.Param("soft_limit", limitKiB(m.SoftLimit)),
		rpc.Param("swap_hard_limit", limitKiB(m.SwapHardLimit))}
	if a.Nparams > 0 && int(a.Nparams) < len(ps) {
		ps = ps[:a.Nparams]
	}
	return libvirt.DomainGetMemoryParametersRet{Params: ps, Nparams: int32(len(ps))}, nil
}

// limitKiB is a <memtune> limit in KiB, memoryUnlimited for none.
func limitKiB(l *libvirtxml.DomainMemoryTuneLimit) uint64 {
	if b := tuneBytes(l); b != 0 {
		return b / 1024
	}
	return memoryUnlimited
}

func (d *Driver) DomainSetMemoryParameters(ctx context.Context, a libvirt.DomainSetMemoryParametersArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig, "qemuDomainSetMemoryParameters"); err != nil {
		return struct{}{}, err
	}
	if err := rpc.ValidateParams(a.Params, memoryParams); err != nil {
		return struct{}{}, err
	}
	if err := d.checkPrivileged(libvirt.ErrOperationUnsupported, "Memory"); err != nil {
		return struct{}{}, err
	}
	limits := map[string]*libvirtxml.DomainMemoryTuneLimit{}
	for _, p := range a.Params {
		kib, _ := p.Value.I.(uint64)
		if kib > memoryUnlimited {
			return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromCgroup, "Memory '%d' must be less than %d", kib, uint64(memoryUnlimited))
		}
		if p.Field == "swap_hard_limit" && kib != memoryUnlimited {
			return struct{}{}, unsupported("<memtune><swap_hard_limit> is not supported by virtunit yet")
		}
		limits[p.Field] = nil
		if kib != memoryUnlimited {
			limits[p.Field] = &libvirtxml.DomainMemoryTuneLimit{Value: kib, Unit: "KiB"}
		}
	}
	_, err := d.retune(ctx, a.Dom, a.Flags, "cgroup memory controller is not mounted", func(def *libvirtxml.Domain, _ bool) error {
		if def.MemoryTune == nil {
			def.MemoryTune = &libvirtxml.DomainMemoryTune{}
		}
		for field, l := range limits {
			switch field {
			case "hard_limit":
				def.MemoryTune.HardLimit = l
			case "soft_limit":
				def.MemoryTune.SoftLimit = l
			case "swap_hard_limit":
				def.MemoryTune.SwapHardLimit = l
			}
		}
		if *def.MemoryTune == (libvirtxml.DomainMemoryTune{}) {
			def.MemoryTune = nil
		}
		return nil
	})
	return struct{}{}, err
}

// retune applies change to the definitions flags name, under the guest's job. On a
// running guest the new limits reach its unit first, so that a unit that refuses them
// leaves both definitions as they were; a realizer without cgroups is refused with
// libvirt's words for a missing controller, noController. It reports whether the
// running guest was changed.
func (d *Driver) retune(ctx context.Context, ref libvirt.Domain, flags uint32, noController string, change func(def *libvirtxml.Domain, live bool) error) (bool, error) {
	dom, err := d.lock(ref)
	if err != nil {
		return false, err
	}
	defer dom.job.Unlock()
	live, config, err := dom.impact(flags)
	if err != nil {
		return false, err
	}
	if live {
		v := dom.view()
		next, err := copyDefinition(v.def)
		if err != nil {
			return false, err
		}
		if err := change(next, true); err != nil {
			return false, err
		}
		if err := d.units.SetLimits(ctx, v.run.unit, d.guestResources(next)); err != nil {
			switch {
			case errors.Is(err, units.ErrUnsupported):
				return false, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "%s", noController)
			case errors.Is(err, units.ErrNotFound):
				return false, errNotRunning()
			}
			return false, virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromQEMU, "%v", err)
		}
		if err := d.modify(dom, affectLive, func(def *libvirtxml.Domain) error { return change(def, true) }); err != nil {
			return false, err
		}
	}
	if config {
		if err := d.modify(dom, affectConfig, func(def *libvirtxml.Domain) error { return change(def, false) }); err != nil {
			return false, err
		}
	}
	return live, nil
}

// eventIDTunable is VIR_DOMAIN_EVENT_ID_TUNABLE.
const eventIDTunable = 17

// publishTunable tells clients of a running guest's new tunables, as libvirt does
// after a live schedinfo change.
func (d *Driver) publishTunable(ref libvirt.Domain, ps []libvirt.TypedParam) {
	dom, err := d.get(ref)
	if err != nil {
		return
	}
	ref = dom.ref()
	d.env.Events.Publish(rpc.Event{
		Family: remote.DomainEvents, ID: eventIDTunable, Key: remote.UUIDKey(ref.UUID),
		Program: remote.Program, Proc: int32(remote.DomainEventCallbackTunable),
		Body: func(cb int32) any {
			return libvirt.DomainEventCallbackTunableMsg{CallbackID: cb, Dom: ref, Params: ps}
		},
	})
}
