package qemu

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

// TestCommandLikeLibvirt builds the QEMU command line of every definition for which
// testdata holds libvirt 9.0's (NAME.libvirt, recorded by testdata/libvirt/record.sh
// with virsh domxml-to-native) and compares them option for option. What differs by
// design is normalised on both sides, each for a stated reason (see normaliseArgv).
func TestCommandLikeLibvirt(t *testing.T) {
	d := testDriver(t)
	files, _ := filepath.Glob("testdata/*/*.libvirt")
	if len(files) < 5 {
		t.Fatalf("only %d recorded command lines", len(files))
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".libvirt")
		t.Run(filepath.Base(base), func(t *testing.T) { commandLikeLibvirt(t, d, base+".xml", f) })
		// The definition as libvirt stored it, addresses and all, is the same
		// machine here: a guest moved from a libvirt host.
		if _, err := os.Stat(base + ".defined"); err == nil {
			t.Run(filepath.Base(base)+"-from-libvirt", func(t *testing.T) { commandLikeLibvirt(t, d, base+".defined", f) })
		}
	}
}

// commandLikeLibvirt builds the command line of the definition in xmlFile and
// compares it with libvirt's in libvirtFile.
func commandLikeLibvirt(t *testing.T, d *Driver, xmlFile, libvirtFile string) {
	text, err := os.ReadFile(xmlFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(libvirtFile)
	if err != nil {
		t.Fatal(err)
	}
	def, _, err := d.parseDefinition(t.Context(), string(text))
	if err != nil {
		t.Fatalf("define: %v", err)
	}
	if err := selectFirmware(def, loadFirmware(firmwareDirs), "/var/lib/libvirt/qemu/nvram/"+def.Name+"_VARS.fd"); err != nil {
		t.Fatal(err)
	}
	taps := make([]int, len(def.Devices.Interfaces))
	for i := range taps {
		taps[i] = 24 + i
	}
	cmd, err := buildCommand(def, launch{
		id: -1, dir: "/var/lib/libvirt/qemu/domain--1-" + def.Name, accel: "tcg", monitorFD: 3,
		taps: taps, consoleLog: "/var/log/libvirt/qemu/" + def.Name + "-console.log", path: "/usr/bin:/bin", spicePort: 5900,
	}, d.cfg)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	got := normaliseArgv(append(cmd.env, cmd.argv...))
	lib := normaliseArgv(shellWords(strings.TrimSpace(string(want))))
	if def.CPU != nil && def.CPU.Mode == "host-model" {
		// libvirt expands host-model under TCG from its CPU map (EPYC and a list
		// of features here); virtunit has no CPU map and runs QEMU's "max".
		maskCPU(got)
		maskCPU(lib)
	}
	if g, w := strings.Join(got, "\n"), strings.Join(lib, "\n"); g != w {
		t.Errorf("differs from libvirt's command line:\n%s", lineDiff(g, w))
	}
}

var (
	monitorRE   = regexp.MustCompile(`^socket,id=charmonitor,.*`)
	netdevRE    = regexp.MustCompile(`^\{"type":"(tap|user)".*"id":"([^"]+)"\}$`)
	logfileRE   = regexp.MustCompile(`,logfile=[^,]*,logappend=on`)
	spicePortRE = regexp.MustCompile(`^port=\d+,`)
)

// normaliseArgv removes what differs by design between virtunit's command line and
// the one libvirt prints:
//   - PATH: the daemons' own;
//   - the monitor: virtunit hands QEMU a listening socket (fd=3), libvirt a path;
//   - network back ends: domxml-to-native turns every interface into a tap;
//   - VNC with autoport: QEMU picks the port (to=99), libvirt prints display 0;
//   - SPICE's port: chosen at start by each;
//   - the serial console's log file, which virtunit keeps for the console's history;
//   - channel sockets, which libvirt keeps under channel/target/.
func normaliseArgv(argv []string) []string {
	var out []string
	for _, a := range argv {
		switch {
		case strings.HasPrefix(a, "PATH="):
			continue
		case monitorRE.MatchString(a):
			a = "socket,id=charmonitor,MONITOR"
		case netdevRE.MatchString(a):
			a = netdevRE.ReplaceAllString(a, `NETDEV id=$2`)
		}
		a = strings.Replace(a, ":0,to=99", ":0", 1)
		a = spicePortRE.ReplaceAllString(a, "port=PORT,")
		a = logfileRE.ReplaceAllString(a, "")
		a = strings.Replace(a, "/var/lib/libvirt/qemu/channel/target/domain-", "/var/lib/libvirt/qemu/domain-", 1)
		out = append(out, a)
	}
	return out
}

// maskCPU replaces the value of -cpu.
func maskCPU(argv []string) {
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == "-cpu" {
			argv[i+1] = "CPU"
		}
	}
}

// shellWords splits a line as the shell would: on blanks, with single quotes.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted = !quoted
			in = true
		case (r == ' ' || r == '\n') && !quoted:
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// TestDefineLikeLibvirt defines every recorded definition and compares what the
// stored definition says about its devices with what libvirt 9.0 stored for the same
// XML (NAME.defined: virsh dumpxml --inactive after virsh define): the same devices,
// controllers and PCI, drive, USB and virtio-serial addresses.
func TestDefineLikeLibvirt(t *testing.T) {
	d := testDriver(t)
	files, _ := filepath.Glob("testdata/*/*.defined")
	if len(files) < 5 {
		t.Fatalf("only %d recorded definitions", len(files))
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".defined")
		t.Run(filepath.Base(base), func(t *testing.T) {
			text, err := os.ReadFile(base + ".xml")
			if err != nil {
				t.Fatal(err)
			}
			def, _, err := d.parseDefinition(t.Context(), string(text))
			if err != nil {
				t.Fatalf("define: %v", err)
			}
			wantText, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want := &libvirtxml.Domain{}
			if err := want.Unmarshal(string(wantText)); err != nil {
				t.Fatal(err)
			}
			g, w := strings.Join(deviceSummary(t, def), "\n"), strings.Join(deviceSummary(t, want), "\n")
			if g != w {
				t.Errorf("devices differ from libvirt's definition:\n%s", lineDiff(g, w))
			}
		})
	}
}

// deviceSummary is one line per device: what it is and where it sits, sorted so
// that the order of elements in the document does not matter.
func deviceSummary(t *testing.T, def *libvirtxml.Domain) []string {
	addr := func(a *libvirtxml.DomainAddress) string {
		if a == nil {
			return "-"
		}
		var b strings.Builder
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(a, xml.StartElement{Name: xml.Name{Local: "address"}}); err != nil {
			t.Fatal(err)
		}
		enc.Flush()
		return b.String()
	}
	d := def.Devices
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	for _, x := range d.Disks {
		add("disk %s %s bus=%s %s", x.Device, x.Target.Dev, x.Target.Bus, addr(x.Address))
	}
	for _, x := range d.Controllers {
		model := x.Model
		if x.PCI != nil && x.PCI.Target != nil && x.PCI.Target.Port != nil {
			model += fmt.Sprintf(" chassis=%d port=%#x", *x.PCI.Target.Chassis, *x.PCI.Target.Port)
		}
		add("controller %s %d %s %s", x.Type, index(x.Index), model, addr(x.Address))
	}
	for _, x := range d.Interfaces {
		model := ""
		if x.Model != nil {
			model = x.Model.Type
		}
		add("interface %s %s %s", x.MAC.Address, model, addr(x.Address))
	}
	for _, x := range d.Serials {
		add("serial %s %d", x.Target.Type, index(x.Target.Port))
	}
	for _, x := range d.Consoles {
		add("console %s %d", x.Target.Type, index(x.Target.Port))
	}
	for _, x := range d.Channels {
		add("channel %s", addr(x.Address))
	}
	for _, x := range d.Inputs {
		add("input %s %s %s", x.Type, x.Bus, addr(x.Address))
	}
	for _, x := range d.Sounds {
		add("sound %s %s", x.Model, addr(x.Address))
	}
	for _, x := range d.Audios {
		add("audio %d none=%v spice=%v", x.ID, x.None != nil, x.SPICE != nil)
	}
	for _, x := range d.Videos {
		m := x.Model
		add("video %s ram=%d vram=%d vgamem=%d heads=%d primary=%s %s", m.Type, m.Ram, m.VRam, m.VGAMem, m.Heads, m.Primary, addr(x.Address))
	}
	for _, x := range d.Watchdogs {
		add("watchdog %s %s %s", x.Model, x.Action, addr(x.Address))
	}
	for _, x := range d.RedirDevs {
		add("redirdev %s %s", x.Bus, addr(x.Address))
	}
	if b := d.MemBalloon; b != nil {
		add("memballoon %s %s", b.Model, addr(b.Address))
	}
	for _, x := range d.RNGs {
		add("rng %s %s", x.Model, addr(x.Address))
	}
	if def.CPU != nil && def.CPU.Model != nil {
		add("cpu %s %s %s", def.CPU.Mode, def.CPU.Match, def.CPU.Model.Value)
	}
	sort.Strings(lines)
	return lines
}

// TestDumpXMLLikeLibvirt compares the stored definition of every recorded definition
// with libvirt 9.0's (NAME.defined), text for text: the defaults libvirt fills in, its
// element and attribute order and its number formats, as a script that diffs dumpxml
// sees them. Only what libvirt makes up at random is masked: a generated UUID and the
// MAC addresses of interfaces that came without one.
func TestDumpXMLLikeLibvirt(t *testing.T) {
	d := testDriver(t)
	files, _ := filepath.Glob("testdata/*/*.defined")
	if len(files) < 20 {
		t.Fatalf("only %d recorded definitions", len(files))
	}
	uuidRE := regexp.MustCompile(`<uuid>[0-9a-f-]{36}</uuid>`)
	macRE := regexp.MustCompile(`<mac address='52:54:00(:[0-9a-f]{2}){3}'/>`)
	for _, f := range files {
		base := strings.TrimSuffix(f, ".defined")
		t.Run(filepath.Base(base), func(t *testing.T) {
			text, err := os.ReadFile(base + ".xml")
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			def, _, err := d.parseDefinition(t.Context(), string(text))
			if err != nil {
				t.Fatalf("define: %v", err)
			}
			got, err := formatDefinition(def)
			if err != nil {
				t.Fatal(err)
			}
			// virsh ends its output with an empty line.
			g, w := got, strings.TrimSuffix(string(want), "\n")
			if !strings.Contains(string(text), "<uuid>") {
				g, w = uuidRE.ReplaceAllString(g, "<uuid/>"), uuidRE.ReplaceAllString(w, "<uuid/>")
			}
			if !strings.Contains(string(text), "<mac ") {
				g, w = macRE.ReplaceAllString(g, "<mac/>"), macRE.ReplaceAllString(w, "<mac/>")
			}
			if g != w {
				t.Errorf("dumpxml differs from libvirt's:\n%s", lineDiff(g, w))
			}
		})
	}
}

// TestDefineRefusedLikeLibvirt defines every definition libvirt 9.0 refused
// (testdata/defaults/NAME.err: virsh's output) and expects libvirt's message.
func TestDefineRefusedLikeLibvirt(t *testing.T) {
	d := testDriver(t)
	files, _ := filepath.Glob("testdata/defaults/*.err")
	if len(files) < 2 {
		t.Fatalf("only %d recorded refusals", len(files))
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".err")
		t.Run(filepath.Base(base), func(t *testing.T) {
			text, err := os.ReadFile(base + ".xml")
			if err != nil {
				t.Fatal(err)
			}
			out, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			want := strings.TrimPrefix(lines[len(lines)-1], "error: ")
			if _, _, err := d.parseDefinition(t.Context(), string(text)); err == nil || err.Error() != want {
				t.Errorf("define: %v, want %s", err, want)
			}
		})
	}
}
