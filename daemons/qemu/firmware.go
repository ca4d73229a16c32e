package qemu

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/atomicfile"
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

// selectFirmware resolves <os firmware='efi'> as libvirt does at start: the first
// descriptor, by name, for the guest's architecture and machine whose features agree
// with the <firmware><feature> the definition asks for, giving the live definition
// its loader, its variable store (nvram, made from the descriptor's template when
// missing) and SMM when the firmware requires it.
func selectFirmware(def *libvirtxml.Domain, fws []firmware, nvram string) error {
	o := def.OS
	if o.Firmware != "efi" {
		return nil
	}
	want := map[string]bool{}
	if o.FirmwareInfo != nil {
		for _, f := range o.FirmwareInfo.Features {
			want[f.Name] = f.Enabled == "yes"
		}
	}
	var fw *firmware
	for i := range fws {
		c := &fws[i]
		if !c.supports(o.Type.Arch, o.Type.Machine) {
			continue
		}
		ok := true
		for name, on := range want {
			ok = ok && c.features[name] == on
		}
		if ok {
			fw = c
			break
		}
	}
	if fw == nil {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "Unable to find any firmware to satisfy '%s'", o.Firmware)
	}
	ld := &libvirtxml.DomainLoader{Path: fw.executable, Readonly: "yes", Type: "pflash", Format: fw.format}
	if fw.features["secure-boot"] {
		ld.Secure = "yes"
	}
	if o.Loader == nil || o.Loader.Path == "" {
		o.Loader = ld
	}
	if o.NVRam == nil || o.NVRam.NVRam == "" {
		o.NVRam = &libvirtxml.DomainNVRam{NVRam: nvram, Template: fw.nvram, Format: fw.format}
	}
	if fw.features["requires-smm"] {
		if def.Features == nil {
			def.Features = &libvirtxml.DomainFeatureList{}
		}
		if def.Features.SMM == nil {
			def.Features.SMM = &libvirtxml.DomainFeatureSMM{State: "on"}
		}
	}
	return nil
}

// prepareNVRAM creates a guest's variable store from its template unless it exists.
func prepareNVRAM(def *libvirtxml.Domain) error {
	nv := def.OS.NVRam
	if nv == nil || nv.NVRam == "" || nv.Template == "" {
		return nil
	}
	if _, err := os.Stat(nv.NVRam); err == nil {
		return nil
	}
	data, err := os.ReadFile(nv.Template)
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to open file '%s': %v", nv.Template, virerror.Strerror(err))
	}
	if err := os.MkdirAll(filepath.Dir(nv.NVRam), 0o755); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot create %s: %v", filepath.Dir(nv.NVRam), err)
	}
	if err := atomicfile.WriteFile(nv.NVRam, data, 0o600); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to create file '%s': %v", nv.NVRam, err)
	}
	return nil
}
