package systemdtest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m, WithMachined()) }

// TestManagerRuns checks the harness itself: a transient service started with systemd-run
// runs in the manager's cgroup, and machined answers.
func TestManagerRuns(t *testing.T) {
	m := Current(t)
	if out, err := m.Command("systemd-run", "--user", "--unit=harness-check", "-p", "Description=harness check",
		"sleep", "60").CombinedOutput(); err != nil {
		t.Fatalf("systemd-run: %v\n%s", err, out)
	}
	out, err := m.Systemctl("status", "harness-check.service")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "harness check") || !strings.Contains(out, "active (running)") {
		t.Errorf("systemctl status:\n%s", out)
	}
	if _, err := m.Systemctl("stop", "harness-check.service"); err != nil {
		t.Fatal(err)
	}
	own, _ := os.ReadFile("/proc/self/cgroup")
	if strings.Contains(string(own), "virtunit-systemdtest") {
		t.Errorf("the test process itself is in the manager's cgroup:\n%s", own)
	}
	mgr, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", m.PID))
	if !strings.Contains(string(mgr), "virtunit-systemdtest") {
		t.Errorf("the manager is not in its own cgroup:\n%s", mgr)
	}
	if out, err := m.Command("machinectl", "list").CombinedOutput(); err != nil {
		t.Errorf("machinectl list: %v\n%s", err, out)
	}
}

// TestMissingToolFails runs this test binary afresh with no PATH: Main must fail, naming
// what to install, rather than skip.
func TestMissingToolFails(t *testing.T) {
	self, _ := os.Executable()
	cmd := exec.Command(self, "-test.run=^$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, nsEnv+"=") && !strings.HasPrefix(kv, "PATH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unshare is missing (install the Debian package util-linux)") {
		t.Errorf("without PATH: %v\n%s", err, out)
	}
}
