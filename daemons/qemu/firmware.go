package qemu

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// firmwareDirs are where QEMU firmware descriptors live, in libvirt's order of
// precedence: a file in an earlier directory hides one of the same name in a later.
var firmwareDirs = []string{"/etc/qemu/firmware", "/usr/share/qemu/firmware"}

// firmware is one QEMU firmware descriptor (docs/interop/firmware.json) of the kind
// the driver can use: UEFI on flash.
type firmware struct {
	file       string // the descriptor's name, which orders them
	executable string
	nvram      string // the variable store template
	format     string
	targets    []firmwareTarget
	features   map[string]bool
}

type firmwareTarget struct {
	arch     string
	machines []string // glob patterns: "pc-q35-*"
}

// loadFirmware reads the descriptors, sorted by file name as libvirt sorts them;
// unreadable ones and ones for other interfaces or devices are left out.
func loadFirmware(dirs []string) []firmware {
	seen := map[string]bool{}
	var fws []firmware
	for _, dir := range dirs {
		names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, p := range names {
			base := filepath.Base(p)
			if seen[base] {
				continue
			}
			seen[base] = true
			if fw, ok := readFirmware(p); ok {
				fws = append(fws, fw)
			}
		}
	}
	slices.SortFunc(fws, func(a, b firmware) int { return strings.Compare(a.file, b.file) })
	return fws
}

func readFirmware(p string) (firmware, bool) {
	data, err := os.ReadFile(p)
	if err != nil || len(data) == 0 {
		return firmware{}, false
	}
	var d struct {
		InterfaceTypes []string `json:"interface-types"`
		Mapping        struct {
			Device     string `json:"device"`
			Executable struct {
				Filename string `json:"filename"`
				Format   string `json:"format"`
			} `json:"executable"`
			NVRAMTemplate struct {
				Filename string `json:"filename"`
			} `json:"nvram-template"`
		} `json:"mapping"`
		Targets []struct {
			Architecture string   `json:"architecture"`
			Machines     []string `json:"machines"`
		} `json:"targets"`
		Features []string `json:"features"`
	}
	if json.Unmarshal(data, &d) != nil || !slices.Contains(d.InterfaceTypes, "uefi") ||
		d.Mapping.Device != "flash" || d.Mapping.Executable.Filename == "" {
		return firmware{}, false
	}
	fw := firmware{file: filepath.Base(p), executable: d.Mapping.Executable.Filename,
		nvram: d.Mapping.NVRAMTemplate.Filename, format: d.Mapping.Executable.Format, features: map[string]bool{}}
	if fw.format == "" {
		fw.format = "raw"
	}
	for _, t := range d.Targets {
		fw.targets = append(fw.targets, firmwareTarget{arch: t.Architecture, machines: t.Machines})
	}
	for _, f := range d.Features {
		fw.features[f] = true
	}
	return fw, true
}

// supports says whether the firmware runs guests of arch on machine.
func (fw *firmware) supports(arch, machine string) bool {
	for _, t := range fw.targets {
		if t.arch != arch {
			continue
		}
		for _, pat := range t.machines {
			if ok, _ := path.Match(pat, machine); ok {
				return true
			}
		}
	}
	return false
}
