package network

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/coreos/go-systemd/v22/unit"
)

// unitSpec is one unit of a network: the oneshot that sets the bridge and firewall up
// and down, or the dnsmasq service bound to it.
type unitSpec struct {
	Name, Description string
	Oneshot           bool
	Argv, StopArgv    []string
	Env               []string
	// LogFile receives the unit's output; the daemon reads it back when a start fails.
	LogFile          string
	RestartOnFailure bool
	BindsTo          []string
}

// realizer starts and stops the units of networks.
type realizer interface {
	Start(ctx context.Context, s unitSpec) error
	Stop(ctx context.Context, name string) error
	Kill(ctx context.Context, name string, sig syscall.Signal) error
	Up(ctx context.Context, name string) (bool, error)
}

// netUnit and dnsmasqUnit are a network's unit names, escaped as systemd-escape does.
func netUnit(name string) string { return "virtnetwork-" + unit.UnitNameEscape(name) + ".service" }

func dnsmasqUnit(name string) string {
	return "virtnetwork-" + unit.UnitNameEscape(name) + "-dnsmasq.service"
}

// helperPath finds virtunit-network-helper: beside the daemon's own binary (a build
// tree, a test), then in libexec, then on PATH.
func helperPath() (string, error) {
	const name = "virtunit-network-helper"
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	for _, dir := range []string{"/usr/libexec/virtunit", "/usr/local/libexec/virtunit"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("cannot find %s beside the daemon, in /usr/libexec/virtunit or on PATH", name)
	}
	return p, nil
}

// noDnsmasq is libvirt's message when dnsmasq is missing.
const noDnsmasq = "Unable to find 'dnsmasq' binary in $PATH"
