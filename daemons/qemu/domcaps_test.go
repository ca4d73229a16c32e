package qemu

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
)

// TestDomainCapabilitiesGolden compares the domain capabilities of the installed QEMU
// with what libvirt 9.0 reports for it (testdata/libvirt/domcapabilities-*.xml,
// recorded by record.sh). The one known difference is the host-model CPU, which
// libvirt derives from its CPU map and virtunit does not offer.
func TestDomainCapabilitiesGolden(t *testing.T) {
	d := &Driver{firmware: loadFirmware(firmwareDirs)}
	if len(d.firmware) == 0 {
		t.Fatal("no UEFI firmware descriptors in /usr/share/qemu/firmware: install ovmf")
	}
	hostModel := regexp.MustCompile(`(?s)<mode name='host-model' supported='yes'>.*?</mode>`)
	for _, m := range []string{"q35", "pc"} {
		t.Run(m, func(t *testing.T) {
			ret, err := d.ConnectGetDomainCapabilities(t.Context(), libvirt.ConnectGetDomainCapabilitiesArgs{
				Machine: libvirt.OptString{m}, Virttype: libvirt.OptString{"qemu"}})
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile("testdata/libvirt/domcapabilities-" + m + ".xml")
			if err != nil {
				t.Fatal(err)
			}
			want := hostModel.ReplaceAllString(string(data), "<mode name='host-model' supported='no'/>")
			if got := ret.Capabilities; strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("differs from libvirt's:\n%s", lineDiff(got, want))
			}
		})
	}
	for _, c := range []struct {
		args libvirt.ConnectGetDomainCapabilitiesArgs
		want string
	}{
		{libvirt.ConnectGetDomainCapabilitiesArgs{Virttype: libvirt.OptString{"xen"}}, "invalid argument: unknown virttype: xen"},
		{libvirt.ConnectGetDomainCapabilitiesArgs{Machine: libvirt.OptString{"virt"}},
			"invalid argument: the machine 'virt' is not supported by emulator '/usr/bin/qemu-system-x86_64'"},
	} {
		if _, err := d.ConnectGetDomainCapabilities(t.Context(), c.args); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %s", c.args, err, c.want)
		}
	}
}

// lineDiff shows where got first departs from want, with the lines around it.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	from := max(i-3, 0)
	return "first difference at line " + strconv.Itoa(i+1) + "\n--- got\n" + strings.Join(g[from:min(i+4, len(g))], "\n") +
		"\n--- want\n" + strings.Join(w[from:min(i+4, len(w))], "\n")
}
