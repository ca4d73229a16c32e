package host

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"
)

// NodeInfo is virNodeGetInfo: architecture, memory in KiB, CPU count and speed, and the
// topology as nodes × sockets × cores × threads.
func (h *Host) NodeInfo() (libvirt.NodeGetInfoRet, error) {
	var ret libvirt.NodeGetInfoRet
	t, err := h.root.topology()
	if err != nil {
		return ret, err
	}
	mem := h.root.meminfo("proc/meminfo")["MemTotal"]
	if mem == 0 {
		return ret, fmt.Errorf("cannot read MemTotal from %s", h.root.path("proc/meminfo"))
	}
	sockets, dies, cores, threads := t.shape()
	ret.Memory = mem
	ret.Cpus = int32(len(t.cpus))
	ret.Mhz = int32(h.mhz())
	ret.Nodes = int32(len(t.nodes))
	ret.Sockets = int32(sockets)
	ret.Cores = int32(dies * cores) // virNodeInfo has no dies: libvirt folds them into cores
	ret.Threads = int32(threads)
	for i, ch := range Arch() {
		if i == len(ret.Model)-1 {
			break
		}
		ret.Model[i] = int8(ch)
	}
	return ret, nil
}

// mhz is the current speed of the first CPU, from cpufreq or /proc/cpuinfo.
func (h *Host) mhz() int {
	if khz, ok := h.root.readInt("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"); ok && khz > 0 {
		return khz / 1000
	}
	if v, ok := h.root.cpuinfo()["cpu MHz"]; ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return int(f)
		}
	}
	return 0
}

// Arch is the machine's architecture as libvirt names it (uname -m).
func Arch() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return "x86_64"
	}
	var b strings.Builder
	for _, c := range u.Machine {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	switch m := b.String(); m {
	case "i386", "i486", "i586", "i686":
		return "i686"
	case "arm64":
		return "aarch64"
	default:
		return m
	}
}
