package xmlstyle

import (
	"reflect"
	"strconv"

	"libvirt.org/go/libvirtxml"
)

// hook writes a value of a type whose MarshalXML libvirtxml wrote by hand, as that
// method does, so encode need not hand the value (and all of a device below it) to
// encoding/xml. v is addressable; s is the element the method would be handed. Each
// hook is the method's logic, element for element; the types without one (the rarer
// devices) go through encoding/xml, and TestEncodeAgrees holds both to the same
// output.
type hook func(e *encoder, v reflect.Value, s start) error

// hooks is filled once, in init, and only read after: the hooks call back into the
// encoder, which looks them up, and Go would see a variable that refers to itself.
var hooks map[reflect.Type]hook

func init() {
	hooks = map[reflect.Type]hook{
		reflect.TypeFor[libvirtxml.DomainAddress]():             address,
		reflect.TypeFor[libvirtxml.DomainAddressPCI]():          addressPCI,
		reflect.TypeFor[libvirtxml.DomainAddressZPCI]():         addressZPCI,
		reflect.TypeFor[libvirtxml.DomainAddressUSB]():          addressUSB,
		reflect.TypeFor[libvirtxml.DomainAddressDrive]():        addressDrive,
		reflect.TypeFor[libvirtxml.DomainAddressDIMM]():         addressDIMM,
		reflect.TypeFor[libvirtxml.DomainAddressISA]():          addressISA,
		reflect.TypeFor[libvirtxml.DomainAddressCCW]():          addressCCW,
		reflect.TypeFor[libvirtxml.DomainAddressVirtioSerial](): addressVirtioSerial,
		reflect.TypeFor[libvirtxml.DomainAddressSpaprVIO]():     addressSpaprVIO,
		reflect.TypeFor[libvirtxml.DomainAddressCCID]():         addressCCID,
		reflect.TypeFor[libvirtxml.DomainAddressVirtioMMIO]():   emptyElement,
		reflect.TypeFor[libvirtxml.DomainAddressVirtioS390]():   emptyElement,
		reflect.TypeFor[libvirtxml.DomainAddressUnassigned]():   emptyElement,
		reflect.TypeFor[libvirtxml.DomainController]():          controller,
		reflect.TypeFor[libvirtxml.DomainControllerPCITarget](): controllerPCITarget,
		reflect.TypeFor[libvirtxml.DomainDisk]():                disk,
		reflect.TypeFor[libvirtxml.DomainDiskSource]():          diskSource,
		reflect.TypeFor[libvirtxml.DomainDiskBackingStore]():    backingStore,
		reflect.TypeFor[libvirtxml.DomainNVRam]():               nvram,
		reflect.TypeFor[libvirtxml.DomainInterface]():           iface,
		reflect.TypeFor[libvirtxml.DomainInterfaceSource]():     ifaceSource,
		reflect.TypeFor[libvirtxml.DomainSerial]():              serial,
		reflect.TypeFor[libvirtxml.DomainConsole]():             console,
		reflect.TypeFor[libvirtxml.DomainChannel]():             channel,
		reflect.TypeFor[libvirtxml.DomainRedirDev]():            redirdev,
		reflect.TypeFor[libvirtxml.DomainChannelTarget]():       channelTarget,
		reflect.TypeFor[libvirtxml.DomainChardevSource]():       chardevSource,
		reflect.TypeFor[libvirtxml.DomainInput]():               input,
		reflect.TypeFor[libvirtxml.DomainGraphic]():             graphic,
		reflect.TypeFor[libvirtxml.DomainGraphicListener]():     graphicListener,
		reflect.TypeFor[libvirtxml.DomainAudio]():               audio,
		reflect.TypeFor[libvirtxml.DomainRNGBackend]():          rngBackend,
	}
}

// pointer is the element of x, a pointer, addressable; invalid for nil.
func pointer[T any](x *T) reflect.Value {
	if x == nil {
		return reflect.Value{}
	}
	return reflect.ValueOf(x).Elem()
}

// child encodes *x as EncodeElement(x, s) does, x a non-nil pointer.
func child[T any](e *encoder, x *T, s start) error {
	return e.elementOf(pointer(x), true, s)
}

// uintAttr is libvirtxml's marshalUintAttr: the attribute when the value is set, in
// decimal, or in hexadecimal with "0x" and at least width digits when hex.
func uintAttr[T uint | uint64](s *start, name string, v *T, hex bool, width int) {
	if v == nil {
		return
	}
	if !hex {
		s.add(name, strconv.FormatUint(uint64(*v), 10))
		return
	}
	digits := strconv.FormatUint(uint64(*v), 16)
	const zeros = "0000000000000000"
	if pad := width - len(digits); pad > 0 {
		digits = zeros[:pad] + digits
	}
	s.add(name, "0x"+digits)
}

// leaf writes an element with s's attributes and no content, as the address
// marshalers' EncodeToken(start), EncodeToken(start.End()) do.
func leaf(e *encoder, s start) error {
	if err := e.token(s); err != nil {
		return err
	}
	e.end(s)
	return nil
}

func emptyElement(e *encoder, _ reflect.Value, s start) error { return leaf(e, s) }

func address(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddress)
	typed := func(kind string, x reflect.Value) error {
		s.add("type", kind)
		return e.elementOf(x, true, s)
	}
	switch {
	case a.USB != nil:
		return typed("usb", pointer(a.USB))
	case a.PCI != nil:
		return typed("pci", pointer(a.PCI))
	case a.Drive != nil:
		return typed("drive", pointer(a.Drive))
	case a.DIMM != nil:
		return typed("dimm", pointer(a.DIMM))
	case a.ISA != nil:
		return typed("isa", pointer(a.ISA))
	case a.VirtioMMIO != nil:
		return typed("virtio-mmio", pointer(a.VirtioMMIO))
	case a.CCW != nil:
		return typed("ccw", pointer(a.CCW))
	case a.VirtioSerial != nil:
		return typed("virtio-serial", pointer(a.VirtioSerial))
	case a.SpaprVIO != nil:
		return typed("spapr-vio", pointer(a.SpaprVIO))
	case a.CCID != nil:
		return typed("ccid", pointer(a.CCID))
	case a.VirtioS390 != nil:
		return typed("virtio-s390", pointer(a.VirtioS390))
	case a.Unassigned != nil:
		return typed("unassigned", pointer(a.Unassigned))
	}
	return nil
}

func addressPCI(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressPCI)
	uintAttr(&s, "domain", a.Domain, true, 4)
	uintAttr(&s, "bus", a.Bus, true, 2)
	uintAttr(&s, "slot", a.Slot, true, 2)
	uintAttr(&s, "function", a.Function, true, 0)
	if a.MultiFunction != "" {
		s.add("multifunction", a.MultiFunction)
	}
	if err := e.token(s); err != nil {
		return err
	}
	if a.ZPCI != nil {
		if err := child(e, a.ZPCI, start{name: "zpci"}); err != nil {
			return err
		}
	}
	e.end(s)
	return nil
}

func addressZPCI(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressZPCI)
	uintAttr(&s, "uid", a.UID, true, 4)
	uintAttr(&s, "fid", a.FID, true, 4)
	return leaf(e, s)
}

func addressUSB(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressUSB)
	uintAttr(&s, "bus", a.Bus, false, 0)
	if a.Port != "" {
		s.add("port", a.Port)
	}
	uintAttr(&s, "device", a.Device, false, 0)
	return leaf(e, s)
}

func addressDrive(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressDrive)
	uintAttr(&s, "controller", a.Controller, false, 0)
	uintAttr(&s, "bus", a.Bus, false, 0)
	uintAttr(&s, "target", a.Target, false, 0)
	uintAttr(&s, "unit", a.Unit, false, 0)
	return leaf(e, s)
}

func addressDIMM(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressDIMM)
	uintAttr(&s, "slot", a.Slot, false, 0)
	uintAttr(&s, "base", a.Base, true, 0)
	return leaf(e, s)
}

func addressISA(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressISA)
	uintAttr(&s, "iobase", a.IOBase, true, 0)
	uintAttr(&s, "irq", a.IRQ, true, 0)
	return leaf(e, s)
}

func addressCCW(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressCCW)
	uintAttr(&s, "cssid", a.CSSID, true, 0)
	uintAttr(&s, "ssid", a.SSID, true, 0)
	uintAttr(&s, "devno", a.DevNo, true, 4)
	return leaf(e, s)
}

func addressVirtioSerial(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressVirtioSerial)
	uintAttr(&s, "controller", a.Controller, false, 0)
	uintAttr(&s, "bus", a.Bus, false, 0)
	uintAttr(&s, "port", a.Port, false, 0)
	return leaf(e, s)
}

func addressSpaprVIO(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressSpaprVIO)
	uintAttr(&s, "reg", a.Reg, true, 0)
	return leaf(e, s)
}

func addressCCID(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressCCID)
	uintAttr(&s, "controller", a.Controller, false, 0)
	uintAttr(&s, "slot", a.Slot, false, 0)
	return leaf(e, s)
}

// controller writes the controller's own fields together with those of its model's
// part (pci, usb, virtio-serial, xenbus), as libvirtxml's embedding structs do.
func controller(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainController)
	s.name = "controller"
	var part reflect.Value
	switch a.Type {
	case "pci":
		part = orZero(a.PCI)
	case "usb":
		part = orZero(a.USB)
	case "virtio-serial":
		part = orZero(a.VirtIOSerial)
	case "xenbus":
		part = orZero(a.XenBus)
	default:
		return e.plain(s, false, v)
	}
	return e.plain(s, false, part, v)
}

// orZero is *x, or T's zero value for nil, as libvirtxml copies a model's part.
func orZero[T any](x *T) reflect.Value {
	if x == nil {
		return reflect.Zero(reflect.TypeFor[T]())
	}
	return reflect.ValueOf(x).Elem()
}

func controllerPCITarget(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainControllerPCITarget)
	uintAttr(&s, "chassisNr", a.ChassisNr, false, 0)
	uintAttr(&s, "chassis", a.Chassis, false, 0)
	uintAttr(&s, "port", a.Port, false, 0)
	uintAttr(&s, "busNr", a.BusNr, false, 0)
	uintAttr(&s, "index", a.Index, false, 0)
	uintAttr(&s, "memReserve", a.MemReserve, false, 0)
	if a.Hotplug != "" {
		s.add("hotplug", a.Hotplug)
	}
	if err := e.token(s); err != nil {
		return err
	}
	if a.NUMANode != nil {
		node := start{name: "node"}
		if err := e.token(node); err != nil {
			return err
		}
		if err := e.text(strconv.FormatUint(uint64(*a.NUMANode), 10)); err != nil {
			return err
		}
		e.end(node)
	}
	e.end(s)
	return nil
}

// diskSourceType is the type attribute libvirtxml gives a disk, a backing store or
// an NVRAM from the kind of its source; nvme says whether that kind counts.
func diskSourceType(src *libvirtxml.DomainDiskSource, nvme bool) string {
	switch {
	case src == nil:
		return ""
	case src.File != nil:
		return "file"
	case src.Block != nil:
		return "block"
	case src.Dir != nil:
		return "dir"
	case src.Network != nil:
		return "network"
	case src.Volume != nil:
		return "volume"
	case src.NVME != nil && nvme:
		return "nvme"
	case src.VHostUser != nil:
		return "vhostuser"
	case src.VHostVDPA != nil:
		return "vhostvdpa"
	}
	return ""
}

// typedCopy is the common shape of libvirtxml's device marshalers: the element's
// name, a type attribute where there is one, and the struct's own fields.
func typedCopy(e *encoder, v reflect.Value, s start, name, kind string) error {
	s.name = name
	if kind != "" {
		s.add("type", kind)
	}
	return e.plain(s, false, v)
}

func disk(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainDisk)
	return typedCopy(e, v, s, "disk", diskSourceType(a.Source, true))
}

func backingStore(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainDiskBackingStore)
	return typedCopy(e, v, s, "backingStore", diskSourceType(a.Source, false))
}

func nvram(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainNVRam)
	return typedCopy(e, v, s, "nvram", diskSourceType(a.Source, true))
}

// diskSource writes the source's own fields after those of its kind, and nothing for
// a file, block or volume source that names nothing.
func diskSource(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainDiskSource)
	bare := a.StartupPolicy == "" && a.Encryption == nil
	switch {
	case a.File != nil:
		if bare && a.File.File == "" {
			return nil
		}
		return e.plain(s, true, pointer(a.File), v)
	case a.Block != nil:
		if bare && a.Block.Dev == "" {
			return nil
		}
		return e.plain(s, true, pointer(a.Block), v)
	case a.Dir != nil:
		return e.plain(s, true, pointer(a.Dir), v)
	case a.Network != nil:
		return e.plain(s, true, pointer(a.Network), v)
	case a.Volume != nil:
		if bare && a.Volume.Pool == "" && a.Volume.Volume == "" {
			return nil
		}
		return e.plain(s, true, pointer(a.Volume), v)
	case a.NVME != nil:
		if a.NVME.PCI == nil {
			return nil
		}
		s.add("type", "pci")
		return e.plain(s, true, pointer(a.NVME.PCI), v)
	case a.VHostUser != nil:
		return e.plain(s, true, pointer(a.VHostUser), v)
	case a.VHostVDPA != nil:
		return e.plain(s, true, pointer(a.VHostVDPA), v)
	}
	return nil
}

func iface(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainInterface)
	kind := ""
	if src := a.Source; src != nil {
		switch {
		case src.User != nil:
			kind = "user"
		case src.Ethernet != nil:
			kind = "ethernet"
		case src.VHostUser != nil:
			kind = "vhostuser"
		case src.Server != nil:
			kind = "server"
		case src.Client != nil:
			kind = "client"
		case src.MCast != nil:
			kind = "mcast"
		case src.Network != nil:
			kind = "network"
		case src.Bridge != nil:
			kind = "bridge"
		case src.Internal != nil:
			kind = "internal"
		case src.Direct != nil:
			kind = "direct"
		case src.Hostdev != nil:
			kind = "hostdev"
		case src.UDP != nil:
			kind = "udp"
		case src.VDPA != nil:
			kind = "vdpa"
		case src.Null != nil:
			kind = "null"
		case src.VDS != nil:
			kind = "vds"
		}
	}
	return typedCopy(e, v, s, "interface", kind)
}

func ifaceSource(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainInterfaceSource)
	switch {
	case a.User != nil:
		if a.User.Dev == "" {
			return nil
		}
		return child(e, a.User, s)
	case a.Ethernet != nil:
		if len(a.Ethernet.IP) == 0 || len(a.Ethernet.Route) == 0 {
			return nil
		}
		return child(e, a.Ethernet, s)
	case a.VHostUser != nil:
		return child(e, a.VHostUser, s)
	case a.Server != nil:
		return child(e, a.Server, s)
	case a.Client != nil:
		return child(e, a.Client, s)
	case a.MCast != nil:
		return child(e, a.MCast, s)
	case a.Network != nil:
		return child(e, a.Network, s)
	case a.Bridge != nil:
		return child(e, a.Bridge, s)
	case a.Internal != nil:
		return child(e, a.Internal, s)
	case a.Direct != nil:
		return child(e, a.Direct, s)
	case a.Hostdev != nil:
		return child(e, a.Hostdev, s)
	case a.UDP != nil:
		return child(e, a.UDP, s)
	case a.VDPA != nil:
		return child(e, a.VDPA, s)
	case a.Null != nil:
		return child(e, a.Null, s)
	case a.VDS != nil:
		return child(e, a.VDS, s)
	}
	return nil
}

// chardevType is libvirtxml's getChardevSourceType.
func chardevType(src *libvirtxml.DomainChardevSource) string {
	switch {
	case src == nil:
		return ""
	case src.Null != nil:
		return "null"
	case src.VC != nil:
		return "vc"
	case src.Pty != nil:
		return "pty"
	case src.Dev != nil:
		return "dev"
	case src.File != nil:
		return "file"
	case src.Pipe != nil:
		return "pipe"
	case src.StdIO != nil:
		return "stdio"
	case src.UDP != nil:
		return "udp"
	case src.TCP != nil:
		return "tcp"
	case src.UNIX != nil:
		return "unix"
	case src.SpiceVMC != nil:
		return "spicevmc"
	case src.SpicePort != nil:
		return "spiceport"
	case src.NMDM != nil:
		return "nmdm"
	case src.QEMUVDAgent != nil:
		return "qemu-vdagent"
	case src.DBus != nil:
		return "dbus"
	}
	return ""
}

func serial(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainSerial)
	return typedCopy(e, v, s, "serial", chardevType(a.Source))
}

func console(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainConsole)
	return typedCopy(e, v, s, "console", chardevType(a.Source))
}

func channel(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainChannel)
	return typedCopy(e, v, s, "channel", chardevType(a.Source))
}

func redirdev(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainRedirDev)
	return typedCopy(e, v, s, "redirdev", chardevType(a.Source))
}

func channelTarget(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainChannelTarget)
	switch {
	case a.VirtIO != nil:
		s.add("type", "virtio")
		return child(e, a.VirtIO, s)
	case a.Xen != nil:
		s.add("type", "xen")
		return child(e, a.Xen, s)
	case a.GuestFWD != nil:
		s.add("type", "guestfwd")
		return child(e, a.GuestFWD, s)
	}
	return nil
}

// chardevSource writes the source element of the kinds that have one; a UDP source,
// which libvirtxml writes as two elements, goes to encoding/xml.
func chardevSource(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainChardevSource)
	switch {
	case a.Null != nil, a.VC != nil, a.StdIO != nil, a.SpiceVMC != nil:
		return nil
	case a.Pty != nil:
		if a.Pty.Path == "" {
			return nil
		}
		return child(e, a.Pty, s)
	case a.Dev != nil:
		return child(e, a.Dev, s)
	case a.File != nil:
		return child(e, a.File, s)
	case a.Pipe != nil:
		return child(e, a.Pipe, s)
	case a.UDP != nil:
		return e.viaEncodingXML(v, s, true)
	case a.TCP != nil:
		return child(e, a.TCP, s)
	case a.UNIX != nil:
		if a.UNIX.Path == "" && a.UNIX.Mode == "" {
			return nil
		}
		return child(e, a.UNIX, s)
	case a.SpicePort != nil:
		return child(e, a.SpicePort, s)
	case a.NMDM != nil:
		return child(e, a.NMDM, s)
	case a.QEMUVDAgent != nil:
		return child(e, a.QEMUVDAgent, s)
	case a.DBus != nil:
		return child(e, a.DBus, s)
	}
	return nil
}

func input(e *encoder, v reflect.Value, s start) error {
	return typedCopy(e, v, s, "input", "")
}

// graphicAudio is the audio field libvirtxml's graphics structs carry beside the
// protocol's own fields.
type graphicAudio struct {
	Audio *libvirtxml.DomainGraphicAudio `xml:"audio"`
}

func graphic(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainGraphic)
	s.name = "graphics"
	withAudio := func(kind string, proto reflect.Value) error {
		s.add("type", kind)
		return e.plain(s, false, proto, reflect.ValueOf(graphicAudio{a.Audio}))
	}
	switch {
	case a.SDL != nil:
		return withAudio("sdl", pointer(a.SDL))
	case a.VNC != nil:
		return withAudio("vnc", pointer(a.VNC))
	case a.RDP != nil:
		return withAudio("rdp", pointer(a.RDP))
	case a.Desktop != nil:
		return withAudio("desktop", pointer(a.Desktop))
	case a.Spice != nil:
		return withAudio("spice", pointer(a.Spice))
	case a.EGLHeadless != nil:
		return withAudio("egl-headless", pointer(a.EGLHeadless))
	case a.DBus != nil:
		return withAudio("dbus", pointer(a.DBus))
	}
	return nil
}

func graphicListener(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainGraphicListener)
	s.name = "listen"
	switch {
	case a.Address != nil:
		s.add("type", "address")
		return child(e, a.Address, s)
	case a.Network != nil:
		s.add("type", "network")
		return child(e, a.Network, s)
	case a.Socket != nil:
		s.add("type", "socket")
		return child(e, a.Socket, s)
	}
	s.add("type", "none")
	return leaf(e, s)
}

func audio(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAudio)
	s.name = "audio"
	if a.ID != 0 {
		s.add("id", strconv.Itoa(a.ID))
	}
	if a.TimerPeriod != 0 {
		s.add("timerPeriod", strconv.FormatUint(uint64(a.TimerPeriod), 10))
	}
	typed := func(kind string, x reflect.Value) error {
		s.add("type", kind)
		return e.elementOf(x, true, s)
	}
	switch {
	case a.None != nil:
		return typed("none", pointer(a.None))
	case a.ALSA != nil:
		return typed("alsa", pointer(a.ALSA))
	case a.CoreAudio != nil:
		return typed("coreaudio", pointer(a.CoreAudio))
	case a.Jack != nil:
		return typed("jack", pointer(a.Jack))
	case a.OSS != nil:
		return typed("oss", pointer(a.OSS))
	case a.PulseAudio != nil:
		return typed("pulseaudio", pointer(a.PulseAudio))
	case a.SDL != nil:
		return typed("sdl", pointer(a.SDL))
	case a.SPICE != nil:
		return typed("spice", pointer(a.SPICE))
	case a.File != nil:
		return typed("file", pointer(a.File))
	case a.DBus != nil:
		return typed("dbus", pointer(a.DBus))
	case a.PipeWire != nil:
		return typed("pipewire", pointer(a.PipeWire))
	}
	return nil
}

func rngBackend(e *encoder, v reflect.Value, s start) error {
	a := v.Addr().Interface().(*libvirtxml.DomainRNGBackend)
	switch {
	case a.Random != nil:
		s.add("model", "random")
		return child(e, a.Random, s)
	case a.EGD != nil:
		s.add("model", "egd")
		return child(e, a.EGD, s)
	case a.BuiltIn != nil:
		s.add("model", "builtin")
		return child(e, a.BuiltIn, s)
	}
	return nil
}
