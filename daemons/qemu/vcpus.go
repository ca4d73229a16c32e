package qemu

import (
	"context"
	"fmt"
	"sort"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh setvcpus: in the definition the count and maximum; live, vCPUs plugged into
// the sockets QEMU keeps free (a guest started with fewer vCPUs than its maximum) and
// unplugged again, as libvirt's qemuDomainSetVcpusLive.

func (d *Driver) DomainSetVcpus(ctx context.Context, a libvirt.DomainSetVcpusArgs) (struct{}, error) {
	return struct{}{}, d.setVcpus(ctx, a.Dom, a.Nvcpus, affectLive)
}

func (d *Driver) DomainSetVcpusFlags(ctx context.Context, a libvirt.DomainSetVcpusFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, affectLive|affectConfig|vcpuMaximum|vcpuGuest|vcpuHotpluggable, "qemuDomainSetVcpusFlags"); err != nil {
		return struct{}{}, err
	}
	if a.Flags&vcpuGuest != 0 {
		return struct{}{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "changing the vCPUs the guest has online through the guest agent is not supported")
	}
	return struct{}{}, d.setVcpus(ctx, a.Dom, a.Nvcpus, a.Flags&^vcpuHotpluggable)
}

func (d *Driver) setVcpus(ctx context.Context, ref libvirt.Domain, n uint32, flags uint32) error {
	if n == 0 {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "argument unsupported: requested vcpu count is 0")
	}
	dom, err := d.lock(ref)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	live, config, err := dom.impact(flags)
	if err != nil {
		return err
	}
	maximum := flags&vcpuMaximum != 0
	if live && maximum {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "maximum vcpu count of a live domain can't be modified")
	}
	v := dom.view()
	if config {
		if limit := d.machineMaxCPUs(ctx, v.persistent); maximum && limit > 0 && n > uint32(limit) {
			return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "requested vcpus is greater than max allowable vcpus for the persistent domain: %d > %d", n, limit)
		}
		if _, maxv := vcpuCounts(v.persistent); !maximum && n > uint32(maxv) {
			return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "requested vcpus is greater than max allowable vcpus for the persistent domain: %d > %d", n, maxv)
		}
	}
	if live {
		cur, maxv := vcpuCounts(v.def)
		if n > uint32(maxv) {
			return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "requested vcpus is greater than max allowable vcpus for the live domain: %d > %d", n, maxv)
		}
		if n != uint32(cur) {
			if err := d.plugVcpus(ctx, v.run, int(cur), int(n)); err != nil {
				return err
			}
			if err := d.modify(dom, affectLive, func(def *libvirtxml.Domain) error {
				setVcpuCount(def, n, false)
				return nil
			}); err != nil {
				return err
			}
		}
	}
	if config {
		return d.modify(dom, affectConfig, func(def *libvirtxml.Domain) error {
			setVcpuCount(def, n, maximum)
			return nil
		})
	}
	return nil
}

// setVcpuCount sets the count online or (maximum) the most, keeping the one within
// the other as libvirt does.
func setVcpuCount(def *libvirtxml.Domain, n uint32, maximum bool) {
	cur, maxv := vcpuCounts(def)
	if maximum {
		maxv = uint(n)
		cur = min(cur, maxv)
		if def.CPU != nil && def.CPU.Topology != nil {
			def.CPU.Topology = nil // no longer matches
		}
	} else {
		cur = uint(n)
	}
	def.VCPU.Value = maxv
	def.VCPU.Current = 0
	if cur < maxv {
		def.VCPU.Current = cur
	}
}

// machineMaxCPUs is the most vCPUs the guest's machine type takes, 0 if unknown.
func (d *Driver) machineMaxCPUs(ctx context.Context, def *libvirtxml.Domain) int {
	em, err := d.emulators.get(ctx, def.Devices.Emulator)
	if err != nil {
		return 0
	}
	for _, m := range em.machines {
		if m.name == def.OS.Type.Machine || m.alias == def.OS.Type.Machine {
			return m.maxCPUs
		}
	}
	return 0
}

type hotpluggableCPU struct {
	Type    string         `json:"type"`
	Props   map[string]any `json:"props"`
	QOMPath string         `json:"qom-path"`
}

// plugVcpus takes the guest from cur to want vCPUs: plugging CPUs into free sockets
// in order, or unplugging the ones plugged last (those the command line made stay).
func (d *Driver) plugVcpus(ctx context.Context, r *running, cur, want int) error {
	var cpus []hotpluggableCPU
	if err := r.mon.Execute(ctx, "query-hotpluggable-cpus", nil, &cpus); err != nil {
		return monitorError(err)
	}
	order := func(c hotpluggableCPU) float64 {
		s, _ := c.Props["socket-id"].(float64)
		k, _ := c.Props["core-id"].(float64)
		t, _ := c.Props["thread-id"].(float64)
		return s*1e6 + k*1e3 + t
	}
	sort.Slice(cpus, func(i, j int) bool { return order(cpus[i]) < order(cpus[j]) })
	defer r.set(func(r *running) { r.vcpus = nil })
	if want > cur {
		plugged := cur
		for i, c := range cpus {
			if plugged == want {
				break
			}
			if c.QOMPath != "" {
				continue
			}
			args := map[string]any{"driver": c.Type, "id": fmt.Sprintf("vcpu%d", i)}
			for k, v := range c.Props {
				if k != "node-id" {
					args[k] = v
				}
			}
			if err := r.mon.Execute(ctx, "device_add", args, nil); err != nil {
				return monitorError(err)
			}
			plugged++
		}
		return nil
	}
	for i := len(cpus) - 1; i >= 0 && cur > want; i-- {
		c := cpus[i]
		if c.QOMPath == "" {
			continue
		}
		id, ok := strings.CutPrefix(c.QOMPath, "/machine/peripheral/")
		if !ok {
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "vCPU '%d' can't be hot-unplugged", i)
		}
		wctx, cancel := context.WithTimeout(ctx, unplugWait)
		evs, err := r.mon.Events(wctx)
		if err == nil {
			err = r.mon.Execute(ctx, "device_del", map[string]string{"id": id}, nil)
		}
		if err != nil {
			cancel()
			return monitorError(err)
		}
		gone := false
		for ev := range evs {
			if ev.Event == "DEVICE_DELETED" && ev.Data["device"] == id {
				gone = true
				break
			}
		}
		cancel()
		if !gone {
			return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "vcpu unplug request timed out. Unplug result must be manually inspected in the domain")
		}
		cur--
	}
	return nil
}
