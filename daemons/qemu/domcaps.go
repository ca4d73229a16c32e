package qemu

import (
	"context"
	"fmt"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// ConnectGetDomainCapabilities describes what a guest of one emulator, architecture,
// machine type and virtualization type may use, from the probed emulator alone (no
// QEMU runs), in libvirt 9.0's layout and order: virt-install and libvirt-tck read it
// before they write a definition.
func (d *Driver) ConnectGetDomainCapabilities(ctx context.Context, a libvirt.ConnectGetDomainCapabilitiesArgs) (libvirt.ConnectGetDomainCapabilitiesRet, error) {
	if a.Flags != 0 {
		if err := checkFlags(uint32(a.Flags), uint32(libvirt.ConnectGetDomainCapabilitiesDisableDeprecatedFeatures), "qemuConnectGetDomainCapabilities"); err != nil {
			return libvirt.ConnectGetDomainCapabilitiesRet{}, err
		}
	}
	opt := func(s libvirt.OptString) string {
		if len(s) == 0 {
			return ""
		}
		return s[0]
	}
	emu, arch, mach, virt := opt(a.Emulatorbin), opt(a.Arch), opt(a.Machine), opt(a.Virttype)
	switch virt {
	case "":
		virt = "qemu"
		if d.kvm {
			virt = "kvm"
		}
	case "qemu":
	case "kvm":
		if !d.kvm {
			return libvirt.ConnectGetDomainCapabilitiesRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU,
				"KVM is not supported by '%s' on this host", defaultEmulator)
		}
	default:
		return libvirt.ConnectGetDomainCapabilitiesRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "unknown virttype: %s", virt)
	}
	switch arch {
	case "", "x86_64":
		arch = "x86_64"
	case "i686":
	default:
		return libvirt.ConnectGetDomainCapabilitiesRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU,
			"unable to find any emulator to serve '%s' architecture", arch)
	}
	if emu == "" {
		emu = defaultEmulator
	}
	em, err := d.emulators.get(ctx, emu)
	if err != nil {
		return libvirt.ConnectGetDomainCapabilitiesRet{}, err
	}
	canon, err := em.canonicalMachine(mach)
	if err != nil {
		return libvirt.ConnectGetDomainCapabilitiesRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU,
			"the machine '%s' is not supported by emulator '%s'", mach, emu)
	}
	// The answer depends on nothing else, so it is built once per combination:
	// clients ask before every definition they write.
	key := emu + "\x00" + canon + "\x00" + arch + "\x00" + virt
	if xml, ok := d.domcaps.Load(key); ok {
		return libvirt.ConnectGetDomainCapabilitiesRet{Capabilities: xml.(string)}, nil
	}
	fws := d.firmware
	if fws == nil {
		fws = loadFirmware(firmwareDirs)
	}
	xml := domainCaps(em, canon, arch, virt, fws)
	d.domcaps.Store(key, xml)
	return libvirt.ConnectGetDomainCapabilitiesRet{Capabilities: xml}, nil
}

// xmlw writes libvirt's indented XML, two spaces a level.
type xmlw struct {
	b     strings.Builder
	depth int
}

func (w *xmlw) line(format string, args ...any) {
	w.b.WriteString(strings.Repeat("  ", w.depth))
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

func (w *xmlw) open(format string, args ...any) {
	w.line(format, args...)
	w.depth++
}

func (w *xmlw) close(tag string) {
	w.depth--
	w.line("</%s>", tag)
}

// enum writes <enum name='NAME'> with its values; an enum without values is
// written empty, as libvirt does.
func (w *xmlw) enum(name string, values ...string) {
	if len(values) == 0 {
		w.line("<enum name='%s'/>", name)
		return
	}
	w.open("<enum name='%s'>", name)
	for _, v := range values {
		w.line("<value>%s</value>", v)
	}
	w.close("enum")
}

// pick returns the values whose condition holds, in order.
func pick(pairs ...any) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1].(bool) {
			out = append(out, pairs[i].(string))
		}
	}
	return out
}

func domainCaps(em *emulator, mach, arch, virt string, fws []firmware) string {
	q35 := strings.Contains(mach, "q35")
	maxCPUs := 255
	for _, m := range em.machines {
		if m.name == mach {
			maxCPUs = m.maxCPUs
		}
	}
	dev := em.devices
	w := &xmlw{}
	w.open("<domainCapabilities>")
	w.line("<path>%s</path>", em.path)
	w.line("<domain>%s</domain>", virt)
	w.line("<machine>%s</machine>", mach)
	w.line("<arch>%s</arch>", arch)
	w.line("<vcpu max='%d'/>", maxCPUs)
	w.line("<iothreads supported='yes'/>")

	w.open("<os supported='yes'>")
	var loaders []string
	secure := false
	for _, fw := range fws {
		if fw.supports(arch, mach) {
			loaders = append(loaders, fw.executable)
			secure = secure || fw.features["secure-boot"]
		}
	}
	w.enum("firmware", pick("efi", len(loaders) > 0)...)
	w.open("<loader supported='yes'>")
	for _, l := range loaders {
		w.line("<value>%s</value>", l)
	}
	w.enum("type", "rom", "pflash")
	w.enum("readonly", "yes", "no")
	w.enum("secure", pick("yes", secure, "no", true)...)
	w.close("loader")
	w.close("os")

	w.open("<cpu>")
	w.line("<mode name='host-passthrough' supported='%s'/>", yesNo(virt == "kvm"))
	w.open("<mode name='maximum' supported='yes'>")
	w.enum("maximumMigratable", "on", "off")
	w.close("mode")
	// libvirt computes the host model from the host CPU and its CPU map, which
	// virtunit does not carry: it offers none rather than a guess.
	w.line("<mode name='host-model' supported='no'/>")
	w.open("<mode name='custom' supported='yes'>")
	for _, c := range em.cpus {
		w.line("<model usable='%s' vendor='%s'>%s</model>", yesNo(c.usable), cpuVendor(c.name), c.name)
	}
	w.close("mode")
	w.close("cpu")

	w.open("<memoryBacking supported='yes'>")
	w.enum("sourceType", pick("file", dev["memory-backend-file"], "anonymous", true, "memfd", dev["memory-backend-memfd"])...)
	w.close("memoryBacking")

	w.open("<devices>")
	w.open("<disk supported='yes'>")
	w.enum("diskDevice", "disk", "cdrom", "floppy", "lun")
	w.enum("bus", pick("ide", !q35, "fdc", true, "scsi", true, "virtio", true, "usb", dev["usb-storage"], "sata", true)...)
	w.enum("model", "virtio", "virtio-transitional", "virtio-non-transitional")
	w.close("disk")
	w.open("<graphics supported='yes'>")
	w.enum("type", pick("sdl", true, "vnc", true, "spice", em.spice, "egl-headless", true, "dbus", true)...)
	w.close("graphics")
	w.open("<video supported='yes'>")
	w.enum("modelType", pick("vga", dev["VGA"], "cirrus", dev["cirrus-vga"], "vmvga", dev["vmware-svga"],
		"qxl", dev["qxl-vga"], "virtio", dev["virtio-vga"] || dev["virtio-gpu-pci"], "none", true,
		"bochs", dev["bochs-display"], "ramfb", dev["ramfb"])...)
	w.close("video")
	w.open("<hostdev supported='yes'>")
	w.enum("mode", "subsystem")
	w.enum("startupPolicy", "default", "mandatory", "requisite", "optional")
	w.enum("subsysType", "usb", "pci", "scsi")
	w.enum("capsType")
	w.enum("pciBackend")
	w.close("hostdev")
	w.open("<rng supported='yes'>")
	w.enum("model", "virtio", "virtio-transitional", "virtio-non-transitional")
	w.enum("backendModel", pick("random", true, "egd", true, "builtin", dev["rng-builtin"])...)
	w.close("rng")
	w.open("<filesystem supported='yes'>")
	w.enum("driverType", pick("path", true, "handle", true, "virtiofs", dev["vhost-user-fs-pci"])...)
	w.close("filesystem")
	w.open("<tpm supported='yes'>")
	w.enum("model", pick("tpm-tis", dev["tpm-tis"], "tpm-crb", dev["tpm-crb"])...)
	w.enum("backendModel", "passthrough")
	w.close("tpm")
	w.open("<redirdev supported='%s'>", yesNo(dev["usb-redir"]))
	w.enum("bus", "usb")
	w.close("redirdev")
	w.open("<channel supported='yes'>")
	w.enum("type", pick("pty", true, "unix", true, "spicevmc", em.spice)...)
	w.close("channel")
	w.close("devices")

	w.open("<features>")
	w.line("<gic supported='no'/>")
	w.line("<vmcoreinfo supported='%s'/>", yesNo(dev["vmcoreinfo"]))
	w.line("<genid supported='%s'/>", yesNo(dev["vmgenid"]))
	w.line("<backingStoreInput supported='yes'/>")
	w.line("<backup supported='yes'/>")
	w.line("<sev supported='no'/>")
	w.line("<sgx supported='no'/>")
	w.open("<hyperv supported='yes'>")
	w.enum("features", "spinlocks", "vendor_id")
	w.close("hyperv")
	w.close("features")
	w.close("domainCapabilities")
	return w.b.String()
}

// cpuVendor is the vendor libvirt's CPU map gives a QEMU model.
func cpuVendor(model string) string {
	switch {
	case strings.HasPrefix(model, "qemu"), strings.HasPrefix(model, "kvm"), strings.HasPrefix(model, "pentium"), model == "486":
		return "unknown"
	case model == "phenom", model == "athlon", strings.HasPrefix(model, "Opteron"), strings.HasPrefix(model, "EPYC"):
		return "AMD"
	case model == "Dhyana":
		return "Hygon"
	}
	return "Intel"
}
