package qemu

import (
	"os"
	"time"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/units"
)

// A guest's scope is confined as libvirt confines its cgroup — only the devices the
// guest needs (qemu.conf's cgroup_device_acl, the pseudo-terminals of its consoles,
// its block devices), its memory accounted — and carries the limits its definition
// asks for: <memtune> hard_limit and soft_limit as MemoryMax and MemoryHigh,
// <cputune> shares as CPUWeight (the cgroup v2 range, as libvirt on cgroup v2), and
// global_period/global_quota as the whole guest's CPU quota, <blkiotune> weights and
// throttles as the scope's IO* properties (the weights in cgroup v2's range too).
// Per-vCPU quotas, pins,
// swap and guarantee limits are refused at define (checkTunes): a scope has no vCPU
// sub-groups to give them their meaning.

// defaultDeviceACL is libvirt's cgroup_device_acl default.
var defaultDeviceACL = []string{"/dev/null", "/dev/full", "/dev/zero", "/dev/random", "/dev/urandom",
	"/dev/ptmx", "/dev/kvm", "/dev/userfaultfd"}

// checkTunes refuses the parts of <memtune> and <cputune> a scope cannot carry out.
func checkTunes(def *libvirtxml.Domain) error {
	if m := def.MemoryTune; m != nil {
		if m.MinGuarantee != nil {
			return unsupported("<memtune><min_guarantee> is not supported by the QEMU driver")
		}
		if m.SwapHardLimit != nil {
			return unsupported("<memtune><swap_hard_limit> is not supported by virtunit yet")
		}
	}
	if err := checkBlkio(def.BlockIOTune); err != nil {
		return err
	}
	c := def.CPUTune
	if c == nil {
		return nil
	}
	if c.Shares != nil && (c.Shares.Value < 1 || c.Shares.Value > 10000) {
		return unsupported("shares '%d' must be in range [1, 10000]", c.Shares.Value)
	}
	if c.GlobalPeriod != nil && (c.GlobalPeriod.Value < 1000 || c.GlobalPeriod.Value > 1000000) {
		return unsupported("global_period '%d' must be in range (1000, 1000000)", c.GlobalPeriod.Value)
	}
	perVCPU := c.Period != nil || c.Quota != nil || c.EmulatorPeriod != nil || c.EmulatorQuota != nil ||
		c.IOThreadPeriod != nil || c.IOThreadQuota != nil
	pins := len(c.VCPUPin) > 0 || c.EmulatorPin != nil || len(c.IOThreadPin) > 0 || len(c.VCPUSched) > 0 ||
		c.EmulatorSched != nil || len(c.IOThreadSched) > 0 || len(c.CacheTune) > 0 || len(c.MemoryTune) > 0
	if perVCPU || pins {
		return unsupported("<cputune> supports only <shares>, <global_period> and <global_quota> in virtunit yet")
	}
	return nil
}

// guestResources are the confinement and limits of live's scope.
func (d *Driver) guestResources(live *libvirtxml.Domain) units.Resources {
	r := units.Resources{DevicePolicy: "closed", MemoryAccounting: true}
	acl := d.cfg.DeviceACL
	if acl == nil {
		acl = defaultDeviceACL
	}
	allow := func(path, access string) {
		if _, err := os.Stat(path); err == nil {
			r.DeviceAllow = append(r.DeviceAllow, units.DeviceAccess{Path: path, Access: access})
		}
	}
	for _, p := range acl {
		allow(p, "rw")
	}
	r.DeviceAllow = append(r.DeviceAllow, units.DeviceAccess{Path: "char-pts", Access: "rw"})
	if devs := live.Devices; devs != nil {
		for _, disk := range devs.Disks {
			if disk.Source != nil && disk.Source.Block != nil {
				access := "rw"
				if disk.ReadOnly != nil {
					access = "r"
				}
				allow(disk.Source.Block.Dev, access)
			}
		}
		for _, rng := range devs.RNGs {
			if rng.Backend != nil && rng.Backend.Random != nil {
				allow(rng.Backend.Random.Device, "r")
			}
		}
	}
	if m := live.MemoryTune; m != nil {
		r.MemoryMax = tuneBytes(m.HardLimit)
		r.MemoryHigh = tuneBytes(m.SoftLimit)
	}
	if b := live.BlockIOTune; b != nil {
		r.IOWeight = uint64(b.Weight)
		for _, dev := range b.Device {
			r.IODevices = append(r.IODevices, units.IODeviceLimit{Path: dev.Path, Weight: uint64(dev.Weight),
				ReadBytesPerSec: uint64(dev.ReadBytesSec), WriteBytesPerSec: uint64(dev.WriteBytesSec),
				ReadIOPS: uint64(dev.ReadIopsSec), WriteIOPS: uint64(dev.WriteIopsSec)})
		}
	}
	if c := live.CPUTune; c != nil {
		if c.Shares != nil {
			r.CPUWeight = uint64(c.Shares.Value)
		}
		if c.GlobalQuota != nil && c.GlobalQuota.Value > 0 {
			r.CPUQuota = time.Duration(c.GlobalQuota.Value) * time.Microsecond
			r.CPUQuotaPeriod = 100 * time.Millisecond
			if c.GlobalPeriod != nil {
				r.CPUQuotaPeriod = time.Duration(c.GlobalPeriod.Value) * time.Microsecond
			}
		}
	}
	return r
}

// tuneBytes is a <memtune> limit in bytes; 0 for none (libvirt's "unlimited" is a
// value past any memory, which it writes as 9007199254740991 KiB).
func tuneBytes(l *libvirtxml.DomainMemoryTuneLimit) uint64 {
	if l == nil {
		return 0
	}
	kib, err := toKiB(uint(l.Value), l.Unit)
	if err != nil || kib >= 9007199254740991 {
		return 0
	}
	return uint64(kib) * 1024
}
