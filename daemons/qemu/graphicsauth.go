package qemu

import (
	"context"
	"strconv"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/qemu/qmp"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Graphics passwords, as libvirt handles them: QEMU is told on its command line that
// the VNC or SPICE server needs one (VNC's password=on; SPICE without
// disable-ticketing), and gets the password itself over the monitor before the guest
// runs (set_password, then expire_password), so it never appears in the process's
// arguments. The password is the <graphics passwd=...> of the definition, else
// qemu.conf's vnc_password or spice_password. It is kept in the definition files but
// left out of the XML clients see unless they ask for VIR_DOMAIN_XML_SECURE.

// graphicsPassword is the password of a VNC or SPICE server, and whether it has one.
func graphicsPassword(g libvirtxml.DomainGraphic, cfg *Config) (protocol, password, validTo string, ok bool) {
	switch {
	case g.VNC != nil:
		protocol, password, validTo = "vnc", g.VNC.Passwd, g.VNC.PasswdValidTo
		if password == "" {
			password = cfg.VNCPassword
		}
	case g.Spice != nil:
		protocol, password, validTo = "spice", g.Spice.Passwd, g.Spice.PasswdValidTo
		if password == "" {
			password = cfg.SpicePassword
		}
	}
	return protocol, password, validTo, password != ""
}

// setGraphicsPasswords hands each graphics server its password, before the vCPUs run.
func setGraphicsPasswords(ctx context.Context, mon *qmp.Monitor, def *libvirtxml.Domain, cfg *Config) error {
	if def.Devices == nil {
		return nil
	}
	for _, g := range def.Devices.Graphics {
		protocol, password, validTo, ok := graphicsPassword(g, cfg)
		if !ok {
			continue
		}
		if err := mon.Execute(ctx, "set_password", map[string]any{"protocol": protocol, "password": password}, nil); err != nil {
			return err
		}
		expiry := "never"
		if validTo != "" {
			t, err := parseValidTo(validTo)
			if err != nil {
				return err
			}
			expiry = strconv.FormatInt(t.Unix(), 10)
		}
		if err := mon.Execute(ctx, "expire_password", map[string]any{"protocol": protocol, "time": expiry}, nil); err != nil {
			return err
		}
	}
	return nil
}

// parseValidTo reads passwdValidTo, which libvirt writes as UTC "YYYY-MM-DDTHH:MM:SS".
func parseValidTo(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		return time.Time{}, virerror.New(libvirt.ErrXMLError, virerror.FromDomain, "cannot parse password validity time '%s', expect YYYY-MM-DDTHH:MM:SS", s)
	}
	return t, nil
}

// withoutSecrets is def as clients without VIR_DOMAIN_XML_SECURE see it: graphics
// passwords left out. def is not changed; what the copy shares with it is only read.
func withoutSecrets(def *libvirtxml.Domain) *libvirtxml.Domain {
	if def.Devices == nil || !hasGraphicsPassword(def.Devices.Graphics) {
		return def
	}
	cp := *def
	devs := *def.Devices
	devs.Graphics = append([]libvirtxml.DomainGraphic(nil), def.Devices.Graphics...)
	for i, g := range devs.Graphics {
		switch {
		case g.VNC != nil && g.VNC.Passwd != "":
			vnc := *g.VNC
			vnc.Passwd = ""
			devs.Graphics[i].VNC = &vnc
		case g.Spice != nil && g.Spice.Passwd != "":
			sp := *g.Spice
			sp.Passwd = ""
			devs.Graphics[i].Spice = &sp
		}
	}
	cp.Devices = &devs
	return &cp
}

func hasGraphicsPassword(gs []libvirtxml.DomainGraphic) bool {
	for _, g := range gs {
		if g.VNC != nil && g.VNC.Passwd != "" || g.Spice != nil && g.Spice.Passwd != "" {
			return true
		}
	}
	return false
}
