package xmlscan

import (
	"encoding/xml"
	"reflect"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// hook decodes an element into a value of a type whose UnmarshalXML libvirtxml wrote
// by hand, as that method does, so the decoder need not hand the element (and all of
// a device below it) to encoding/xml. v is addressable; name and attrs are the
// element's start. Each hook is the method's logic, step for step, and reads through
// the element's end; where the method would leave the element half read (which
// encoding/xml reports as an error) the hook gives up. The types without one go
// through encoding/xml, and FuzzDecodeAgrees holds both to the same result.
type hook func(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error

// hooks is filled once, in init, and only read after: the hooks call back into the
// decoder, which looks them up.
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
		reflect.TypeFor[libvirtxml.DomainAddressVirtioMMIO]():   skipElement,
		reflect.TypeFor[libvirtxml.DomainAddressVirtioS390]():   skipElement,
		reflect.TypeFor[libvirtxml.DomainAddressUnassigned]():   skipElement,
		reflect.TypeFor[libvirtxml.DomainController]():          controller,
		reflect.TypeFor[libvirtxml.DomainControllerPCITarget](): controllerPCITarget,
		reflect.TypeFor[libvirtxml.DomainDisk]():                disk,
		reflect.TypeFor[libvirtxml.DomainDiskSource]():          diskSource,
		reflect.TypeFor[libvirtxml.DomainInterface]():           iface,
		reflect.TypeFor[libvirtxml.DomainInterfaceSource]():     ifaceSource,
		reflect.TypeFor[libvirtxml.DomainSerial]():              chardev,
		reflect.TypeFor[libvirtxml.DomainConsole]():             chardev,
		reflect.TypeFor[libvirtxml.DomainChannel]():             chardev,
		reflect.TypeFor[libvirtxml.DomainRedirDev]():            chardev,
		reflect.TypeFor[libvirtxml.DomainChardevSource]():       chardevSource,
		reflect.TypeFor[libvirtxml.DomainChannelTarget]():       channelTarget,
		reflect.TypeFor[libvirtxml.DomainInput]():               input,
		reflect.TypeFor[libvirtxml.DomainGraphic]():             graphic,
		reflect.TypeFor[libvirtxml.DomainGraphicListener]():     graphicListener,
		reflect.TypeFor[libvirtxml.DomainAudio]():               audio,
		reflect.TypeFor[libvirtxml.DomainRNGBackend]():          rngBackend,
	}
}

// getAttr is libvirtxml's getAttr: the first attribute of that local name.
func getAttr(attrs []xml.Attr, name string) (string, bool) {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// elem is *x, addressable, to decode into.
func elem[T any](x *T) reflect.Value { return reflect.ValueOf(x).Elem() }

// into is DecodeElement(x, &start) of the element that just started.
func into[T any](d *decoder, x *T, name string, attrs []xml.Attr) error {
	return d.element(elem(x), name, attrs)
}

// setUint is libvirtxml's unmarshalUintAttr (and, for uint64, unmarshalUint64Attr).
func setUint[T uint | uint64](value string, dst **T, base int) error {
	if base == 16 {
		value = strings.TrimPrefix(value, "0x")
	}
	n, err := strconv.ParseUint(value, base, 64)
	if err != nil {
		return errFallback
	}
	u := T(n)
	*dst = &u
	return nil
}

// uintAttrs sets each attribute named in bases, in the order they come, as the
// address unmarshalers' loops over start.Attr do, then skips the element.
func uintAttrs(d *decoder, attrs []xml.Attr, set func(name, value string) error) error {
	for _, a := range attrs {
		if err := set(a.Name.Local, a.Value); err != nil {
			return err
		}
	}
	return d.skip()
}

func skipElement(d *decoder, _ reflect.Value, _ string, _ []xml.Attr) error { return d.skip() }

func address(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddress)
	typ, _ := getAttr(attrs, "type")
	switch typ {
	case "":
		return d.skip()
	case "usb":
		a.USB = &libvirtxml.DomainAddressUSB{}
		return into(d, a.USB, name, attrs)
	case "pci":
		a.PCI = &libvirtxml.DomainAddressPCI{}
		return into(d, a.PCI, name, attrs)
	case "drive":
		a.Drive = &libvirtxml.DomainAddressDrive{}
		return into(d, a.Drive, name, attrs)
	case "dimm":
		a.DIMM = &libvirtxml.DomainAddressDIMM{}
		return into(d, a.DIMM, name, attrs)
	case "isa":
		a.ISA = &libvirtxml.DomainAddressISA{}
		return into(d, a.ISA, name, attrs)
	case "virtio-mmio":
		a.VirtioMMIO = &libvirtxml.DomainAddressVirtioMMIO{}
		return into(d, a.VirtioMMIO, name, attrs)
	case "ccw":
		a.CCW = &libvirtxml.DomainAddressCCW{}
		return into(d, a.CCW, name, attrs)
	case "virtio-serial":
		a.VirtioSerial = &libvirtxml.DomainAddressVirtioSerial{}
		return into(d, a.VirtioSerial, name, attrs)
	case "spapr-vio":
		a.SpaprVIO = &libvirtxml.DomainAddressSpaprVIO{}
		return into(d, a.SpaprVIO, name, attrs)
	case "ccid":
		a.CCID = &libvirtxml.DomainAddressCCID{}
		return into(d, a.CCID, name, attrs)
	case "virtio-s390":
		a.VirtioS390 = &libvirtxml.DomainAddressVirtioS390{}
		return into(d, a.VirtioS390, name, attrs)
	case "unassigned":
		a.Unassigned = &libvirtxml.DomainAddressUnassigned{}
		return into(d, a.Unassigned, name, attrs)
	}
	return errFallback // libvirtxml leaves the element unread, an error
}

// addressPCI reads the attributes, then every token to the end, decoding a <zpci>
// wherever one starts, as libvirtxml's loop does.
func addressPCI(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressPCI)
	for _, at := range attrs {
		var err error
		switch at.Name.Local {
		case "domain":
			err = setUint(at.Value, &a.Domain, 0)
		case "bus":
			err = setUint(at.Value, &a.Bus, 0)
		case "slot":
			err = setUint(at.Value, &a.Slot, 0)
		case "function":
			err = setUint(at.Value, &a.Function, 0)
		case "multifunction":
			a.MultiFunction = at.Value
		}
		if err != nil {
			return err
		}
	}
	return d.eachToken(func(tok Token) (bool, error) {
		if tok.Kind != Start || local(tok.Name) != "zpci" {
			return false, nil
		}
		a.ZPCI = &libvirtxml.DomainAddressZPCI{}
		return true, into(d, a.ZPCI, tok.Name, tok.Attr)
	})
}

func addressZPCI(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressZPCI)
	return uintAttrs(d, attrs, func(name, value string) error {
		switch name {
		case "fid":
			return setUint(value, &a.FID, 0)
		case "uid":
			return setUint(value, &a.UID, 0)
		}
		return nil
	})
}

func addressUSB(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressUSB)
	return uintAttrs(d, attrs, func(name, value string) error {
		switch name {
		case "bus":
			return setUint(value, &a.Bus, 10)
		case "port":
			a.Port = value
		case "device":
			return setUint(value, &a.Device, 10)
		}
		return nil
	})
}

func addressDrive(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressDrive)
	return uintAttrs(d, attrs, func(name, value string) error {
		switch name {
		case "controller":
			return setUint(value, &a.Controller, 10)
		case "bus":
			return setUint(value, &a.Bus, 10)
		case "target":
			return setUint(value, &a.Target, 10)
		case "unit":
			return setUint(value, &a.Unit, 10)
		}
		return nil
	})
}

func addressDIMM(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressDIMM)
	return uintAttrs(d, attrs, func(name, value string) error {
		switch name {
		case "slot":
			return setUint(value, &a.Slot, 10)
		case "base":
			return setUint(value, &a.Base, 16)
		}
		return nil
	})
}

func addressISA(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressISA)
	return uintAttrs(d, attrs, func(name, value string) error {
		switch name {
		case "iobase":
			return setUint(value, &a.IOBase, 16)
		case "irq":
			return setUint(value, &a.IRQ, 16)
		}
		return nil
	})
}

func addressCCW(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressCCW)
	return uintAttrs(d, attrs, func(name, value string) error {
		switch name {
		case "cssid":
			return setUint(value, &a.CSSID, 0)
		case "ssid":
			return setUint(value, &a.SSID, 0)
		case "devno":
			return setUint(value, &a.DevNo, 0)
		}
		return nil
	})
}

func addressVirtioSerial(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressVirtioSerial)
	return uintAttrs(d, attrs, func(name, value string) error {
		switch name {
		case "controller":
			return setUint(value, &a.Controller, 10)
		case "bus":
			return setUint(value, &a.Bus, 10)
		case "port":
			return setUint(value, &a.Port, 10)
		}
		return nil
	})
}

func addressSpaprVIO(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressSpaprVIO)
	return uintAttrs(d, attrs, func(name, value string) error {
		if name == "reg" {
			return setUint(value, &a.Reg, 16)
		}
		return nil
	})
}

func addressCCID(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAddressCCID)
	return uintAttrs(d, attrs, func(name, value string) error {
		switch name {
		case "controller":
			return setUint(value, &a.Controller, 10)
		case "slot":
			return setUint(value, &a.Slot, 10)
		}
		return nil
	})
}

// controller decodes the controller's own fields together with those of its
// model's part, into a fresh controller, as libvirtxml's embedding structs do.
func controller(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainController)
	typ, ok := getAttr(attrs, "type")
	if !ok {
		return errFallback // libvirtxml's "Missing 'type' attribute" error
	}
	switch typ {
	case "pci":
		part := &libvirtxml.DomainControllerPCI{}
		*a = libvirtxml.DomainController{}
		if err := d.parts(name, attrs, elem(part), v); err != nil {
			return err
		}
		a.PCI = part
	case "usb":
		part := &libvirtxml.DomainControllerUSB{}
		*a = libvirtxml.DomainController{}
		if err := d.parts(name, attrs, elem(part), v); err != nil {
			return err
		}
		a.USB = part
	case "virtio-serial":
		part := &libvirtxml.DomainControllerVirtIOSerial{}
		*a = libvirtxml.DomainController{}
		if err := d.parts(name, attrs, elem(part), v); err != nil {
			return err
		}
		a.VirtIOSerial = part
	case "xenbus":
		part := &libvirtxml.DomainControllerXenBus{}
		*a = libvirtxml.DomainController{}
		if err := d.parts(name, attrs, elem(part), v); err != nil {
			return err
		}
		a.XenBus = part
	default:
		return d.parts(name, attrs, v)
	}
	return nil
}

// controllerPCITarget reads the attributes, then every token to the end, taking the
// token after each <node> start as its number, as libvirtxml's loop does.
func controllerPCITarget(d *decoder, v reflect.Value, _ string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainControllerPCITarget)
	for _, at := range attrs {
		var err error
		switch at.Name.Local {
		case "chassisNr":
			err = setUint(at.Value, &a.ChassisNr, 10)
		case "chassis":
			err = setUint(at.Value, &a.Chassis, 10)
		case "port":
			err = setUint(at.Value, &a.Port, 0)
		case "busNr":
			err = setUint(at.Value, &a.BusNr, 10)
		case "index":
			err = setUint(at.Value, &a.Index, 10)
		case "memReserve":
			err = setUint(at.Value, &a.MemReserve, 10)
		case "hotplug":
			a.Hotplug = at.Value
		}
		if err != nil {
			return err
		}
	}
	depth := 0
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch tok.Kind {
		case Start:
			depth++
			if local(tok.Name) != "node" {
				continue
			}
			data, err := d.next()
			if err != nil {
				return err
			}
			switch data.Kind {
			case Text:
				n, err := strconv.ParseUint(data.Text, 10, 64)
				if err != nil {
					return errFallback
				}
				node := uint(n)
				a.NUMANode = &node
			case Start:
				depth++
			case End:
				depth--
			}
		case End:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

func disk(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainDisk)
	typ, ok := getAttr(attrs, "type")
	if !ok {
		typ = "file"
	}
	a.Source = &libvirtxml.DomainDiskSource{}
	switch typ {
	case "file":
		a.Source.File = &libvirtxml.DomainDiskSourceFile{}
	case "block":
		a.Source.Block = &libvirtxml.DomainDiskSourceBlock{}
	case "network":
		a.Source.Network = &libvirtxml.DomainDiskSourceNetwork{}
	case "dir":
		a.Source.Dir = &libvirtxml.DomainDiskSourceDir{}
	case "volume":
		a.Source.Volume = &libvirtxml.DomainDiskSourceVolume{}
	case "nvme":
		a.Source.NVME = &libvirtxml.DomainDiskSourceNVME{}
	case "vhostuser":
		a.Source.VHostUser = &libvirtxml.DomainDiskSourceVHostUser{}
	case "vhostvdpa":
		a.Source.VHostVDPA = &libvirtxml.DomainDiskSourceVHostVDPA{}
	}
	return d.parts(name, attrs, v)
}

// diskSource decodes the source's own fields together with those of its kind, which
// the disk chose from its type.
func diskSource(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainDiskSource)
	switch {
	case a.File != nil:
		return d.parts(name, attrs, elem(a.File), v)
	case a.Block != nil:
		return d.parts(name, attrs, elem(a.Block), v)
	case a.Dir != nil:
		return d.parts(name, attrs, elem(a.Dir), v)
	case a.Network != nil:
		return d.parts(name, attrs, elem(a.Network), v)
	case a.Volume != nil:
		return d.parts(name, attrs, elem(a.Volume), v)
	case a.NVME != nil:
		typ, ok := getAttr(attrs, "type")
		if !ok || typ != "pci" {
			return errFallback // an error, or the element left unread
		}
		a.NVME.PCI = &libvirtxml.DomainDiskSourceNVMEPCI{}
		return d.parts(name, attrs, elem(a.NVME.PCI), v)
	case a.VHostUser != nil:
		return d.parts(name, attrs, elem(a.VHostUser), v)
	case a.VHostVDPA != nil:
		return d.parts(name, attrs, elem(a.VHostVDPA), v)
	}
	return errFallback // the element left unread
}

func iface(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainInterface)
	typ, ok := getAttr(attrs, "type")
	if !ok {
		return errFallback // libvirtxml's "Missing interface type attribute" error
	}
	src := &libvirtxml.DomainInterfaceSource{}
	a.Source = src
	switch typ {
	case "user":
		src.User = &libvirtxml.DomainInterfaceSourceUser{}
	case "ethernet":
		src.Ethernet = &libvirtxml.DomainInterfaceSourceEthernet{}
	case "vhostuser":
		src.VHostUser = &libvirtxml.DomainInterfaceSourceVHostUser{}
	case "server":
		src.Server = &libvirtxml.DomainInterfaceSourceServer{}
	case "client":
		src.Client = &libvirtxml.DomainInterfaceSourceClient{}
	case "mcast":
		src.MCast = &libvirtxml.DomainInterfaceSourceMCast{}
	case "network":
		src.Network = &libvirtxml.DomainInterfaceSourceNetwork{}
	case "bridge":
		src.Bridge = &libvirtxml.DomainInterfaceSourceBridge{}
	case "internal":
		src.Internal = &libvirtxml.DomainInterfaceSourceInternal{}
	case "direct":
		src.Direct = &libvirtxml.DomainInterfaceSourceDirect{}
	case "hostdev":
		src.Hostdev = &libvirtxml.DomainInterfaceSourceHostdev{}
	case "udp":
		src.UDP = &libvirtxml.DomainInterfaceSourceUDP{}
	case "vdpa":
		src.VDPA = &libvirtxml.DomainInterfaceSourceVDPA{}
	case "null":
		src.Null = &libvirtxml.DomainInterfaceSourceNull{}
	case "vds":
		src.VDS = &libvirtxml.DomainInterfaceSourceVDS{}
	}
	return d.parts(name, attrs, v)
}

func ifaceSource(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainInterfaceSource)
	switch {
	case a.User != nil:
		return into(d, a.User, name, attrs)
	case a.Ethernet != nil:
		return into(d, a.Ethernet, name, attrs)
	case a.VHostUser != nil:
		return into(d, a.VHostUser, name, attrs)
	case a.Server != nil:
		return into(d, a.Server, name, attrs)
	case a.Client != nil:
		return into(d, a.Client, name, attrs)
	case a.MCast != nil:
		return into(d, a.MCast, name, attrs)
	case a.Network != nil:
		return into(d, a.Network, name, attrs)
	case a.Bridge != nil:
		return into(d, a.Bridge, name, attrs)
	case a.Internal != nil:
		return into(d, a.Internal, name, attrs)
	case a.Direct != nil:
		return into(d, a.Direct, name, attrs)
	case a.Hostdev != nil:
		return into(d, a.Hostdev, name, attrs)
	case a.UDP != nil:
		return into(d, a.UDP, name, attrs)
	case a.VDPA != nil:
		return into(d, a.VDPA, name, attrs)
	case a.Null != nil:
		return into(d, a.Null, name, attrs)
	case a.VDS != nil:
		return into(d, a.VDS, name, attrs)
	}
	return errFallback // the element left unread
}

// chardevSource is libvirtxml's createChardevSource: the source of a serial port,
// console, channel or redirected device, chosen by its type.
func chardevSourceFor(typ string) *libvirtxml.DomainChardevSource {
	s := &libvirtxml.DomainChardevSource{}
	switch typ {
	case "null":
		s.Null = &libvirtxml.DomainChardevSourceNull{}
	case "vc":
		s.VC = &libvirtxml.DomainChardevSourceVC{}
	case "pty":
		s.Pty = &libvirtxml.DomainChardevSourcePty{}
	case "dev":
		s.Dev = &libvirtxml.DomainChardevSourceDev{}
	case "file":
		s.File = &libvirtxml.DomainChardevSourceFile{}
	case "pipe":
		s.Pipe = &libvirtxml.DomainChardevSourcePipe{}
	case "stdio":
		s.StdIO = &libvirtxml.DomainChardevSourceStdIO{}
	case "udp":
		s.UDP = &libvirtxml.DomainChardevSourceUDP{}
	case "tcp":
		s.TCP = &libvirtxml.DomainChardevSourceTCP{}
	case "unix":
		s.UNIX = &libvirtxml.DomainChardevSourceUNIX{}
	case "spicevmc":
		s.SpiceVMC = &libvirtxml.DomainChardevSourceSpiceVMC{}
	case "spiceport":
		s.SpicePort = &libvirtxml.DomainChardevSourceSpicePort{}
	case "nmdm":
		s.NMDM = &libvirtxml.DomainChardevSourceNMDM{}
	case "qemu-vdagent":
		s.QEMUVDAgent = &libvirtxml.DomainChardevSourceQEMUVDAgent{}
	case "dbus":
		s.DBus = &libvirtxml.DomainChardevSourceDBus{}
	default:
		return nil
	}
	return s
}

// chardev is the unmarshaler of serial ports, consoles, channels and redirected
// devices alike: the source from the type (pty by default), then the fields.
func chardev(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	typ, ok := getAttr(attrs, "type")
	if !ok {
		typ = "pty"
	}
	v.FieldByName("Source").Set(reflect.ValueOf(chardevSourceFor(typ)))
	return d.parts(name, attrs, v)
}

func chardevSource(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainChardevSource)
	switch {
	case a.Null != nil, a.VC != nil, a.StdIO != nil, a.SpiceVMC != nil:
		return d.skip()
	case a.Pty != nil:
		return into(d, a.Pty, name, attrs)
	case a.Dev != nil:
		return into(d, a.Dev, name, attrs)
	case a.File != nil:
		return into(d, a.File, name, attrs)
	case a.Pipe != nil:
		return into(d, a.Pipe, name, attrs)
	case a.UDP != nil:
		return d.viaEncodingXML(v, name, attrs) // two <source> elements make one UDP source
	case a.TCP != nil:
		return into(d, a.TCP, name, attrs)
	case a.UNIX != nil:
		return into(d, a.UNIX, name, attrs)
	case a.SpicePort != nil:
		return into(d, a.SpicePort, name, attrs)
	case a.NMDM != nil:
		return into(d, a.NMDM, name, attrs)
	case a.QEMUVDAgent != nil:
		return into(d, a.QEMUVDAgent, name, attrs)
	case a.DBus != nil:
		return into(d, a.DBus, name, attrs)
	}
	return errFallback // the element left unread
}

func channelTarget(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainChannelTarget)
	typ, ok := getAttr(attrs, "type")
	if !ok {
		return errFallback // libvirtxml's "Missing channel target type" error
	}
	switch typ {
	case "virtio":
		a.VirtIO = &libvirtxml.DomainChannelTargetVirtIO{}
		return into(d, a.VirtIO, name, attrs)
	case "xen":
		a.Xen = &libvirtxml.DomainChannelTargetXen{}
		return into(d, a.Xen, name, attrs)
	case "guestfwd":
		a.GuestFWD = &libvirtxml.DomainChannelTargetGuestFWD{}
		return into(d, a.GuestFWD, name, attrs)
	}
	return d.skip()
}

func input(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainInput)
	if typ, ok := getAttr(attrs, "type"); ok {
		a.Source = &libvirtxml.DomainInputSource{}
		switch typ {
		case "passthrough":
			a.Source.Passthrough = &libvirtxml.DomainInputSourcePassthrough{}
		case "evdev":
			a.Source.EVDev = &libvirtxml.DomainInputSourceEVDev{}
		}
	}
	return d.parts(name, attrs, v)
}

// graphicAudio is the audio field libvirtxml's graphics structs carry beside the
// protocol's own fields.
type graphicAudio struct {
	Audio *libvirtxml.DomainGraphicAudio `xml:"audio"`
}

func graphic(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainGraphic)
	typ, ok := getAttr(attrs, "type")
	if !ok {
		return errFallback // libvirtxml's "Missing 'type' attribute" error
	}
	var audio graphicAudio
	withAudio := func(proto reflect.Value) error {
		if err := d.parts(name, attrs, proto, elem(&audio)); err != nil {
			return err
		}
		a.Audio = audio.Audio
		return nil
	}
	switch typ {
	case "sdl":
		a.SDL = &libvirtxml.DomainGraphicSDL{}
		return withAudio(elem(a.SDL))
	case "vnc":
		a.VNC = &libvirtxml.DomainGraphicVNC{}
		return withAudio(elem(a.VNC))
	case "rdp":
		a.RDP = &libvirtxml.DomainGraphicRDP{}
		return withAudio(elem(a.RDP))
	case "desktop":
		a.Desktop = &libvirtxml.DomainGraphicDesktop{}
		return withAudio(elem(a.Desktop))
	case "spice":
		a.Spice = &libvirtxml.DomainGraphicSpice{}
		return withAudio(elem(a.Spice))
	case "egl-headless":
		a.EGLHeadless = &libvirtxml.DomainGraphicEGLHeadless{}
		return withAudio(elem(a.EGLHeadless))
	case "dbus":
		a.DBus = &libvirtxml.DomainGraphicDBus{}
		return withAudio(elem(a.DBus))
	}
	return errFallback // the element left unread
}

func graphicListener(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainGraphicListener)
	typ, ok := getAttr(attrs, "type")
	if !ok {
		return errFallback // libvirtxml's "Missing 'type' attribute" error
	}
	switch typ {
	case "address":
		a.Address = &libvirtxml.DomainGraphicListenerAddress{}
		return into(d, a.Address, name, attrs)
	case "network":
		a.Network = &libvirtxml.DomainGraphicListenerNetwork{}
		return into(d, a.Network, name, attrs)
	case "socket":
		a.Socket = &libvirtxml.DomainGraphicListenerSocket{}
		return into(d, a.Socket, name, attrs)
	case "none":
		return d.skip()
	}
	return errFallback // the element left unread
}

func audio(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainAudio)
	typ, ok := getAttr(attrs, "type")
	if !ok {
		return errFallback // libvirtxml's "Missing 'type' attribute" error
	}
	if id, ok := getAttr(attrs, "id"); ok {
		n, err := strconv.ParseInt(id, 10, 32)
		if err != nil {
			return errFallback
		}
		a.ID = int(n)
	}
	if period, ok := getAttr(attrs, "timerPeriod"); ok {
		n, err := strconv.ParseUint(period, 10, 32)
		if err != nil {
			return errFallback
		}
		a.TimerPeriod = uint(n)
	}
	switch typ {
	case "none":
		a.None = &libvirtxml.DomainAudioNone{}
		return into(d, a.None, name, attrs)
	case "alsa":
		a.ALSA = &libvirtxml.DomainAudioALSA{}
		return into(d, a.ALSA, name, attrs)
	case "coreaudio":
		a.CoreAudio = &libvirtxml.DomainAudioCoreAudio{}
		return into(d, a.CoreAudio, name, attrs)
	case "jack":
		a.Jack = &libvirtxml.DomainAudioJack{}
		return into(d, a.Jack, name, attrs)
	case "oss":
		a.OSS = &libvirtxml.DomainAudioOSS{}
		return into(d, a.OSS, name, attrs)
	case "pulseaudio":
		a.PulseAudio = &libvirtxml.DomainAudioPulseAudio{}
		return into(d, a.PulseAudio, name, attrs)
	case "sdl":
		a.SDL = &libvirtxml.DomainAudioSDL{}
		return into(d, a.SDL, name, attrs)
	case "spice":
		a.SPICE = &libvirtxml.DomainAudioSPICE{}
		return into(d, a.SPICE, name, attrs)
	case "file":
		a.File = &libvirtxml.DomainAudioFile{}
		return into(d, a.File, name, attrs)
	case "dbus":
		a.DBus = &libvirtxml.DomainAudioDBus{}
		return into(d, a.DBus, name, attrs)
	case "pipewire":
		a.PipeWire = &libvirtxml.DomainAudioPipeWire{}
		return into(d, a.PipeWire, name, attrs)
	}
	return errFallback // the element left unread
}

// rngBackend decodes the backend of its model, then skips what is left, which is
// nothing once the element is decoded.
func rngBackend(d *decoder, v reflect.Value, name string, attrs []xml.Attr) error {
	a := v.Addr().Interface().(*libvirtxml.DomainRNGBackend)
	model, ok := getAttr(attrs, "model")
	if !ok {
		return errFallback // the element left unread
	}
	switch model {
	case "random":
		a.Random = &libvirtxml.DomainRNGBackendRandom{}
		return into(d, a.Random, name, attrs)
	case "egd":
		a.EGD = &libvirtxml.DomainRNGBackendEGD{}
		return into(d, a.EGD, name, attrs)
	case "builtin":
		a.BuiltIn = &libvirtxml.DomainRNGBackendBuiltIn{}
		return into(d, a.BuiltIn, name, attrs)
	}
	return d.skip()
}

// local is an element name without its prefix.
func local(name string) string { return splitName(name).Local }
