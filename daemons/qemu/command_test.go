package qemu

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testDriver is a driver with a fixed emulator, so golden files do not depend on the
// QEMU installed.
func testDriver(t *testing.T) *Driver {
	t.Helper()
	d := &Driver{cfg: defaultConfig(false), doms: newRegistry()}
	p := &probe{em: &emulator{path: defaultEmulator, version: 7002022, machines: []machine{
		{name: "pc-i440fx-7.2", alias: "pc", isDefault: true},
		{name: "pc-q35-7.2", alias: "q35"},
	}}}
	p.once.Do(func() {})
	d.emulators.cache = map[string]*probe{defaultEmulator: p}
	return d
}

// TestCommandGolden builds the command line of each testdata/command/NAME.xml and
// compares it with NAME.args (one argument per line, environment first); NAME.err
// holds the error of a definition that must be refused at start.
func TestCommandGolden(t *testing.T) {
	d := testDriver(t)
	files, _ := filepath.Glob("testdata/command/*.xml")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// A definition the builder cannot run is refused at define already.
			def, _, err := d.parseDefinition(t.Context(), string(data))
			var cmd *command
			if err == nil {
				taps := make([]int, len(def.Devices.Interfaces))
				for i := range taps {
					taps[i] = 4 + i
				}
				cmd, err = buildCommand(def, launch{
					id: 7, dir: "/run/libvirt/qemu/domain-7-" + name, accel: "tcg", monitorFD: 3,
					taps: taps, consoleLog: "/var/log/libvirt/qemu/" + name + "-console.log", path: "/usr/bin:/bin",
				}, d.cfg)
			}
			var got, golden string
			if err != nil {
				got, golden = err.Error()+"\n", strings.TrimSuffix(f, ".xml")+".err"
			} else {
				got, golden = strings.Join(append(cmd.env, cmd.argv...), "\n")+"\n", strings.TrimSuffix(f, ".xml")+".args"
			}
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, golden, got, want)
			}
		})
	}
}

func TestDiskIndex(t *testing.T) {
	for dev, want := range map[string]int{"vda": 0, "vdb": 1, "hdc": 2, "sdz": 25, "vdaa": 26, "xvdb": 1} {
		if got := diskIndex(dev); got != want {
			t.Errorf("diskIndex(%q) = %d, want %d", dev, got, want)
		}
	}
}

// TestPropsJSON: props write what encoding/json writes for each of its values, so a
// command line reads as it did when every value went through json.Marshal.
func TestPropsJSON(t *testing.T) {
	vals := []any{"", "plain", `q"uote\`, "<&>", "tab\t", "é ü", "\u2028", "\xff", true, false,
		0, -7, int64(-1 << 40), uint(3), uint64(1 << 63), uint32(9), 2.5, []string{"a"}, nil,
		props{{"direct", true}, {"no-flush", false}}}
	for _, v := range vals {
		p := props{{"k<", v}, {"drive", "x"}}
		k, _ := json.Marshal("k<")
		j, _ := json.Marshal(v)
		want := "{" + string(k) + ":" + string(j) + `,"drive":"x"}`
		if got := p.String(); got != want {
			t.Errorf("%#v: got %s, want %s", v, got, want)
		}
	}
}
