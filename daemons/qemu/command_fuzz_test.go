package qemu

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The options buildCommand writes: how many values each takes, and whether its value
// is a QemuOpts list ("a,b=c,d=e"), whose structure a client's string must never
// change.
var optionArity = map[string]int{
	"-S": 0, "-nodefaults": 0, "-no-hpet": 0, "-no-user-config": 0, "-no-shutdown": 0, "-no-acpi": 0, "-no-reboot": 0,
	"-name": 1, "-uuid": 1, "-m": 1, "-smp": 1, "-machine": 1, "-accel": 1, "-cpu": 1, "-boot": 1,
	"-rtc": 1, "-msg": 1, "-mon": 1, "-overcommit": 1, "-sandbox": 1, "-display": 1, "-audiodev": 1,
	"-device": 1, "-object": 1, "-blockdev": 1, "-chardev": 1, "-netdev": 1, "-global": 1, "-vnc": 1,
	"-spice": 1, "-kernel": 1, "-initrd": 1, "-append": 1, "-bios": 1, "-watchdog-action": 1,
}

// plainValue are the options whose value is one string, not a QemuOpts list.
var plainValue = map[string]bool{"-uuid": true, "-kernel": true, "-initrd": true, "-append": true, "-bios": true, "-watchdog-action": true}

// argvShape checks that argv is well formed — the emulator, then known options each
// with its values, no control characters, QemuOpts lists with distinct keys, JSON
// objects where a value is JSON (-blockdev, -device, -object, -netdev) — and returns its structure: each option with the keys of its
// value, the values themselves left out.
func argvShape(t *testing.T, argv []string) []string {
	t.Helper()
	if len(argv) == 0 || !filepath.IsAbs(argv[0]) {
		t.Fatalf("argv does not start with the emulator: %q", argv)
	}
	var shape []string
	for i := 1; i < len(argv); i++ {
		opt := argv[i]
		n, ok := optionArity[opt]
		if !ok {
			t.Fatalf("argv[%d] = %q is not an option the builder writes (after %q)", i, opt, argv[i-1])
		}
		if i+n >= len(argv) {
			t.Fatalf("option %s lacks its value", opt)
		}
		entry := opt
		for j := 1; j <= n; j++ {
			v := argv[i+j]
			if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
				t.Fatalf("value of %s holds a control character: %q", opt, v)
			}
			switch {
			case plainValue[opt]:
			case strings.HasPrefix(v, "{"):
				var obj map[string]any
				if err := json.Unmarshal([]byte(v), &obj); err != nil {
					t.Fatalf("%s %q is not a JSON object: %v", opt, v, err)
				}
				entry += " " + jsonShape(obj)
			default:
				entry += " " + strings.Join(optsKeys(t, opt, v), ",")
			}
		}
		shape = append(shape, entry)
		i += n
	}
	return shape
}

// optsKeys splits a QemuOpts list (",," is a literal comma) and returns its keys; the
// first element may be a bare value (a driver, a backend), "" in the keys.
func optsKeys(t *testing.T, opt, v string) []string {
	var keys []string
	seen := map[string]bool{}
	for i, part := range strings.Split(strings.ReplaceAll(v, ",,", "\x00"), ",") {
		k, _, hasValue := strings.Cut(part, "=")
		if !hasValue {
			if i == 0 {
				keys = append(keys, "")
				continue
			}
			t.Fatalf("%s %q: element %q is not key=value", opt, v, part)
		}
		if k == "" || strings.ContainsFunc(k, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
		}) {
			t.Fatalf("%s %q: malformed key %q", opt, v, k)
		}
		if seen[k] {
			t.Fatalf("%s %q: key %q given twice", opt, v, k)
		}
		seen[k] = true
		keys = append(keys, k)
	}
	return keys
}

func jsonShape(v any) string {
	switch x := v.(type) {
	case map[string]any:
		var b strings.Builder
		b.WriteByte('{')
		for _, k := range sortedKeys(x) {
			b.WriteString(k + ":" + jsonShape(x[k]) + ";")
		}
		b.WriteByte('}')
		return b.String()
	case []any:
		return "[" + strings.Repeat("_", len(x)) + "]"
	}
	return "_"
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// build parses and completes text as a define would and builds its command line.
func build(t *testing.T, d *Driver, text string) ([]string, error) {
	def, _, err := d.parseDefinition(t.Context(), text)
	if err != nil {
		return nil, err
	}
	taps := make([]int, len(def.Devices.Interfaces))
	for i := range taps {
		taps[i] = 4 + i
	}
	cmd, err := buildCommand(def, launch{id: 7, dir: "/run/libvirt/qemu/domain-7-x", accel: "tcg", monitorFD: 3,
		taps: taps, consoleLog: "/var/log/libvirt/qemu/x-console.log", path: "/usr/bin:/bin", spicePort: 5901}, d.cfg)
	if err != nil {
		return nil, err
	}
	return cmd.argv, nil
}

// FuzzCommandLine: whatever a client defines, the command line is well formed or the
// definition is refused; nothing panics.
func FuzzCommandLine(f *testing.F) {
	files, _ := filepath.Glob("testdata/command/*.xml")
	more, _ := filepath.Glob("testdata/virtinst/*.xml")
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		d := testDriver(t)
		argv, err := build(t, d, text)
		if err != nil {
			return
		}
		argvShape(t, argv)
	})
}

// injectionTemplate puts a client's string where definitions carry free text that
// reaches QEMU's command line: the name, paths of disks, kernels and character
// devices, the kernel command line, a channel name, a VNC socket.
const injectionTemplate = `<domain type='qemu'>
  <name>vm@S@</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>/boot/k@S@</kernel><cmdline>console=ttyS0 @S@</cmdline></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/@S@.img'/><target dev='vda' bus='virtio'/></disk>
    <serial type='file'><source path='/var/log/@S@.log'/></serial>
    <channel type='unix'><source mode='bind' path='/run/@S@.sock'/><target type='virtio' name='org.example.@S@'/></channel>
    <graphics type='vnc' socket='/run/vnc@S@.sock'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>`

// FuzzCommandInjection: a client's string in any of those places either has the
// definition refused or changes no option and no key of the command line, only
// values: no option injection through names, paths or values.
func FuzzCommandInjection(f *testing.F) {
	for _, s := range []string{"x", "a,b", "a,,b", ",if=floppy", " -S", "\n-S", "a,id=evil", ",server=on,wait=off",
		"'quoted'", "=", "$(id)", "\\", "é", ",file.locking=off", "x\",\"driver\":\"nbd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		d := testDriver(t)
		base, err := build(t, d, strings.ReplaceAll(injectionTemplate, "@S@", "x"))
		if err != nil {
			t.Fatalf("the template itself is refused: %v", err)
		}
		want := argvShape(t, base)
		argv, err := build(t, d, strings.ReplaceAll(injectionTemplate, "@S@", html.EscapeString(s)))
		if err != nil {
			return
		}
		got := argvShape(t, argv)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("the string %q changed the command line's structure:\n%s\nwant\n%s", s, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
