package qemu

import (
	"log/slog"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/driver"
)

// TestListFilters checks virDomainObjListFilter's rules on three guests: a persistent
// one that runs, a persistent autostarted one that does not, a transient paused one.
func TestListFilters(t *testing.T) {
	running := newDomain(libvirt.UUID{1}, "running")
	running.persistent, running.live, running.state = true, &libvirtxml.Domain{}, libvirt.DomainRunning
	off := newDomain(libvirt.UUID{2}, "off")
	off.persistent, off.autostart = true, true
	paused := newDomain(libvirt.UUID{3}, "paused")
	paused.live, paused.state = &libvirtxml.Domain{}, libvirt.DomainPaused
	doms := []*domain{running, off, paused}
	drv := &Driver{env: &driver.Env{Paths: driver.Paths{StateDir: t.TempDir()}}, log: slog.Default()}
	cases := []struct {
		flags libvirt.ConnectListAllDomainsFlags
		want  string
	}{
		{0, "running off paused"},
		{libvirt.ConnectListDomainsActive | libvirt.ConnectListDomainsInactive, "running off paused"},
		{libvirt.ConnectListDomainsActive, "running paused"},
		{libvirt.ConnectListDomainsInactive, "off"},
		{libvirt.ConnectListDomainsTransient, "paused"},
		{libvirt.ConnectListDomainsPersistent | libvirt.ConnectListDomainsActive, "running"},
		{libvirt.ConnectListDomainsRunning, "running"},
		{libvirt.ConnectListDomainsPaused | libvirt.ConnectListDomainsShutoff, "off paused"},
		{libvirt.ConnectListDomainsOther, ""},
		{libvirt.ConnectListDomainsAutostart, "off"},
		{libvirt.ConnectListDomainsNoAutostart | libvirt.ConnectListDomainsActive, "running paused"},
		{libvirt.ConnectListDomainsHasSnapshot, ""},
		{libvirt.ConnectListDomainsNoSnapshot | libvirt.ConnectListDomainsNoManagedsave, "running off paused"},
		{libvirt.ConnectListDomainsManagedsave, ""},
	}
	for _, c := range cases {
		got := ""
		for _, dom := range doms {
			if drv.matches(dom, c.flags) {
				if got != "" {
					got += " "
				}
				got += dom.name
			}
		}
		if got != c.want {
			t.Errorf("flags %#x: %q, want %q", uint32(c.flags), got, c.want)
		}
	}
}
