package network

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// restore takes back the networks that were running when the daemon stopped (their
// status files), as libvirt's networkUpdateState does: a network whose units still run
// is active again, untouched; one whose units are gone is cleaned up and inactive.
func (d *Driver) restore(ctx context.Context) {
	entries, err := os.ReadDir(d.paths.state)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".xml") {
			continue
		}
		path := filepath.Join(d.paths.state, e.Name())
		live, err := readStatus(path)
		if err != nil || live.Name+".xml" != e.Name() {
			d.log.Warn("skipping network status", "file", path, "err", err)
			continue
		}
		if !d.stillUp(ctx, live) {
			d.log.Info("network went down while the daemon was away", "network", live.Name)
			d.cleanupDead(ctx, live)
			os.Remove(path)
			continue
		}
		n, ok := d.nets[live.Name]
		switch {
		case !ok:
			n = &network{}
			d.nets[live.Name] = n
		case n.def.UUID != live.UUID:
			d.log.Warn("running network differs from its config; keeping the running one", "network", live.Name)
			n.persistent, n.autostart = false, false
		default:
			n.newDef = n.def
		}
		n.def, n.active = live, true
		n.ports = d.loadPorts(live.Name)
		d.env.Inhibit(true)
		d.log.Info("network still running", "network", live.Name)
	}
}

// stillUp adopts a network's units; false when its setup unit is gone (a bridge-mode
// network has none). A dead dnsmasq of a live network is started again.
func (d *Driver) stillUp(ctx context.Context, live *netDef) bool {
	if !virtual(live) {
		return true
	}
	if !d.adopt(ctx, netUnit(live.Name)) {
		d.stopUnit(ctx, dnsmasqUnit(live.Name))
		return false
	}
	ips, err := ipDefs(live)
	if err != nil || !needsDnsmasq(live, ips) || d.adopt(ctx, dnsmasqUnit(live.Name)) {
		return true
	}
	d.log.Info("dnsmasq of a running network is gone; starting it again", "network", live.Name)
	if err := d.restartDnsmasq(ctx, live, false, true); err != nil {
		d.log.Error("cannot start dnsmasq", "network", live.Name, "err", err)
	}
	return true
}

// cleanupDead removes what a network whose units are gone may have left: its setup's
// teardown runs again (it is idempotent) from the saved plan.
func (d *Driver) cleanupDead(ctx context.Context, live *netDef) {
	d.clearNetworkBandwidth(live)
	plan := d.paths.planFile(live.Name)
	if _, err := os.Stat(plan); err != nil {
		return
	}
	if help, err := helperCommand(); err == nil {
		if out, err := exec.CommandContext(ctx, help[0], append(help[1:], "down", plan)...).CombinedOutput(); err != nil {
			d.log.Warn("cleanup of a dead network failed", "network", live.Name, "err", err, "output", string(out))
		}
	}
	os.Remove(plan)
	os.RemoveAll(d.paths.portDir(live.Name))
}

// loadPorts reads a running network's ports back.
func (d *Driver) loadPorts(name string) map[string]*libvirtxml.NetworkPort {
	ports := portMap()
	files, _ := filepath.Glob(filepath.Join(d.paths.portDir(name), "*.xml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			var p *libvirtxml.NetworkPort
			if p, err = parsePort(string(b)); err == nil {
				ports[p.UUID] = p
				continue
			}
		}
		d.log.Warn("skipping network port", "file", f, "err", err)
	}
	return ports
}

// autostart starts the persistent networks marked for it that are not running.
func (d *Driver) autostart(ctx context.Context) {
	d.mu.Lock()
	var todo []*network
	for _, n := range d.sorted() {
		if n.autostart && !n.active {
			todo = append(todo, n)
		}
	}
	d.mu.Unlock()
	for _, n := range todo {
		n.op.Lock()
		err := d.start(ctx, n)
		n.op.Unlock()
		if err != nil && !errors.Is(err, context.Canceled) {
			d.log.Error("autostart of network failed", "network", n.def.Name, "err", err)
			continue
		}
		d.publish(n.ref(), libvirt.NetworkEventStarted)
	}
}
