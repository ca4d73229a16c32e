package qemu

import (
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// checkSupported refuses, naming the element, what a definition may say and the
// driver does not carry out: a guest from a libvirt host must start as the machine
// it describes or not at all, never as another with parts silently left out. The
// devices and settings the command line builder handles are checked there.
func checkSupported(def *libvirtxml.Domain) error {
	if err := checkTunes(def); err != nil {
		return err
	}
	for _, c := range []struct {
		set  bool
		what string
	}{
		{def.MaximumMemory != nil, "<maxMemory>"},
		{def.MemoryBacking != nil, "<memoryBacking>"},
		{def.VCPUs != nil, "<vcpus>"},
		{def.VCPU != nil && (def.VCPU.CPUSet != "" || def.VCPU.Placement == "auto" || def.VCPU.Current > def.VCPU.Value), "<vcpu> cpuset, placement='auto' and current above the count"},
		{def.IOThreads > 0 || def.IOThreadIDs != nil || def.DefaultIOThread != nil, "<iothreads>"},
		{def.NUMATune != nil || (def.CPU != nil && def.CPU.Numa != nil), "NUMA placement (<numatune>, <cpu><numa>)"},
		{def.Resource != nil && (def.Resource.Partition != "" && def.Resource.Partition != "/machine" || def.Resource.FibreChannel != nil), "<resource>"},
		{len(def.SysInfo) > 0, "<sysinfo>"},
		{def.Bootloader != "", "<bootloader>"},
		{def.IDMap != nil, "<idmap>"},
		{def.ThrottleGroups != nil, "<throttlegroups>"},
		{def.Perf != nil, "<perf>"},
		{def.KeyWrap != nil, "<keywrap>"},
		{def.LaunchSecurity != nil, "<launchSecurity>"},
		{def.QEMUCommandline != nil, "<qemu:commandline>"},
		{def.QEMUCapabilities != nil, "<qemu:capabilities>"},
		{def.QEMUOverride != nil, "<qemu:override>"},
		{def.QEMUDeprecation != nil, "<qemu:deprecation>"},
		{def.GenID != nil, "<genid>"},
	} {
		if c.set {
			return unsupported("%s is not supported by virtunit yet", c.what)
		}
	}
	for _, l := range def.SecLabel {
		if l.Type != "none" {
			return unsupported("<seclabel type='%s'> is not supported: virtunit runs without a security driver", l.Type)
		}
	}
	if err := checkOS(def.OS); err != nil {
		return err
	}
	if err := checkFeatures(def.Features); err != nil {
		return err
	}
	if cpu := def.CPU; cpu != nil {
		switch {
		case len(cpu.Features) > 0 && cpu.Mode != "" && cpu.Mode != "custom":
			return unsupported("<cpu><feature> is only supported with mode='custom' by virtunit yet")
		case cpu.Cache != nil || cpu.MaxPhysAddr != nil:
			return unsupported("<cpu><cache> and <cpu><maxphysaddr> are not supported by virtunit yet")
		case cpu.Mode != "" && cpu.Mode != "custom" && cpu.Mode != "host-passthrough" && cpu.Mode != "host-model" && cpu.Mode != "maximum":
			return unsupported("CPU mode '%s' is not supported", cpu.Mode)
		}
		if err := checkCPUFeatures(cpu.Features); err != nil {
			return err
		}
	}
	return checkDevices(def.Devices)
}

// checkCPUFeatures refuses what libvirt refuses in <feature>, and any name that is
// not one word: the names go into -cpu as they are.
func checkCPUFeatures(fs []libvirtxml.DomainCPUFeature) error {
	for _, f := range fs {
		switch {
		case f.Name == "":
			return virerror.New(libvirt.ErrXMLError, virerror.FromCPU, "Invalid CPU feature name")
		case strings.Trim(f.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "":
			return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromCPU, "unknown CPU feature: %s", f.Name)
		}
		switch f.Policy {
		case "", "force", "require", "optional", "disable", "forbid":
		default:
			return virerror.New(libvirt.ErrXMLError, virerror.FromCPU, "Invalid CPU feature policy '%s'", f.Policy)
		}
	}
	return nil
}

func checkOS(os *libvirtxml.DomainOS) error {
	switch {
	case os.Firmware != "" && os.Firmware != "efi" && os.Firmware != "bios":
		return unsupported("firmware '%s' is not supported", os.Firmware)
	case os.Init != "":
		return unsupported("<init> is for containers")
	case os.Shim != "" || os.DTB != "":
		return unsupported("<shim> and <dtb> are not supported")
	case os.ACPI != nil:
		return unsupported("<os><acpi> tables are not supported by virtunit yet")
	case os.BootMenu != nil && os.BootMenu.Enable == "yes":
		return unsupported("<bootmenu enable='yes'> is not supported by virtunit yet")
	case os.BIOS != nil && (os.BIOS.UseSerial != "" || os.BIOS.RebootTimeout != nil):
		return unsupported("<bios> settings are not supported by virtunit yet")
	case os.SMBios != nil:
		return unsupported("<smbios> is not supported by virtunit yet")
	case os.Loader != nil && os.Loader.Stateless == "yes":
		return unsupported("stateless <loader> is not supported by virtunit yet")
	}
	return nil
}

func checkFeatures(f *libvirtxml.DomainFeatureList) error {
	if f == nil {
		return nil
	}
	for _, c := range []struct {
		set  bool
		what string
	}{
		{f.HAP != nil, "hap"}, {f.Viridian != nil, "viridian"}, {f.PrivNet != nil, "privnet"},
		{f.HyperV != nil, "hyperv"}, {f.KVM != nil, "kvm"}, {f.Xen != nil, "xen"},
		{f.PVSpinlock != nil, "pvspinlock"}, {f.PMU != nil, "pmu"}, {f.GIC != nil, "gic"},
		{f.SMM != nil && f.SMM.TSeg != nil, "smm tseg"}, {f.IOAPIC != nil, "ioapic"}, {f.HPT != nil, "hpt"},
		{f.HTM != nil, "htm"}, {f.NestedHV != nil, "nested-hv"}, {f.Capabilities != nil, "capabilities"},
		{f.VMCoreInfo != nil, "vmcoreinfo"}, {f.MSRS != nil, "msrs"}, {f.CCFAssist != nil, "ccf-assist"},
		{f.CFPC != nil, "cfpc"}, {f.SBBC != nil, "sbbc"}, {f.IBS != nil, "ibs"}, {f.TCG != nil, "tcg"},
		{f.AsyncTeardown != nil, "async-teardown"}, {f.RAS != nil, "ras"}, {f.PS2 != nil, "ps2"}, {f.AIA != nil, "aia"},
		{f.APIC != nil && f.APIC.EOI != "", "apic eoi"},
	} {
		if c.set {
			return unsupported("the feature <%s> is not supported by virtunit yet", c.what)
		}
	}
	return nil
}

func checkDevices(d *libvirtxml.DomainDeviceList) error {
	for what, n := range map[string]int{
		"filesystem": len(d.Filesystems), "hostdev": len(d.Hostdevs), "smartcard": len(d.Smartcards),
		"tpm": len(d.TPMs), "parallel": len(d.Parallels), "redirfilter": len(d.RedirFilters),
		"shmem": len(d.Shmems), "memory": len(d.Memorydevs), "crypto": len(d.Crypto),
		"lease": len(d.Leases), "hub": len(d.Hubs),
	} {
		if n > 0 {
			return unsupported("<%s> devices are not supported by virtunit yet", what)
		}
	}
	if d.IOMMU != nil || d.VSock != nil || d.PStore != nil || d.NVRAM != nil {
		return unsupported("<iommu>, <vsock>, <pstore> and <nvram> devices are not supported by virtunit yet")
	}
	for _, n := range d.Interfaces {
		for _, c := range []struct {
			set  bool
			what string
		}{
			{n.VirtualPort != nil, "virtualport"}, {len(n.IP) > 0 || len(n.Route) > 0, "ip and route"},
			{len(n.PortForward) > 0, "portForward"}, {n.Script != nil || n.DownScript != nil, "script"},
			{n.Driver != nil, "driver"}, {n.Backend != nil, "backend"}, {n.FilterRef != nil, "filterref"},
			{n.Tune != nil, "tune"}, {n.Teaming != nil, "teaming"},
			{n.MTU != nil, "mtu"}, {n.Bandwidth != nil && !shapeable(n), "bandwidth"}, {n.PortOptions != nil, "port"},
			{n.Coalesce != nil, "coalesce"}, {n.ROM != nil, "rom"},
		} {
			if c.set {
				return unsupported("interface <%s> is not supported by virtunit yet", c.what)
			}
		}
	}
	for _, v := range d.Videos {
		if v.Driver != nil || v.Model.Accel != nil || v.Model.Resolution != nil || (v.Model.Heads > 1 && v.Model.Type != "qxl" && v.Model.Type != "virtio") {
			return unsupported("video <driver>, <acceleration>, <resolution> and multiple heads are not supported by virtunit yet")
		}
	}
	for _, b := range []*libvirtxml.DomainMemBalloon{d.MemBalloon} {
		if b != nil && (b.AutoDeflate != "" || b.FreePageReporting != "" || b.Driver != nil) {
			return unsupported("memballoon autodeflate, freePageReporting and <driver> are not supported by virtunit yet")
		}
	}
	for _, r := range d.RNGs {
		if r.Rate != nil || r.Driver != nil {
			return unsupported("rng <rate> and <driver> are not supported by virtunit yet")
		}
	}
	for _, g := range d.Graphics {
		if g.VNC != nil && (g.VNC.WebSocket != 0 || g.VNC.Keymap != "" || g.VNC.SharePolicy != "") {
			return unsupported("VNC websocket, keymap and sharePolicy are not supported by virtunit yet")
		}
		for _, validTo := range []string{vncValidTo(g), spiceValidTo(g)} {
			if validTo != "" {
				if _, err := parseValidTo(validTo); err != nil {
					return err
				}
			}
		}
		if g.Audio != nil {
			return unsupported("<graphics><audio> is not supported by virtunit yet")
		}
	}
	return nil
}

func vncValidTo(g libvirtxml.DomainGraphic) string {
	if g.VNC != nil {
		return g.VNC.PasswdValidTo
	}
	return ""
}

func spiceValidTo(g libvirtxml.DomainGraphic) string {
	if g.Spice != nil {
		return g.Spice.PasswdValidTo
	}
	return ""
}

// shapeable says whether an interface's <bandwidth> is carried out: on the host side
// of a network, bridge, direct or ethernet connection, as virNetDevSupportsBandwidth
// allows. libvirt only warns about the others; virtunit refuses them, as it refuses
// every setting it would leave out.
func shapeable(n libvirtxml.DomainInterface) bool {
	s := n.Source
	return s != nil && (s.Network != nil || s.Bridge != nil || s.Direct != nil || s.Ethernet != nil)
}
