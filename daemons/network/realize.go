package network

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/virtunit/virtunit/daemons/network/helper"
	"github.com/virtunit/virtunit/units"
)

// netUnit and dnsmasqUnit are a network's unit names, escaped as systemd-escape does.
func netUnit(name string) string { return units.NetworkService(name) }

func dnsmasqUnit(name string) string {
	return "virtnetwork-" + units.Escape(name) + "-dnsmasq.service"
}

// How long stops may take before SIGKILL, and how soon a dead dnsmasq comes back.
const (
	setupTimeout   = 30 * time.Second
	dnsmasqTimeout = 10 * time.Second
	dnsmasqRestart = 100 * time.Millisecond
)

// startUnit starts a unit; a failed one of the same name left from an earlier start
// (systemd keeps failed transient units loaded) is reset first.
func (d *Driver) startUnit(ctx context.Context, s units.Spec) error {
	_, err := d.units.Start(ctx, s)
	if errors.Is(err, units.ErrExists) {
		if up, _ := d.units.Status(ctx, s.Name); !up.State.Up() {
			d.units.ResetFailed(ctx, s.Name)
			_, err = d.units.Start(ctx, s)
		}
	}
	return err
}

// stopUnit stops a unit that may not exist (any more).
func (d *Driver) stopUnit(ctx context.Context, name string) error {
	if _, err := d.units.Stop(ctx, name); err != nil && !errors.Is(err, units.ErrNotFound) {
		return err
	}
	return nil
}

// adopt takes a running unit back after a daemon restart; false when it is gone.
func (d *Driver) adopt(ctx context.Context, name string) bool {
	st, err := d.units.Adopt(ctx, name)
	if err != nil {
		if !errors.Is(err, units.ErrNotFound) {
			d.log.Warn("cannot adopt unit", "unit", name, "err", err)
		}
		return false
	}
	if !st.State.Up() && st.State != units.Restarting {
		// It ended while the daemon was away: let the name be used again.
		d.units.ResetFailed(ctx, name)
		return false
	}
	return true
}

// helperCommand runs the network helper: the daemon's own executable in that role
// (helper.Role), which therefore needs no lookup.
func helperCommand() ([]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the daemon's own executable for the network helper: %w", err)
	}
	return []string{self, helper.Role}, nil
}

// noDnsmasq is libvirt's message when dnsmasq is missing.
const noDnsmasq = "Unable to find 'dnsmasq' binary in $PATH"
