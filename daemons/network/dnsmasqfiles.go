package network

import (
	"errors"
	"os"

	"github.com/virtunit/virtunit/internal/atomicfile"
)

// writeDnsmasqFiles writes a network's dnsmasq config (0600, read by dnsmasq before it
// drops privileges) and hosts files (0644, re-read after a SIGHUP as user dnsmasq).
func (d *Driver) writeDnsmasqFiles(def *netDef, hostsOnly bool) error {
	f, err := buildDnsmasq(def, d.paths.dnsmasq, d.paths.pidFile(def.Name))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.paths.dnsmasq, 0o755); err != nil {
		return writeErr(err, d.paths.dnsmasq)
	}
	files := []struct {
		path, content string
		mode          os.FileMode
	}{
		{dnsmasqPath(d.paths.dnsmasq, def.Name, "hostsfile"), f.Hosts, 0o644},
		{dnsmasqPath(d.paths.dnsmasq, def.Name, "addnhosts"), f.AddnHosts, 0o644},
	}
	if !hostsOnly {
		files = append(files, struct {
			path, content string
			mode          os.FileMode
		}{dnsmasqPath(d.paths.dnsmasq, def.Name, "conf"), f.Conf, 0o600})
	}
	for _, w := range files {
		if err := atomicfile.WriteFile(w.path, []byte(w.content), w.mode); err != nil {
			return writeErr(err, w.path)
		}
	}
	return nil
}

// removeDnsmasqFiles deletes what writeDnsmasqFiles and the lease helper left.
func (d *Driver) removeDnsmasqFiles(def *netDef) {
	paths := []string{
		dnsmasqPath(d.paths.dnsmasq, def.Name, "conf"),
		dnsmasqPath(d.paths.dnsmasq, def.Name, "hostsfile"),
		dnsmasqPath(d.paths.dnsmasq, def.Name, "addnhosts"),
	}
	if def.Bridge != nil && def.Bridge.Name != "" {
		paths = append(paths, d.paths.leaseFile(def.Bridge.Name))
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			d.log.Warn("cannot remove dnsmasq file", "file", p, "err", err)
		}
	}
}
