package nodedev

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// vfioDriver is the stub driver PCI devices are handed to for device assignment.
const vfioDriver = "vfio-pci"

// pciDevice returns the address and sysfs path of the named PCI device.
func (d *Driver) pciDevice(name string) (pciAddr, string, error) {
	dev, err := d.device(name)
	if err != nil {
		return pciAddr{}, "", err
	}
	pc := dev.def.Capability.PCI
	if pc == nil {
		return pciAddr{}, "", virerror.New(libvirt.ErrInvalidArg, virerror.FromNodeDev, "device %s is not a PCI device", name)
	}
	return pciAddr{*pc.Domain, *pc.Bus, *pc.Slot, *pc.Function}, dev.def.Path, nil
}

// detachPCI hands a PCI device to vfio-pci, as virPCIDeviceDetach with the VFIO stub:
// the kernel's driver_override makes vfio-pci the only driver that may bind it, the
// current driver lets it go, and a probe binds it to vfio-pci.
func (d *Driver) detachPCI(ctx context.Context, name, driver string) error {
	d.detach.Lock()
	defer d.detach.Unlock()
	addr, path, err := d.pciDevice(name)
	if err != nil {
		return err
	}
	switch driver {
	case "", "vfio":
	case "kvm":
		return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromNodeDev, "KVM device assignment is no longer supported on this system")
	default:
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromNodeDev, "unknown driver name '%s'", driver)
	}
	if err := d.vfioSupported(); err != nil {
		return err
	}
	if err := d.loadVFIO(ctx); err != nil {
		return err
	}
	current := d.sys.link(path, "driver")
	if current == vfioDriver {
		return nil
	}
	if err := d.writeSysfs(path+"/driver_override", vfioDriver); err != nil {
		return err
	}
	if current != "" {
		if err := d.writeSysfs(path+"/driver/unbind", addr.String()); err != nil {
			d.writeSysfs(path+"/driver_override", "\n")
			return err
		}
	}
	// A probe error is not final: the driver link below says whether it bound.
	probeErr := d.writeSysfs("/sys/bus/pci/drivers_probe", addr.String())
	if got := d.sys.link(path, "driver"); got != vfioDriver {
		d.writeSysfs(path+"/driver_override", "\n")
		d.writeSysfs("/sys/bus/pci/drivers_probe", addr.String())
		return virerror.Wrap(probeErr, libvirt.ErrInternalError, virerror.FromNodeDev,
			"Failed to bind PCI device '%s' to %s (bound to '%s' instead)", addr, vfioDriver, got)
	}
	d.log.Info("PCI device detached from its host driver", "device", name, "driver", current)
	return nil
}

// reattachPCI gives a device bound to a stub driver back to the host: the override is
// cleared, the stub lets go, and a probe finds the device's own driver. A device not
// bound to a stub is left alone, as libvirt does.
func (d *Driver) reattachPCI(ctx context.Context, name string) error {
	d.detach.Lock()
	defer d.detach.Unlock()
	addr, path, err := d.pciDevice(name)
	if err != nil {
		return err
	}
	if current := d.sys.link(path, "driver"); current != vfioDriver && current != "pci-stub" {
		return nil
	}
	if err := d.writeSysfs(path+"/driver_override", "\n"); err != nil {
		return err
	}
	if err := d.writeSysfs(path+"/driver/unbind", addr.String()); err != nil {
		return err
	}
	if err := d.writeSysfs("/sys/bus/pci/drivers_probe", addr.String()); err != nil {
		return err
	}
	d.log.Info("PCI device reattached to the host", "device", name, "driver", d.sys.link(path, "driver"))
	return nil
}

// resetPCI resets a function through the kernel, which picks FLR, a power-management
// or a bus reset. A device held by vfio-pci is not touched: vfio resets it itself when
// a guest opens and releases it (libvirt skips it too).
func (d *Driver) resetPCI(ctx context.Context, name string) error {
	d.detach.Lock()
	defer d.detach.Unlock()
	addr, path, err := d.pciDevice(name)
	if err != nil {
		return err
	}
	if d.sys.link(path, "driver") == vfioDriver {
		return nil
	}
	if !d.sys.exists(path, "reset") {
		return virerror.New(libvirt.ErrInternalError, virerror.FromNodeDev,
			"Unable to reset PCI device %s: no FLR, PM reset or bus reset available", addr)
	}
	return d.writeSysfs(path+"/reset", "1")
}

// vfioSupported is libvirt's check before VFIO assignment: the host must have IOMMU
// groups (or run vfio in its unsafe no-IOMMU mode).
func (d *Driver) vfioSupported() error {
	groups, _ := os.ReadDir(d.sys.file("/sys/kernel/iommu_groups"))
	if len(groups) > 0 || d.sys.attr("/sys/module/vfio/parameters", "enable_unsafe_noiommu_mode") == "Y" {
		return nil
	}
	return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromNodeDev,
		"VFIO device assignment is currently not supported on this system: the host has no IOMMU groups in /sys/kernel/iommu_groups (enable the IOMMU, e.g. intel_iommu=on or amd_iommu=on, or vfio's enable_unsafe_noiommu_mode)")
}

// loadVFIO makes sure the vfio-pci driver is there, loading its module if need be.
func (d *Driver) loadVFIO(ctx context.Context) error {
	dir := "/sys/bus/pci/drivers/" + vfioDriver
	if _, err := os.Stat(d.sys.file(dir)); err == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "modprobe", vfioDriver).CombinedOutput()
	if _, serr := os.Stat(d.sys.file(dir)); serr == nil {
		return nil
	}
	detail := strings.TrimSpace(string(out))
	if detail == "" && err != nil {
		detail = err.Error()
	}
	return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNodeDev,
		"Failed to load PCI stub module %s: %s", vfioDriver, detail)
}

// writeSysfs writes one value to a sysfs attribute.
func (d *Driver) writeSysfs(path, value string) error {
	f, err := os.OpenFile(d.sys.file(path), os.O_WRONLY|os.O_TRUNC, 0)
	if err == nil {
		_, err = f.WriteString(value)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNodeDev,
			"failed to write '%s' to %s: %v", strings.TrimSpace(value), path, virerror.Strerror(err))
	}
	return nil
}
