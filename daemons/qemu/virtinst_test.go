package qemu_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
)

// virtInstall runs virt-install (or virt-xml) against d, in a home of its own.
func virtTool(t *testing.T, d *daemontest.Daemon, tool string, args ...string) (string, error) {
	t.Helper()
	daemontest.RequireTool(t, tool)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	env := append(os.Environ(), "LIBVIRT_AUTOSTART=0", "HOME="+t.TempDir())
	out, errOut, err := daemontest.Run(ctx, env, tool, append([]string{"--connect", d.URI("")}, args...)...)
	if err != nil {
		return out + errOut, err
	}
	return out, nil
}

// TestVirtInstall drives virtqemud with virt-install and virt-xml as people do:
// the default generic guest (which virt-install builds from the host and domain
// capabilities: machine pc-i440fx, SPICE with qxl, USB2, usbredir, sound), a Q35
// guest with VNC, a cold edit, and the guests' addresses after start.
func TestVirtInstall(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	kernel := qemutest.TinyImage(t)

	xml, err := virtTool(t, d, "virt-install", "--print-xml", "--name", "gen", "--memory", "64", "--import",
		"--disk", "none", "--network", "none", "--osinfo", "generic", "--boot", "kernel="+kernel, "--noautoconsole")
	if err != nil {
		t.Fatalf("virt-install --print-xml: %v\n%s", err, xml)
	}
	wantContains(t, "virt-install --print-xml", xml, `machine="pc-i440fx-7.2"`, `model="ich9-ehci1"`,
		`<graphics type="spice"`, `<model type="qxl"/>`, `<sound model="ich6"/>`, `<redirdev bus="usb" type="spicevmc"/>`)

	if out, err := virtTool(t, d, "virt-install", "--name", "gen", "--memory", "64", "--import",
		"--disk", "none", "--network", "none", "--osinfo", "generic", "--boot", "kernel="+kernel, "--noautoconsole"); err != nil {
		t.Fatalf("virt-install: %v\n%s\n%s", err, out, d.Log())
	}
	wantState(t, d, "gen", "running (booted)")
	live := d.Virsh(t, "dumpxml", "gen")
	wantContains(t, "live XML", live,
		"<controller type='usb' index='0' model='ich9-ehci1'>",
		"<address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x7'/>",
		"<address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0' multifunction='on'/>",
		"<address type='usb' bus='0' port='2'/>",
		"<address type='virtio-serial' controller='0' bus='0' port='1'/>")
	if !regexp.MustCompile(`<graphics type='spice' port='59\d\d' autoport='yes' listen='127.0.0.1'>`).MatchString(live) {
		t.Errorf("live SPICE graphics without its port and address:\n%s", live)
	}
	if !strings.Contains(d.Virsh(t, "dumpxml", "--inactive", "gen"), "slot='0x04' function='0x7'") {
		t.Error("the assigned PCI addresses are not in the persistent definition")
	}
	d.Virsh(t, "destroy", "gen")

	// A Q35 guest with VNC: vncdisplay reads the listen address from the live XML.
	if out, err := virtTool(t, d, "virt-install", "--name", "q35", "--memory", "64", "--machine", "q35", "--import",
		"--disk", "none", "--network", "none", "--osinfo", "generic", "--graphics", "vnc", "--video", "vga",
		"--boot", "kernel="+kernel, "--noautoconsole"); err != nil {
		t.Fatalf("virt-install q35: %v\n%s", err, out)
	}
	if out := strings.TrimSpace(d.Virsh(t, "vncdisplay", "q35")); !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(out) {
		t.Errorf("vncdisplay = %q, want 127.0.0.1:N", out)
	}
	wantContains(t, "q35 live XML", d.Virsh(t, "dumpxml", "q35"),
		"<controller type='pci' index='1' model='pcie-root-port'>",
		"<model type='vga' vram='16384' heads='1' primary='yes'/>",
		"<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>")
	d.Virsh(t, "destroy", "q35")

	// UEFI: firmware='efi' is resolved at start from the firmware descriptors, the
	// variable store made from the template.
	if out, err := virtTool(t, d, "virt-install", "--name", "uefi", "--memory", "128", "--machine", "q35", "--import",
		"--disk", "none", "--network", "none", "--osinfo", "generic", "--graphics", "none",
		"--boot", "uefi,kernel="+kernel, "--noautoconsole"); err != nil {
		t.Fatalf("virt-install --boot uefi: %v\n%s", err, out)
	}
	live = d.Virsh(t, "dumpxml", "uefi")
	nvram := filepath.Join(d.Dir, "config", "libvirt", "qemu", "nvram", "uefi_VARS.fd")
	wantContains(t, "UEFI live XML", live, "<os firmware='efi'>", "type='pflash' format='raw'>/usr/share/OVMF/OVMF_CODE_4M", "<smm state='on'/>", ">"+nvram+"</nvram>")
	if _, err := os.Stat(nvram); err != nil {
		t.Errorf("no variable store: %v", err)
	}
	d.Virsh(t, "destroy", "uefi")

	// virt-xml edits the stored definition of a guest that is shut off.
	if out, err := virtTool(t, d, "virt-xml", "gen", "--edit", "--memory", "96"); err != nil {
		t.Fatalf("virt-xml --edit: %v\n%s", err, out)
	}
	wantContains(t, "edited definition", d.Virsh(t, "dumpxml", "--inactive", "gen"), "<memory unit='KiB'>98304</memory>")

	// The domain capabilities virt-install read.
	wantContains(t, "domcapabilities", d.Virsh(t, "domcapabilities", "--machine", "q35"),
		"<machine>pc-q35-7.2</machine>", "<value>spice</value>", "<value>qxl</value>")
}
