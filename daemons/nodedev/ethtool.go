package nodedev

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The legacy ethtool get commands libvirt's virNetDevGetFeatures issues, and the
// ETHTOOL_GFLAGS bits it reads (linux/ethtool.h).
const (
	ethtoolGRXCSUM = 0x14
	ethtoolGTXCSUM = 0x16
	ethtoolGSG     = 0x18
	ethtoolGTSO    = 0x1e
	ethtoolGGSO    = 0x23
	ethtoolGFLAGS  = 0x25
	ethtoolGGRO    = 0x2b

	ethFlagTXVLAN = 1 << 7
	ethFlagRXVLAN = 1 << 8
	ethFlagLRO    = 1 << 15
	ethFlagNTUPLE = 1 << 27
	ethFlagRXHASH = 1 << 28
)

// offloadFeatures lists the offloads enabled on an interface, named and ordered as
// libvirt's virNetDevFeature: rx, tx, sg, tso, gso, gro, lro, rxvlan, txvlan, ntuple,
// rxhash. An interface that answers none of the ioctls (or no interface) has none.
func offloadFeatures(ifname string) []string {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	var out []string
	for _, f := range []struct {
		cmd  uint32
		name string
	}{
		{ethtoolGRXCSUM, "rx"}, {ethtoolGTXCSUM, "tx"}, {ethtoolGSG, "sg"},
		{ethtoolGTSO, "tso"}, {ethtoolGGSO, "gso"}, {ethtoolGGRO, "gro"},
	} {
		if v, err := ethtoolGet(fd, ifname, f.cmd); err == nil && v != 0 {
			out = append(out, f.name)
		}
	}
	flags, err := ethtoolGet(fd, ifname, ethtoolGFLAGS)
	if err != nil {
		return out
	}
	for _, f := range []struct {
		bit  uint32
		name string
	}{
		{ethFlagLRO, "lro"}, {ethFlagRXVLAN, "rxvlan"}, {ethFlagTXVLAN, "txvlan"},
		{ethFlagNTUPLE, "ntuple"}, {ethFlagRXHASH, "rxhash"},
	} {
		if flags&f.bit != 0 {
			out = append(out, f.name)
		}
	}
	return out
}

// ethtoolValue is struct ethtool_value.
type ethtoolValue struct{ cmd, data uint32 }

// ifreqData is struct ifreq with its union used as ifr_data, a pointer.
type ifreqData struct {
	name [unix.IFNAMSIZ]byte
	data unsafe.Pointer
	_    [24 - unsafe.Sizeof(uintptr(0))]byte
}

// ethtoolGet runs one SIOCETHTOOL get command and returns its value.
func ethtoolGet(fd int, ifname string, cmd uint32) (uint32, error) {
	if len(ifname) >= unix.IFNAMSIZ || ifname == "" {
		return 0, unix.EINVAL
	}
	v := ethtoolValue{cmd: cmd}
	var ifr ifreqData
	copy(ifr.name[:], ifname)
	ifr.data = unsafe.Pointer(&v)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr)))
	runtime.KeepAlive(&v)
	if errno != 0 {
		return 0, errno
	}
	return v.data, nil
}
