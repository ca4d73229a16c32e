package nodedev

import (
	"encoding/binary"

	"libvirt.org/go/libvirtxml"
)

// PCI header types (config offset 0x0e, low 7 bits), as virPCIHeaderType.
const (
	headerEndpoint      = 0
	headerPCIBridge     = 1
	headerCardbusBridge = 2
)

// Config space offsets and values of the PCI and PCIe specifications used here.
const (
	cfgStatus        = 0x06
	cfgHeaderType    = 0x0e
	cfgCapPointer    = 0x34
	statusCapList    = 0x10
	capIDExpress     = 0x10
	expFlags         = 0x02
	expLinkCap       = 0x0c
	expLinkStatus    = 0x12
	expTypeRootIntEP = 0x9 // root complex integrated endpoint: no link
	expTypeRCEC      = 0xa // root complex event collector: no link
)

// pcieSpeeds are the link speeds in GT/s by their encoding, as virPCIELinkSpeed.
var pcieSpeeds = map[uint32]float64{1: 2.5, 2: 5, 3: 8, 4: 16, 5: 32, 6: 64}

// parseConfigSpace reads a function's header type and, when it has a PCI Express
// capability, its link capabilities and status, as libvirt's virPCIDeviceInit and
// virPCIDeviceGetLinkCapSta do. Truncated or looping capability lists end the walk.
func parseConfigSpace(cfg []byte) (header int, express *libvirtxml.NodeDevicePCIExpress) {
	if len(cfg) < 64 {
		return headerEndpoint, nil
	}
	header = int(cfg[cfgHeaderType] & 0x7f)
	if binary.LittleEndian.Uint16(cfg[cfgStatus:])&statusCapList == 0 || header == headerCardbusBridge {
		return header, nil
	}
	pos := int(cfg[cfgCapPointer]) &^ 3
	for i := 0; i < 48 && pos >= 0x40 && pos+2 <= len(cfg); i++ {
		if cfg[pos] == capIDExpress {
			return header, pcieLinks(cfg, pos)
		}
		pos = int(cfg[pos+1]) &^ 3
	}
	return header, nil
}

func pcieLinks(cfg []byte, pos int) *libvirtxml.NodeDevicePCIExpress {
	express := &libvirtxml.NodeDevicePCIExpress{}
	if pos+expLinkStatus+2 > len(cfg) {
		return express
	}
	typ := binary.LittleEndian.Uint16(cfg[pos+expFlags:]) >> 4 & 0xf
	if typ == expTypeRootIntEP || typ == expTypeRCEC {
		return express
	}
	lcap := binary.LittleEndian.Uint32(cfg[pos+expLinkCap:])
	lsta := uint32(binary.LittleEndian.Uint16(cfg[pos+expLinkStatus:]))
	port := uint(lcap >> 24)
	capWidth, staWidth := uint(lcap>>4&0x3f), uint(lsta>>4&0x3f)
	express.Links = []libvirtxml.NodeDevicePCIExpressLink{
		{Validity: "cap", Port: &port, Speed: pcieSpeeds[lcap&0xf], Width: &capWidth},
		{Validity: "sta", Speed: pcieSpeeds[lsta&0xf], Width: &staWidth},
	}
	return express
}
