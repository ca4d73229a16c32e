package network

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/network/bridge"
	"github.com/virtunit/virtunit/daemons/network/helper"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/units"
)

// start brings n up (networkStartNetwork): a copy of its definition becomes the live
// one, the units are started, the status saved. Called with n.op held.
func (d *Driver) start(ctx context.Context, n *network) error {
	d.mu.Lock()
	if n.active {
		d.mu.Unlock()
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "network is already active")
	}
	live, err := cloneDef(n.def)
	d.mu.Unlock()
	if err != nil {
		return err
	}
	// The early hook may set up what the network needs (libvirt's "start begin").
	if err := d.runHook(ctx, live, nil, nil, hookStart, hookBegin); err != nil {
		return err
	}
	if err := d.startDevices(ctx, live); err != nil {
		return err
	}
	if err := d.runHook(ctx, live, nil, nil, hookStarted, hookBegin); err != nil {
		d.stopDevices(context.WithoutCancel(ctx), live)
		return err
	}
	if err := d.saveStatus(live); err != nil {
		d.stopDevices(context.WithoutCancel(ctx), live)
		return err
	}
	d.mu.Lock()
	if n.persistent && n.newDef == nil {
		n.newDef = n.def
	}
	n.def, n.active = live, true
	n.ports = portMap()
	d.mu.Unlock()
	d.env.Inhibit(true)
	d.log.Info("network started", "network", live.Name, "bridge", bridgeOf(live))
	return nil
}

func bridgeOf(def *netDef) string {
	if def.Bridge == nil {
		return ""
	}
	return def.Bridge.Name
}

// startDevices builds what the network's forward mode needs: a virtual network's
// bridge, firewall and dnsmasq with its bandwidth, the bandwidth of a host bridge;
// macvtap and hostdev pools need nothing until a port takes a device.
func (d *Driver) startDevices(ctx context.Context, live *netDef) error {
	switch {
	case virtual(live):
		if err := d.startVirtual(ctx, live); err != nil {
			return err
		}
		if err := d.setNetworkBandwidth(live); err != nil {
			d.stopVirtual(context.WithoutCancel(ctx), live)
			return err
		}
	case forwardMode(live) == modeBridge && !macvtap(live):
		return d.setNetworkBandwidth(live)
	}
	return nil
}

// stopDevices undoes startDevices.
func (d *Driver) stopDevices(ctx context.Context, live *netDef) error {
	d.clearNetworkBandwidth(live)
	if virtual(live) {
		err := d.stopVirtual(ctx, live)
		d.clearNetworkBandwidth(live) // the ifb outlives the bridge
		return err
	}
	return nil
}

// startVirtual is networkStartNetworkVirtual: checks, files, then the units.
func (d *Driver) startVirtual(ctx context.Context, live *netDef) error {
	ips, err := ipDefs(live)
	if err != nil {
		return err
	}
	for i := range ips {
		if in, err := bridge.RouteInUse(ips[i].net()); err != nil {
			return err
		} else if in != "" {
			return virerror.New(libvirt.ErrInternalError, virerror.FromNone, "Network is already in use by interface %s", in)
		}
	}
	if bridge.Exists(live.Bridge.Name) {
		return virerror.New(libvirt.ErrSystemError, virerror.FromNone, "Unable to create bridge %s: File exists", live.Bridge.Name)
	}
	setNATPorts(live, ips)
	plan, err := d.buildPlan(live)
	if err != nil {
		return err
	}
	if err := helper.WritePlan(d.paths.planFile(live.Name), plan); err != nil {
		return writeErr(err, d.paths.planFile(live.Name))
	}
	dnsmasq := needsDnsmasq(live, ips)
	if dnsmasq {
		if err := d.writeDnsmasqFiles(live, false); err != nil {
			return err
		}
	}
	specs, err := d.unitSpecs(live, dnsmasq)
	if err != nil {
		return err
	}
	os.Remove(d.paths.logFile(live.Name))
	for i, s := range specs {
		var err error
		if s.Name == dnsmasqUnit(live.Name) {
			err = d.startDnsmasq(ctx, live, s)
		} else if err = d.startUnit(ctx, s); err != nil {
			err = d.startError(live, s, err)
		}
		if err != nil {
			for j := i; j >= 0; j-- {
				d.stopUnit(context.WithoutCancel(ctx), specs[j].Name)
			}
			return err
		}
	}
	return nil
}

// setNATPorts gives an IPv4 NAT network the source port range its rules use, as
// libvirt's firewall code does to the live definition (dumpxml shows it).
func setNATPorts(live *netDef, ips []ipDef) {
	if forwardMode(live) != modeNAT {
		return
	}
	v4 := false
	for i := range ips {
		v4 = v4 || ips[i].v4()
	}
	if !v4 {
		return
	}
	if live.Forward.NAT == nil {
		live.Forward.NAT = &libvirtxml.NetworkForwardNAT{}
	}
	if len(live.Forward.NAT.Ports) == 0 {
		live.Forward.NAT.Ports = []libvirtxml.NetworkForwardNATPort{{Start: 1024, End: 65535}}
	}
}

// unitSpecs are a virtual network's units: its setup oneshot and, if it serves DHCP or
// DNS, dnsmasq bound to it.
func (d *Driver) unitSpecs(live *netDef, dnsmasq bool) ([]units.Spec, error) {
	help, err := helperCommand()
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNetwork, "%v", err)
	}
	plan := d.paths.planFile(live.Name)
	specs := []units.Spec{{
		Name:        netUnit(live.Name),
		Kind:        units.Oneshot,
		Description: "libvirt virtual network " + live.Name,
		Argv:        append(help[:len(help):len(help)], "up", plan),
		StopArgv:    append(help[:len(help):len(help)], "down", plan),
		LogFile:     d.paths.logFile(live.Name),
		StopTimeout: setupTimeout,
	}}
	if !dnsmasq {
		return specs, nil
	}
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNetwork, "%s: %v", noDnsmasq, virerror.Strerror(err))
	}
	specs = append(specs, units.Spec{
		Name:        dnsmasqUnit(live.Name),
		Kind:        units.Service,
		Description: "dnsmasq of libvirt virtual network " + live.Name,
		Argv: []string{bin, "--keep-in-foreground", "--conf-file=" + dnsmasqPath(d.paths.dnsmasq, live.Name, "conf"),
			"--leasefile-ro", "--dhcp-script=" + help[0]},
		Env: []string{"VIR_BRIDGE_NAME=" + live.Bridge.Name,
			helper.LeaseFileEnv + "=" + d.paths.leaseFile(live.Bridge.Name)},
		LogFile:      d.paths.logFile(live.Name),
		Restart:      units.RestartOnFailure,
		RestartDelay: dnsmasqRestart,
		StopTimeout:  dnsmasqTimeout,
		BindsTo:      []string{netUnit(live.Name)},
		After:        []string{netUnit(live.Name)},
	})
	return specs, nil
}

// startError words a failed unit start with what the unit printed.
func (d *Driver) startError(live *netDef, s units.Spec, err error) error {
	out, _ := os.ReadFile(s.LogFile)
	msg := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	if msg == "" {
		msg = err.Error()
	}
	return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNetwork, "failed to start network '%s': %s", live.Name, msg)
}

// stop takes n down (networkShutdownNetwork). Called with n.op held.
func (d *Driver) stop(ctx context.Context, n *network) error {
	d.mu.Lock()
	if !n.active {
		d.mu.Unlock()
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "network '%s' is not active", n.def.Name)
	}
	live := n.def
	d.mu.Unlock()
	var errs []error
	errs = append(errs, d.stopDevices(ctx, live))
	if err := os.Remove(d.paths.statusFile(live.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	os.RemoveAll(d.paths.portDir(live.Name))
	d.mu.Lock()
	if n.newDef != nil {
		n.def, n.newDef = n.newDef, nil
	}
	n.active = false
	n.ports = portMap()
	d.mu.Unlock()
	d.env.Inhibit(false)
	if err := d.runHook(ctx, live, nil, nil, hookStopped, hookEnd); err != nil {
		d.log.Warn("network hook failed", "network", live.Name, "op", hookStopped, "err", err)
	}
	d.log.Info("network stopped", "network", live.Name)
	if err := errors.Join(errs...); err != nil {
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNetwork, "failed to stop network '%s': %v", live.Name, err)
	}
	return nil
}

// stopVirtual stops dnsmasq, then the setup unit (whose stop removes the firewall
// rules and the bridge).
func (d *Driver) stopVirtual(ctx context.Context, live *netDef) error {
	var errs []error
	for _, name := range []string{dnsmasqUnit(live.Name), netUnit(live.Name)} {
		if err := d.stopUnit(ctx, name); err != nil {
			errs = append(errs, err)
		}
	}
	os.Remove(d.paths.planFile(live.Name))
	os.Remove(d.paths.logFile(live.Name))
	os.Remove(d.paths.pidFile(live.Name))
	return errors.Join(errs...)
}

// reloadDnsmasq makes dnsmasq re-read its hosts files.
func (d *Driver) reloadDnsmasq(ctx context.Context, live *netDef) error {
	if err := d.units.Kill(ctx, dnsmasqUnit(live.Name), syscall.SIGHUP); err != nil {
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNetwork, "Failed to make dnsmasq of network '%s' reload its config files: %v", live.Name, err)
	}
	return nil
}

// restartDnsmasq restarts dnsmasq on a changed config (it rereads only its hosts files
// on SIGHUP), or starts or stops it when the network gains or loses its need for it.
func (d *Driver) restartDnsmasq(ctx context.Context, live *netDef, wasUp, nowUp bool) error {
	name := dnsmasqUnit(live.Name)
	if wasUp {
		if err := d.stopUnit(ctx, name); err != nil {
			return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNetwork, "failed to stop dnsmasq of network '%s': %v", live.Name, err)
		}
	}
	if !nowUp {
		return nil
	}
	if err := d.writeDnsmasqFiles(live, false); err != nil {
		return err
	}
	specs, err := d.unitSpecs(live, true)
	if err != nil {
		return err
	}
	if err := d.startDnsmasq(ctx, live, specs[1]); err != nil {
		d.stopUnit(context.WithoutCancel(ctx), name)
		return err
	}
	return nil
}
