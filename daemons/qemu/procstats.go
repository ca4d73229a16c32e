package qemu

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// What the host's /proc says about a guest's QEMU: the CPU time of the process and of
// each vCPU thread, its resident memory, and its tap devices' counters. libvirt reads
// the same files (virProcessGetStatInfo, qemuGetSchedInfo, virNetDevTapInterfaceStats).

// nsPerTick converts /proc's clock ticks (USER_HZ, 100 on Linux) to nanoseconds.
const nsPerTick = 1e9 / 100

// procStat is what /proc/PID[/task/TID]/stat tells: CPU times in nanoseconds, resident
// pages, and the CPU last run on.
type procStat struct {
	user, system uint64
	rssPages     uint64
	cpu          int
}

func readProcStat(path string) (procStat, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, false
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	// Fields after the command: state(0) ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime(11) stime(12) ... rss(21) ... processor(36).
	f := strings.Fields(s)
	if len(f) < 37 {
		return procStat{}, false
	}
	num := func(i int) uint64 { n, _ := strconv.ParseUint(f[i], 10, 64); return n }
	cpu, _ := strconv.Atoi(f[36])
	return procStat{user: num(11) * nsPerTick, system: num(12) * nsPerTick, rssPages: num(21), cpu: cpu}, true
}

// threadStat reads one thread of pid.
func threadStat(pid, tid int) (procStat, bool) {
	return readProcStat("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/stat")
}

// schedDelay is the time a thread waited on a run queue, in nanoseconds (the second
// field of schedstat), libvirt's vcpu.N.delay.
func schedDelay(pid, tid int) uint64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/schedstat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseUint(f[1], 10, 64)
	return n
}

// schedWait is the scheduler's wait_sum of a thread in nanoseconds, libvirt's
// vcpu.N.wait; 0 where the kernel does not keep it (no CONFIG_SCHEDSTATS).
func schedWait(pid, tid int) uint64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/sched")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		k = strings.TrimSpace(k)
		if !ok || (k != "se.statistics.wait_sum" && k != "se.wait_sum" && k != "wait_sum") {
			continue
		}
		ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0
		}
		return uint64(ms * 1e6)
	}
	return 0
}

// pageKiB is the size of a page in KiB.
var pageKiB = uint64(os.Getpagesize() / 1024)

// netCounters are an interface's counters as the guest sees them.
type netCounters struct {
	rxBytes, rxPackets, rxErrs, rxDrop uint64
	txBytes, txPackets, txErrs, txDrop uint64
}

// tapCounters reads a tap's counters from sysfs, swapped: what the host side of a tap
// sends, the guest receives (libvirt's virNetDevTapInterfaceStats with swapped).
func tapCounters(dev string) (netCounters, bool) {
	dir := filepath.Join("/sys/class/net", dev, "statistics")
	if strings.ContainsAny(dev, "/") || dev == "" || dev == "." || dev == ".." {
		return netCounters{}, false
	}
	read := func(name string) (uint64, bool) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return 0, false
		}
		n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		return n, err == nil
	}
	var c netCounters
	ok := true
	for _, f := range []struct {
		name string
		dst  *uint64
	}{
		{"tx_bytes", &c.rxBytes}, {"tx_packets", &c.rxPackets}, {"tx_errors", &c.rxErrs}, {"tx_dropped", &c.rxDrop},
		{"rx_bytes", &c.txBytes}, {"rx_packets", &c.txPackets}, {"rx_errors", &c.txErrs}, {"rx_dropped", &c.txDrop},
	} {
		v, good := read(f.name)
		ok = ok && good
		*f.dst = v
	}
	return c, ok
}
