package qemu

import (
	"context"
	"os"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// DomainGetInfo reads memory and, for a running guest, QEMU's /proc/PID/stat: it may
// run on the connection's reader once the definition is decoded.
func (d *Driver) DomainGetInfo(ctx context.Context, a libvirt.DomainGetInfoArgs) (libvirt.DomainGetInfoRet, error) {
	dom, err := d.getFor(ctx, a.Dom)
	if err != nil {
		return libvirt.DomainGetInfoRet{}, err
	}
	dom.mu.Lock()
	def := dom.currentLocked()
	ret := libvirt.DomainGetInfoRet{
		State:     uint8(dom.state),
		MaxMem:    uint64(def.Memory.Value),
		Memory:    uint64(def.CurrentMemory.Value),
		NrVirtCPU: uint16(vcpuCount(def)),
	}
	pid := 0
	if dom.run != nil {
		pid = dom.run.pid
	}
	dom.mu.Unlock()
	if pid > 0 {
		ret.CPUTime = cpuTime(pid)
	}
	return ret, nil
}

// cpuTime is the CPU time QEMU used, all threads, in nanoseconds (from /proc/PID/stat).
func cpuTime(pid int) uint64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseUint(f[11], 10, 64)
	stime, _ := strconv.ParseUint(f[12], 10, 64)
	const nsPerTick = 1e9 / 100 // USER_HZ is 100 on Linux
	return (utime + stime) * nsPerTick
}

func (d *Driver) DomainGetState(ctx context.Context, a libvirt.DomainGetStateArgs) (libvirt.DomainGetStateRet, error) {
	if err := checkFlags(uint32(a.Flags), 0, "qemuDomainGetState"); err != nil {
		return libvirt.DomainGetStateRet{}, err
	}
	dom, err := d.find(a.Dom)
	if err != nil {
		return libvirt.DomainGetStateRet{}, err
	}
	st, reason := dom.getState()
	return libvirt.DomainGetStateRet{State: int32(st), Reason: reason}, nil
}

func (d *Driver) DomainGetOsType(ctx context.Context, a libvirt.DomainGetOsTypeArgs) (libvirt.DomainGetOsTypeRet, error) {
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetOsTypeRet{}, err
	}
	dom.mu.Lock()
	defer dom.mu.Unlock()
	return libvirt.DomainGetOsTypeRet{Type: dom.currentLocked().OS.Type.Type}, nil
}

func (d *Driver) DomainGetMaxMemory(ctx context.Context, a libvirt.DomainGetMaxMemoryArgs) (libvirt.DomainGetMaxMemoryRet, error) {
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetMaxMemoryRet{}, err
	}
	dom.mu.Lock()
	defer dom.mu.Unlock()
	return libvirt.DomainGetMaxMemoryRet{Memory: uint64(dom.currentLocked().Memory.Value)}, nil
}

func (d *Driver) DomainIsActive(ctx context.Context, a libvirt.DomainIsActiveArgs) (libvirt.DomainIsActiveRet, error) {
	dom, err := d.find(a.Dom)
	if err != nil {
		return libvirt.DomainIsActiveRet{}, err
	}
	return libvirt.DomainIsActiveRet{Active: boolInt(dom.active())}, nil
}

func (d *Driver) DomainIsPersistent(ctx context.Context, a libvirt.DomainIsPersistentArgs) (libvirt.DomainIsPersistentRet, error) {
	dom, err := d.find(a.Dom)
	if err != nil {
		return libvirt.DomainIsPersistentRet{}, err
	}
	dom.mu.Lock()
	defer dom.mu.Unlock()
	return libvirt.DomainIsPersistentRet{Persistent: boolInt(dom.persistent)}, nil
}

// DomainIsUpdated: live changes that differ from the persistent definition are not made
// here (no device hotplug yet), so a running guest is never "updated".
func (d *Driver) DomainIsUpdated(ctx context.Context, a libvirt.DomainIsUpdatedArgs) (libvirt.DomainIsUpdatedRet, error) {
	if _, err := d.find(a.Dom); err != nil {
		return libvirt.DomainIsUpdatedRet{}, err
	}
	return libvirt.DomainIsUpdatedRet{}, nil
}

// cString is a string as libvirt sends char arrays: NUL included.
func cString(s string) []int8 {
	out := make([]int8, len(s)+1)
	for i := 0; i < len(s); i++ {
		out[i] = int8(s[i])
	}
	return out
}

// NodeGetSecurityModel: guests get no confinement label, which libvirt calls model "none".
func (d *Driver) NodeGetSecurityModel(ctx context.Context, _ struct{}) (libvirt.NodeGetSecurityModelRet, error) {
	return libvirt.NodeGetSecurityModelRet{Model: cString("none"), Doi: cString("0")}, nil
}

func (d *Driver) DomainGetSecurityLabel(ctx context.Context, a libvirt.DomainGetSecurityLabelArgs) (libvirt.DomainGetSecurityLabelRet, error) {
	if _, err := d.get(a.Dom); err != nil {
		return libvirt.DomainGetSecurityLabelRet{}, err
	}
	return libvirt.DomainGetSecurityLabelRet{Label: cString("")}, nil
}

// xmlFlags are VIR_DOMAIN_XML_SECURE, _INACTIVE, _UPDATE_CPU and _MIGRATABLE.
const xmlFlags = libvirt.DomainXMLSecure | libvirt.DomainXMLInactive | libvirt.DomainXMLUpdateCPU | libvirt.DomainXMLMigratable

// DomainGetXMLDesc is dumpxml: the running definition, with its id, while the guest runs;
// the persistent one when it does not or when --inactive asks for it.
func (d *Driver) DomainGetXMLDesc(ctx context.Context, a libvirt.DomainGetXMLDescArgs) (libvirt.DomainGetXMLDescRet, error) {
	if err := checkFlags(uint32(a.Flags), uint32(xmlFlags), "qemuDomainGetXMLDesc"); err != nil {
		return libvirt.DomainGetXMLDescRet{}, err
	}
	// On the connection's reader (rpc.InlineFirst) only a document already built is
	// answered; anything else is built on a worker.
	dom, err := d.getFor(ctx, a.Dom)
	if err != nil {
		return libvirt.DomainGetXMLDescRet{}, err
	}
	secure := a.Flags&libvirt.DomainXMLSecure != 0
	dom.mu.Lock()
	def := dom.currentLocked()
	if a.Flags&libvirt.DomainXMLInactive != 0 && dom.def != nil {
		def = dom.def
	}
	isLive := def == dom.live
	if a.Flags&libvirt.DomainXMLMigratable != 0 {
		dom.mu.Unlock()
		return d.migratableXML(def, secure)
	}
	key := dumpKey{def: def, id: -1, secure: secure}
	if isLive {
		key.id = dom.id
	}
	if out, ok := dom.dumpedLocked(key); ok {
		dom.mu.Unlock()
		return libvirt.DomainGetXMLDescRet{XML: out}, nil
	}
	if rpc.MustNotBlock(ctx) {
		dom.mu.Unlock()
		return libvirt.DomainGetXMLDescRet{}, rpc.ErrWouldBlock
	}
	cp := *def
	cp.ID = nil
	if isLive {
		id := dom.id
		cp.ID = &id
	}
	dom.mu.Unlock()
	var out string
	if secure {
		out, err = formatDefinition(&cp)
	} else {
		out, err = formatDefinition(withoutSecrets(&cp))
	}
	if err != nil {
		return libvirt.DomainGetXMLDescRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "%v", err)
	}
	if isLive {
		out = publicInterfaces(out, &cp, d.loadNetDevices(dom.name))
	}
	dom.mu.Lock()
	dom.rememberDumpLocked(key, out)
	dom.mu.Unlock()
	return libvirt.DomainGetXMLDescRet{XML: out}, nil
}

// migratableXML is dumpxml --migratable of def (migratableCopy): built each time, as
// migrations and the tools that ask for it are rare.
func (d *Driver) migratableXML(def *libvirtxml.Domain, secure bool) (libvirt.DomainGetXMLDescRet, error) {
	cp, err := migratableCopy(def)
	if err == nil {
		if !secure {
			cp = withoutSecrets(cp)
		}
		var out string
		if out, err = formatDefinition(cp); err == nil {
			return libvirt.DomainGetXMLDescRet{XML: out}, nil
		}
	}
	return libvirt.DomainGetXMLDescRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "%v", err)
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
