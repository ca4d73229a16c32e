package qemu

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// launch is what a start decided beside the definition: the guest's id and private
// directory, the accelerator, and the descriptor numbers QEMU inherits.
type launch struct {
	id         int
	dir        string // the domain's private directory: HOME, sockets
	accel      string // "kvm" or "tcg"
	monitorFD  int    // the listening QMP socket
	taps       []int  // per interface (in definition order), its tap fd; -1 if none
	consoleLog string // where the serial console's output is kept
	path       string // PATH for QEMU
	spicePort  int    // the TCP port an automatic SPICE display listens on
}

// command is QEMU's command line and environment.
type command struct {
	argv []string
	env  []string
}

func (c *command) add(args ...string) { c.argv = append(c.argv, args...) }

// buildCommand turns a completed definition into QEMU's command line, option for option
// in the order libvirt 9.0's qemuBuildCommandLine writes it, so that people who know
// libvirt's logs find their way in ours. A definition asking for something the builder
// does not know is refused here, at start, with VIR_ERR_CONFIG_UNSUPPORTED; it stays
// stored as written.
func buildCommand(def *libvirtxml.Domain, l launch, cfg *Config) (*command, error) {
	if err := checkSupported(def); err != nil {
		return nil, err
	}
	c := &command{env: []string{
		"LC_ALL=C",
		"PATH=" + l.path,
		"HOME=" + l.dir,
		"XDG_DATA_HOME=" + l.dir + "/.local/share",
		"XDG_CACHE_HOME=" + l.dir + "/.cache",
		"XDG_CONFIG_HOME=" + l.dir + "/.config",
	}}
	name := "guest=" + escapeComma(def.Name) + ",debug-threads=on"
	if cfg.SetProcessName {
		name += ",process=qemu:" + escapeComma(def.Name)
	}
	c.add(def.Devices.Emulator, "-name", name, "-S")
	c.add("-object", props{{"qom-type", "secret"}, {"id", "masterKey0"}, {"format", "raw"}, {"file", l.dir + "/master-key.aes"}}.String())
	flash, err := addFlash(c, def)
	if err != nil {
		return nil, err
	}
	mach := def.OS.Type.Machine + ",usb=off"
	if f := def.Features; f != nil && f.VMPort != nil && f.VMPort.State != "" {
		mach += ",vmport=" + f.VMPort.State
	}
	if f := def.Features; f != nil && f.SMM != nil {
		mach += ",smm=" + onOff(f.SMM.State != "off")
	}
	c.add("-machine", mach+",dump-guest-core=off,memory-backend=pc.ram"+flash)
	c.add("-accel", l.accel)
	c.add("-cpu", cpuModel(def, l.accel))
	if ld := def.OS.Loader; ld != nil && ld.Path != "" && (ld.Type == "" || ld.Type == "rom") {
		c.add("-bios", ld.Path)
	}
	if ld := def.OS.Loader; ld != nil && ld.Type == "pflash" && ld.Secure == "yes" {
		c.add("-global", "driver=cfi.pflash01,property=secure,value=on")
	}
	c.add("-m", strconv.FormatUint((uint64(def.Memory.Value)+1023)/1024, 10))
	c.add("-object", props{{"qom-type", "memory-backend-ram"}, {"id", "pc.ram"}, {"size", uint64(def.Memory.Value) * 1024}}.String())
	c.add("-overcommit", "mem-lock=off")
	c.add("-smp", smp(def))
	c.add("-uuid", def.UUID)
	if len(def.Devices.Graphics) == 0 {
		c.add("-display", "none")
	}
	c.add("-no-user-config", "-nodefaults")
	c.add("-chardev", fmt.Sprintf("socket,id=charmonitor,fd=%d,server=on,wait=off", l.monitorFD))
	c.add("-mon", "chardev=charmonitor,id=monitor,mode=control")
	if err := addClock(c, def); err != nil {
		return nil, err
	}
	// QEMU never exits by itself on guest poweroff: the driver sees the SHUTDOWN event
	// and applies on_poweroff, as libvirt does.
	c.add("-no-shutdown")
	if def.OnReboot == "destroy" {
		c.add("-no-reboot")
	}
	if def.Features == nil || def.Features.ACPI == nil {
		c.add("-no-acpi")
	}
	if err := addPM(c, def); err != nil {
		return nil, err
	}
	c.add("-boot", "strict=on")
	if def.OS.Kernel != "" {
		c.add("-kernel", def.OS.Kernel)
		if def.OS.Initrd != "" {
			c.add("-initrd", def.OS.Initrd)
		}
		if def.OS.Cmdline != "" {
			c.add("-append", def.OS.Cmdline)
		}
	}
	if err := addDevices(c, def, l, cfg); err != nil {
		return nil, err
	}
	c.add("-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny")
	if cfg.LogTimestamp {
		c.add("-msg", "timestamp=on")
	}
	return c, nil
}

// addClock writes -rtc and the timer options libvirt derives from <clock>: the RTC
// catching up after a stall, the PIT delaying lost ticks, no HPET.
func addClock(c *command, def *libvirtxml.Domain) error {
	rtc := "base=utc"
	if cl := def.Clock; cl != nil {
		switch cl.Offset {
		case "", "utc":
		case "localtime":
			rtc = "base=localtime"
		default:
			return unsupported("unsupported clock offset '%s'", cl.Offset)
		}
	}
	var extra []string
	if def.Clock != nil {
		for _, t := range def.Clock.Timer {
			switch {
			case t.Name == "rtc" && t.TickPolicy == "catchup":
				rtc += ",driftfix=slew"
			case t.Name == "rtc" && (t.TickPolicy == "" || t.TickPolicy == "delay"):
			case t.Name == "pit" && t.TickPolicy == "delay":
				extra = append(extra, "-global", "kvm-pit.lost_tick_policy=delay")
			case t.Name == "pit" && t.TickPolicy == "":
			case t.Name == "hpet" && t.Present == "no":
				extra = append(extra, "-no-hpet")
			case t.Name == "hpet" && (t.Present == "" || t.Present == "yes"):
			case t.Name == "kvmclock" && t.Present == "no":
			default:
				return unsupported("unsupported timer '%s' with %s", t.Name, timerDetail(t))
			}
		}
	}
	c.add("-rtc", rtc)
	c.add(extra...)
	return nil
}

func timerDetail(t libvirtxml.DomainTimer) string {
	var p []string
	for k, v := range map[string]string{"tickpolicy": t.TickPolicy, "present": t.Present, "track": t.Track, "mode": t.Mode} {
		if v != "" {
			p = append(p, k+"='"+v+"'")
		}
	}
	if len(p) == 0 {
		return "no settings"
	}
	return strings.Join(p, " ")
}

// addPM turns off the ACPI sleep states <pm> disables.
func addPM(c *command, def *libvirtxml.Domain) error {
	pm := def.PM
	if pm == nil {
		return nil
	}
	dev := "PIIX4_PM"
	if isQ35(def) {
		dev = "ICH9-LPC"
	}
	for _, s := range []struct {
		p    *libvirtxml.DomainPMPolicy
		prop string
	}{{pm.SuspendToMem, "disable_s3"}, {pm.SuspendToDisk, "disable_s4"}} {
		if s.p == nil {
			continue
		}
		switch s.p.Enabled {
		case "no":
			c.add("-global", dev+"."+s.prop+"=1")
		case "yes":
			c.add("-global", dev+"."+s.prop+"=0")
		}
	}
	return nil
}

func unsupported(format string, args ...any) error {
	return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromQEMU, format, args...)
}

func escapeComma(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// cpuModel: host-passthrough and host-model need KVM (under TCG QEMU's "max" is the
// closest); a custom model is passed on with its features (require and force turn
// one on, disable and forbid off, as libvirt writes them); without <cpu> libvirt
// uses qemu64.
func cpuModel(def *libvirtxml.Domain, accel string) string {
	cpu := def.CPU
	switch {
	case cpu == nil:
		return "qemu64"
	case cpu.Mode == "host-passthrough" || cpu.Mode == "host-model":
		if accel == "kvm" {
			return "host"
		}
		return "max"
	case cpu.Mode == "maximum":
		return "max"
	}
	model := "qemu64"
	if cpu.Model != nil && cpu.Model.Value != "" {
		model = cpu.Model.Value
	}
	for _, f := range cpu.Features {
		switch f.Policy {
		case "disable", "forbid":
			model += "," + f.Name + "=off"
		default:
			model += "," + f.Name + "=on"
		}
	}
	return model
}

// smp is -smp: the vCPUs and their topology, dies included when <topology> gives
// them (one per socket by default), as libvirt writes it.
func smp(def *libvirtxml.Domain) string {
	n := def.VCPU.Value
	sockets, cores, threads := n, uint(1), uint(1)
	dies := ""
	if def.CPU != nil && def.CPU.Topology != nil {
		t := def.CPU.Topology
		sockets, cores, threads = uint(max(t.Sockets, 1)), uint(max(t.Cores, 1)), uint(max(t.Threads, 1))
		dies = fmt.Sprintf("dies=%d,", max(t.Dies, 1))
	}
	if cur := def.VCPU.Current; cur > 0 && cur < n {
		// The rest can be plugged in later (setvcpus --live).
		return fmt.Sprintf("%d,maxcpus=%d,sockets=%d,%scores=%d,threads=%d", cur, n, sockets, dies, cores, threads)
	}
	return fmt.Sprintf("%d,sockets=%d,%scores=%d,threads=%d", n, sockets, dies, cores, threads)
}

// addFlash writes a pflash loader (UEFI) and its variable store as libvirt 9.0 does,
// block nodes the machine's pflash0 and pflash1 name, and returns those machine
// properties.
func addFlash(c *command, def *libvirtxml.Domain) (string, error) {
	ld := def.OS.Loader
	if ld == nil || ld.Path == "" {
		return "", nil
	}
	switch ld.Type {
	case "", "rom":
		return "", nil
	case "pflash":
	default:
		return "", unsupported("loader type '%s' is not supported", ld.Type)
	}
	if ld.Secure == "yes" && (def.Features == nil || def.Features.SMM == nil || def.Features.SMM.State == "off") {
		return "", unsupported("Secure boot requires SMM feature enabled")
	}
	node := func(unit int, path string, readOnly bool) {
		name := fmt.Sprintf("libvirt-pflash%d", unit)
		c.add("-blockdev", props{{"driver", "file"}, {"filename", path}, {"node-name", name + "-storage"}, {"auto-read-only", true}, {"discard", "unmap"}}.String())
		c.add("-blockdev", props{{"node-name", name + "-format"}, {"read-only", readOnly}, {"driver", "raw"}, {"file", name + "-storage"}}.String())
	}
	node(0, ld.Path, ld.Readonly != "no")
	out := ",pflash0=libvirt-pflash0-format"
	if nv := nvramPath(def); nv != "" {
		node(1, nv, false)
		out += ",pflash1=libvirt-pflash1-format"
	}
	return out, nil
}

// props is a JSON object whose keys keep their order, as libvirt writes -device and
// -blockdev arguments.
type props []prop

type prop struct {
	key string
	val any
}

func (p props) String() string { return string(p.appendJSON(make([]byte, 0, 64*len(p)))) }

// appendJSON writes p as encoding/json would, byte for byte, without its reflection
// for the plain strings, numbers and booleans a command line is made of: each guest
// start and each define (which builds the command line to check it) writes hundreds.
func (p props) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, kv := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, kv.key)
		b = append(b, ':')
		switch v := kv.val.(type) {
		case string:
			b = appendJSONString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case uint:
			b = strconv.AppendUint(b, uint64(v), 10)
		case uint64:
			b = strconv.AppendUint(b, v, 10)
		case props:
			b = v.appendJSON(b)
		default:
			j, _ := json.Marshal(v)
			b = append(b, j...)
		}
	}
	return append(b, '}')
}

// appendJSONString quotes s as json.Marshal does; only what it would escape ('"',
// '\\', control characters, "<>&", non-ASCII) goes through it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s)
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// MarshalJSON keeps the order of a nested object ("cache":{"direct":...}).
func (p props) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }
