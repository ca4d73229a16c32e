package qemu

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/bits"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// parseDefinition reads a definition a client sent (define, create-xml): parse, check,
// and complete it as libvirt's post-parse step does, so dumpxml shows what will run.
func (d *Driver) parseDefinition(ctx context.Context, text string) (*libvirtxml.Domain, libvirt.UUID, error) {
	def, err := decodeDomain(text)
	if err != nil {
		return nil, libvirt.UUID{}, err
	}
	uuid, err := d.complete(ctx, def)
	if err != nil {
		return nil, uuid, err
	}
	return def, uuid, d.checkBuildable(def)
}

// checkBuildable refuses at define what the command line builder would refuse at
// start, so a definition that cannot run is never stored. The builder only reads the
// definition; what only a start decides gets stand-ins.
func (d *Driver) checkBuildable(def *libvirtxml.Domain) error {
	taps := make([]int, len(def.Devices.Interfaces))
	for i := range taps {
		taps[i] = 4 + i
	}
	def, err := withVolumeStandIns(def)
	if err != nil {
		return err
	}
	_, err = buildCommand(def, launch{id: 1, dir: "/nonexistent", accel: "tcg", monitorFD: 3, taps: taps, spicePort: 5900}, d.cfg)
	return err
}

// complete checks def and fills in what libvirt fills in: UUID, emulator, canonical
// machine type, memory in KiB, vCPU placement, lifecycle actions, a console for the
// first serial port.
func (d *Driver) complete(ctx context.Context, def *libvirtxml.Domain) (libvirt.UUID, error) {
	var uuid libvirt.UUID
	switch def.Type {
	case "":
		return uuid, virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "missing domain type attribute")
	case "qemu", "kvm":
	default:
		return uuid, d.unsupportedVirtType(def)
	}
	if err := checkName(def.Name); err != nil {
		return uuid, err
	}
	if def.UUID == "" {
		uuid = newUUID()
	} else {
		u, err := parseUUID(def.UUID)
		if err != nil {
			return uuid, virerror.New(libvirt.ErrInternalError, virerror.FromDomain, "malformed uuid element")
		}
		uuid = u
	}
	def.UUID = formatUUID(uuid)
	if err := completeOS(def); err != nil {
		return uuid, err
	}
	if err := completeMemory(def); err != nil {
		return uuid, err
	}
	if def.VCPU == nil {
		def.VCPU = &libvirtxml.DomainVCPU{Value: 1}
	}
	if def.VCPU.Value == 0 {
		return uuid, virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "Invalid number of vCPUs 0")
	}
	if def.VCPU.Placement == "" {
		def.VCPU.Placement = "static"
	}
	for _, a := range []*string{&def.OnPoweroff, &def.OnCrash} {
		if *a == "" {
			*a = "destroy"
		}
	}
	if def.Clock == nil {
		def.Clock = &libvirtxml.DomainClock{Offset: "utc"}
	}
	if def.OnReboot == "" {
		def.OnReboot = "restart"
	}
	if err := checkActions(def); err != nil {
		return uuid, err
	}
	if def.Devices == nil {
		def.Devices = &libvirtxml.DomainDeviceList{}
	}
	if def.Devices.Emulator == "" {
		def.Devices.Emulator = defaultEmulator
	}
	em, err := d.emulators.get(ctx, def.Devices.Emulator)
	if err != nil {
		return uuid, err
	}
	if def.OS.Type.Machine, err = em.canonicalMachine(def.OS.Type.Machine); err != nil {
		return uuid, err
	}
	if def.Type == "kvm" && !d.kvm {
		return uuid, d.unsupportedVirtType(def)
	}
	if err := completeDevices(def, em); err != nil {
		return uuid, err
	}
	return uuid, nil
}

// unsupportedVirtType is libvirt's answer to a type the emulator cannot run, which is
// also its answer to type='kvm' on a host without usable KVM.
func (d *Driver) unsupportedVirtType(def *libvirtxml.Domain) error {
	emu := defaultEmulator
	if def.Devices != nil && def.Devices.Emulator != "" {
		emu = def.Devices.Emulator
	}
	return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromQEMU,
		"Emulator '%s' does not support virt type '%s'", emu, def.Type)
}

func completeOS(def *libvirtxml.Domain) error {
	if def.OS == nil || def.OS.Type == nil || def.OS.Type.Type == "" {
		return virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "an os <type> must be specified")
	}
	if def.OS.Type.Type != "hvm" {
		return virerror.New(libvirt.ErrOsType, virerror.FromDomain, "%s", def.OS.Type.Type)
	}
	switch def.OS.Type.Arch {
	case "":
		def.OS.Type.Arch = "x86_64"
	case "x86_64", "i686":
	default:
		return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromDomain,
			"No guest options available for arch '%s'", def.OS.Type.Arch)
	}
	if len(def.OS.BootDevices) == 0 && !hasBootOrder(def.Devices) {
		def.OS.BootDevices = []libvirtxml.DomainBootDevice{{Dev: "hd"}}
	}
	return nil
}

func hasBootOrder(devs *libvirtxml.DomainDeviceList) bool {
	if devs == nil {
		return false
	}
	for _, disk := range devs.Disks {
		if disk.Boot != nil {
			return true
		}
	}
	for _, n := range devs.Interfaces {
		if n.Boot != nil {
			return true
		}
	}
	return false
}

// completeMemory stores memory sizes in KiB, as libvirt prints them, and makes the
// current size default to (and never exceed) the maximum.
func completeMemory(def *libvirtxml.Domain) error {
	if def.Memory == nil || def.Memory.Value == 0 {
		return virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "Memory size must be specified via <memory> or in the <numa> configuration")
	}
	max, err := toKiB(def.Memory.Value, def.Memory.Unit)
	if err != nil {
		return err
	}
	def.Memory = &libvirtxml.DomainMemory{Value: max, Unit: "KiB", DumpCore: def.Memory.DumpCore}
	cur := max
	if def.CurrentMemory != nil {
		if cur, err = toKiB(def.CurrentMemory.Value, def.CurrentMemory.Unit); err != nil {
			return err
		}
		if cur == 0 || cur > max {
			cur = max
		}
	}
	def.CurrentMemory = &libvirtxml.DomainCurrentMemory{Value: cur, Unit: "KiB"}
	return nil
}

// toKiB scales a memory size by its unit (libvirt's virScaleInteger), rounding up.
func toKiB(v uint, unit string) (uint, error) {
	s, ok := unitScale(unit)
	if !ok {
		s, ok = unitScale(strings.ToUpper(unit[:1]) + unit[1:])
	}
	if !ok {
		return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromNone, "unknown suffix '%s'", unit)
	}
	hi, bytes := bits.Mul64(uint64(v), s)
	kib := bytes/1024 + min(bytes%1024, 1)
	if hi != 0 || kib > 1<<52 {
		return 0, virerror.New(libvirt.ErrOverflow, virerror.FromNone, "value too large: %d%s", v, unit)
	}
	return uint(kib), nil
}

// unitScale is the bytes in one of unit. A switch rather than a map literal: every
// definition read (a hundred status files at a restart) scales two sizes, and a
// literal of this size is a fresh map each time.
func unitScale(unit string) (uint64, bool) {
	switch unit {
	case "b", "bytes":
		return 1, true
	case "", "k", "KiB":
		return 1 << 10, true
	case "KB":
		return 1e3, true
	case "M", "MiB":
		return 1 << 20, true
	case "MB":
		return 1e6, true
	case "G", "GiB":
		return 1 << 30, true
	case "GB":
		return 1e9, true
	case "T", "TiB":
		return 1 << 40, true
	case "TB":
		return 1e12, true
	}
	return 0, false
}

// checkActions accepts the on_* values libvirt's schema allows.
func checkActions(def *libvirtxml.Domain) error {
	for _, a := range [...]struct{ el, v string }{{"on_poweroff", def.OnPoweroff}, {"on_reboot", def.OnReboot}} {
		if !validAction(a.v) {
			return virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "Invalid value '%s' for element or attribute './%s[1]'", a.v, a.el)
		}
	}
	if !validAction(def.OnCrash) && def.OnCrash != "coredump-destroy" && def.OnCrash != "coredump-restart" {
		return virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "Invalid value '%s' for element or attribute './on_crash[1]'", def.OnCrash)
	}
	return nil
}

func validAction(v string) bool {
	switch v {
	case "destroy", "restart", "preserve", "rename-restart":
		return true
	}
	return false
}

// newMAC is a random address in QEMU's 52:54:00 range, as libvirt generates them.
func newMAC() string {
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2])
}
