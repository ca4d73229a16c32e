package transient

import (
	"fmt"
	"math"
	"strconv"
	"syscall"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/units"
)

// property is one StartTransientUnit property, with what to do when the manager does
// not know it (older systemd answers PropertyReadOnly): fail, drop it, or send another.
type property struct {
	sddbus.Property
	optional bool             // drop it rather than fail
	instead  *sddbus.Property // send this one instead (implies optional)
}

func prop(name string, v any) property {
	return property{Property: sddbus.Property{Name: name, Value: dbus.MakeVariant(v)}}
}

func optional(p property) property {
	p.optional = true
	return p
}

// execCommand is one entry of ExecStart/ExecStop, D-Bus type (sasb).
type execCommand struct {
	Path string
	Argv []string
	// IgnoreFailure is systemd's '-' prefix: a failing command is not a failure. It is
	// always false here; go-systemd's PropExecStart misnames this flag.
	IgnoreFailure bool
}

// The typed builders for what go-systemd lacks, written once.

func propExec(name, path string, argv []string) property {
	return prop(name, []execCommand{{Path: path, Argv: argv}})
}
func propDelegate(b bool) property             { return prop("Delegate", b) }
func propKillMode(m units.KillMode) property   { return prop("KillMode", string(m)) }
func propRestart(r units.Restart) property     { return prop("Restart", restartWord(r)) }
func propRestartUSec(d time.Duration) property { return prop("RestartUSec", usec(d)) }
func propTimeoutStopUSec(d time.Duration) property {
	return prop("TimeoutStopUSec", usec(d))
}
func propCollectMode(m string) property        { return optional(prop("CollectMode", m)) }
func propAddRef(b bool) property               { return optional(prop("AddRef", b)) }
func propEnvironment(env []string) property    { return prop("Environment", env) }
func propWorkingDirectory(dir string) property { return prop("WorkingDirectory", dir) }
func propTasksMax(n uint64) property           { return prop("TasksMax", n) }
func propPartOf(names []string) property       { return prop("PartOf", names) }
func propUser(uid uint32) property             { return prop("User", strconv.FormatUint(uint64(uid), 10)) }
func propGroup(gid uint32) property            { return prop("Group", strconv.FormatUint(uint64(gid), 10)) }

// propStopSignal is the signal a stop of the unit sends its processes. A scope gets
// SIGCONT, which changes nothing, instead of SIGTERM, at which QEMU quits at once: the
// stop shows as the scope deactivating, which the realizer reports as StopRequested,
// and its owner shuts the guest down (or, for its own Stop, sends SIGTERM), with
// systemd's SIGKILL after TimeoutStopUSec as the backstop. A Controller= bus name
// would do the same only until the daemon restarts: systemd drops a controller that
// leaves the bus and accepts one only when the scope is created.
func propStopSignal(sig syscall.Signal) property { return prop("KillSignal", int32(sig)) }

// propPIDFDs names the scope's process by pidfd (race-free, systemd >= 253), falling back
// to its pid.
func propPIDFDs(fd int, pid int) property {
	p := prop("PIDFDs", []dbus.UnixFD{dbus.UnixFD(fd)})
	pids := sddbus.PropPids(uint32(pid))
	p.instead = &pids
	return p
}

func propSupplementaryGroups(gids []uint32) property {
	names := make([]string, len(gids))
	for i, g := range gids {
		names[i] = strconv.FormatUint(uint64(g), 10)
	}
	return prop("SupplementaryGroups", names)
}

// propLimits sets Limit<R> (hard) and Limit<R>Soft for each rlimit.
func propLimits(limits []units.Rlimit) []property {
	var out []property
	for _, l := range limits {
		out = append(out, prop("Limit"+l.Resource.String(), l.Hard), prop("Limit"+l.Resource.String()+"Soft", l.Soft))
	}
	return out
}

// propExtraFileDescriptors passes fds to a service (systemd >= 257); not optional, as
// the process would run without them.
func propExtraFileDescriptors(fds []int) property {
	type namedFD struct {
		FD   dbus.UnixFD
		Name string
	}
	v := make([]namedFD, len(fds))
	for i, fd := range fds {
		v[i] = namedFD{dbus.UnixFD(fd), fmt.Sprintf("fd%d", i+3)}
	}
	return prop("ExtraFileDescriptors", v)
}

func restartWord(r units.Restart) string {
	if r == units.RestartNo {
		return "no"
	}
	return string(r)
}

func usec(d time.Duration) uint64 { return uint64(d / time.Microsecond) }

// common are the properties every unit gets from its spec.
func common(spec *units.Spec) []property {
	var ps []property
	if spec.Description != "" {
		ps = append(ps, property{Property: sddbus.PropDescription(spec.Description)})
	}
	if spec.Slice != "" {
		ps = append(ps, property{Property: sddbus.PropSlice(spec.Slice)})
	}
	if len(spec.BindsTo) > 0 {
		ps = append(ps, property{Property: sddbus.PropBindsTo(spec.BindsTo...)})
	}
	if len(spec.PartOf) > 0 {
		ps = append(ps, propPartOf(spec.PartOf))
	}
	if len(spec.After) > 0 {
		ps = append(ps, property{Property: sddbus.PropAfter(spec.After...)})
	}
	if len(spec.Before) > 0 {
		ps = append(ps, property{Property: sddbus.PropBefore(spec.Before...)})
	}
	if spec.KillMode != units.KillControlGroup {
		ps = append(ps, propKillMode(spec.KillMode))
	}
	if spec.Delegate {
		ps = append(ps, propDelegate(true))
	}
	if spec.TasksMax != 0 {
		ps = append(ps, propTasksMax(spec.TasksMax))
	}
	ps = append(ps, resourceProps(spec.Resources)...)
	return append(ps, propTimeoutStopUSec(spec.EffectiveStopTimeout()),
		propCollectMode("inactive-or-failed"), propAddRef(true))
}

// serviceProps describes a Service or Oneshot. path and stopPath are the resolved
// programs of Argv and StopArgv; fds are the Files, if any.
func serviceProps(spec *units.Spec, path, stopPath string, fds []int) []property {
	ps := common(spec)
	if spec.Kind == units.Oneshot {
		ps = append(ps, property{Property: sddbus.PropType("oneshot")},
			property{Property: sddbus.PropRemainAfterExit(true)})
	} else {
		ps = append(ps, property{Property: sddbus.PropType("exec")}, propRestart(spec.Restart))
		if spec.RestartDelay != 0 {
			ps = append(ps, propRestartUSec(spec.RestartDelay))
		}
	}
	ps = append(ps, propExec("ExecStart", path, spec.Argv))
	if spec.StopArgv != nil {
		ps = append(ps, propExec("ExecStop", stopPath, spec.StopArgv))
	}
	if len(spec.Env) > 0 {
		ps = append(ps, propEnvironment(spec.Env))
	}
	dir := spec.Dir
	if dir == "" {
		dir = "/" // a user manager would default to $HOME
	}
	ps = append(ps, propWorkingDirectory(dir))
	if u := spec.User; u != nil {
		ps = append(ps, propUser(u.UID), propGroup(u.GID), propSupplementaryGroups(u.Groups))
	}
	ps = append(ps, propLimits(spec.Rlimits)...)
	if spec.LogFile != "" {
		ps = append(ps, prop("StandardOutputFileToAppend", spec.LogFile), prop("StandardErrorFileToAppend", spec.LogFile))
	}
	if len(fds) > 0 {
		ps = append(ps, propExtraFileDescriptors(fds))
	}
	return ps
}

// scopeProps describes a Scope around the process pid (pidfd refers to it).
func scopeProps(spec *units.Spec, pidfd, pid int) []property {
	return append(common(spec), propPIDFDs(pidfd, pid), propStopSignal(syscall.SIGCONT))
}

// machineScopeProps are the scope properties passed through machined, which itself adds
// the leader, Delegate, CollectMode, AddRef and TasksMax.
func machineScopeProps(spec *units.Spec) []property {
	var ps []property
	for _, p := range common(spec) {
		if p.Name != "CollectMode" && p.Name != "AddRef" {
			ps = append(ps, p)
		}
	}
	return append(ps, propStopSignal(syscall.SIGCONT))
}

// resourceProps are the cgroup controls. Confinement is optional (a manager that
// refuses one, as a user manager may, starts the unit without it); limits are not:
// a unit that asks for them does not start without them.
func resourceProps(r units.Resources) []property {
	var ps []property
	if r.DevicePolicy != "" {
		ps = append(ps, optional(prop("DevicePolicy", r.DevicePolicy)))
	}
	if len(r.DeviceAllow) > 0 {
		type access struct{ Path, Access string } // D-Bus a(ss)
		v := make([]access, len(r.DeviceAllow))
		for i, d := range r.DeviceAllow {
			v[i] = access{d.Path, d.Access}
		}
		ps = append(ps, optional(prop("DeviceAllow", v)))
	}
	if r.MemoryAccounting {
		ps = append(ps, optional(prop("MemoryAccounting", true)))
	}
	for _, l := range limitProps(r) {
		if !l.none {
			ps = append(ps, prop(l.name, l.v))
		}
	}
	return ps
}

// unset is systemd's word on the bus for "no value": infinity for a memory limit or
// a CPU quota, the default for a weight or a quota period.
const unset = math.MaxUint64

// limit is one cgroup limit property: a number (D-Bus t) or per-device values
// (a(st)); none says the unit asks for no value, which a start leaves out.
type limit struct {
	name string
	v    any
	none bool
}

// deviceValue is one entry of IODeviceWeight, IOReadBandwidthMax and the like.
type deviceValue struct {
	Path  string
	Value uint64
}

// limitProps are every limit property r speaks of: a start sends those r sets, a
// change in place all of them, so that a limit taken away is lifted (an empty device
// list clears the property's entries).
func limitProps(r units.Resources) []limit {
	num := func(name string, v uint64) limit {
		if v == 0 {
			return limit{name, uint64(unset), true}
		}
		return limit{name, v, false}
	}
	perSec, period := num("CPUQuotaPerSecUSec", 0), num("CPUQuotaPeriodUSec", 0)
	if r.CPUQuota != 0 {
		p := r.CPUQuotaPeriod
		if p == 0 {
			p = 100 * time.Millisecond
		}
		perSec = num(perSec.name, uint64(r.CPUQuota)*uint64(time.Second)/uint64(p)/uint64(time.Microsecond))
		if r.CPUQuotaPeriod != 0 {
			period = num(period.name, usec(r.CPUQuotaPeriod))
		}
	}
	ls := []limit{
		num("MemoryMax", r.MemoryMax), num("MemoryHigh", r.MemoryHigh), num("MemorySwapMax", r.MemorySwapMax),
		num("CPUWeight", r.CPUWeight), perSec, period, num("IOWeight", r.IOWeight),
	}
	for _, dl := range []struct {
		name string
		v    func(units.IODeviceLimit) uint64
	}{
		{"IODeviceWeight", func(d units.IODeviceLimit) uint64 { return d.Weight }},
		{"IOReadBandwidthMax", func(d units.IODeviceLimit) uint64 { return d.ReadBytesPerSec }},
		{"IOWriteBandwidthMax", func(d units.IODeviceLimit) uint64 { return d.WriteBytesPerSec }},
		{"IOReadIOPSMax", func(d units.IODeviceLimit) uint64 { return d.ReadIOPS }},
		{"IOWriteIOPSMax", func(d units.IODeviceLimit) uint64 { return d.WriteIOPS }},
	} {
		vs := []deviceValue{}
		for _, d := range r.IODevices {
			if v := dl.v(d); v != 0 {
				vs = append(vs, deviceValue{d.Path, v})
			}
		}
		ls = append(ls, limit{dl.name, vs, len(vs) == 0})
	}
	return ls
}
