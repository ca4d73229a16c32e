package qemu

import (
	"strings"
	"testing"
)

// TestRefusedAtDefine: what the driver cannot carry out is refused when defined,
// with an error naming it, instead of being left out when the guest starts.
func TestRefusedAtDefine(t *testing.T) {
	d := testDriver(t)
	for inner, want := range map[string]string{
		`<cputune><vcpupin vcpu='0' cpuset='1'/></cputune>`:                                                                                       "<cputune>",
		`<memtune><min_guarantee>1048576</min_guarantee></memtune>`:                                                                               "<memtune>",
		`<memoryBacking><hugepages/></memoryBacking>`:                                                                                             "<memoryBacking>",
		`<blkiotune><device><path>/dev/vda</path><weight>5</weight></device><device><path>/dev/vda</path></device></blkiotune>`:                   "duplicate blkio device path '/dev/vda'",
		`<features><hyperv><relaxed state='on'/></hyperv></features>`:                                                                             "<hyperv>",
		`<devices><hostdev mode='subsystem' type='usb'/></devices>`:                                                                               "<hostdev>",
		`<devices><interface type='user'><bandwidth/></interface></devices>`:                                                                      "<bandwidth>",
		`<devices><disk type='file'><source file='/x'/><target dev='vda'/><iotune><total_bytes_sec>1</total_bytes_sec></iotune></disk></devices>`: "<iotune>",
		`<devices><disk type='file'><driver name='qemu' cache='bogus'/><source file='/x'/><target dev='vda'/></disk></devices>`:                   "cache mode 'bogus'",
		`<devices><disk type='file'><source file='/x'/><target dev='hda'/></disk></devices><os><type machine='q35'>hvm</type></os>`:               "IDE controllers are unsupported",
		`<clock offset='utc'><timer name='tsc' frequency='1000'/></clock>`:                                                                        "timer 'tsc'",
		`<devices><sound model='sb16'/></devices>`:                                                                                                "sound model 'sb16'",
		`<devices><graphics type='rdp'/></devices>`:                                                                                               "graphics other than VNC and SPICE",
		`<devices><watchdog model='diag288'/></devices>`:                                                                                          "watchdog model 'diag288'",
	} {
		os := `<os><type>hvm</type></os>`
		if strings.Contains(inner, "<os>") {
			os = ""
		}
		xml := `<domain type='qemu'><name>v</name><memory>65536</memory>` + os + inner + `</domain>`
		_, _, err := d.parseDefinition(t.Context(), xml)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error naming %s", inner, err, want)
		} else if !strings.HasPrefix(err.Error(), "unsupported configuration: ") {
			t.Errorf("%s: %v is not VIR_ERR_CONFIG_UNSUPPORTED", inner, err)
		}
	}
}
