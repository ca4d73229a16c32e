package qemu_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
)

// tinyXML is the tiny ACPI guest; args go on its command line ("nopower").
func tinyXML(t *testing.T, name, args string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>16</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel><cmdline>%s</cmdline></os>
  <features><acpi/></features>
  <devices><controller type='usb' model='none'/><memballoon model='none'/><serial type='pty'/></devices>
</domain>`, name, qemutest.TinyImage(t), args)
}

func state(t *testing.T, d *daemontest.Daemon, name string) string {
	t.Helper()
	return strings.TrimSpace(d.Virsh(t, "domstate", "--reason", name))
}

func wantState(t *testing.T, d *daemontest.Daemon, name, want string) {
	t.Helper()
	if got := state(t, d, name); got != want {
		t.Errorf("domstate %s = %q, want %q", name, got, want)
	}
}

// TestGuestLifecycle runs a firmware-only guest through every state change virsh
// offers, checking states, ids, events and the errors for changes that make no sense.
func TestGuestLifecycle(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	ev := watchEvents(t, d)
	define(t, d, domainXML("vm", ""))

	d.Virsh(t, "start", "vm")
	ev.expect(t, "'vm': Started Booted")
	if out := d.Virsh(t, "list"); !regexp.MustCompile(`\b1\s+vm\s+running`).MatchString(out) {
		t.Errorf("list: %q", out)
	}
	if id := strings.TrimSpace(d.Virsh(t, "domid", "vm")); id != "1" {
		t.Errorf("domid = %q", id)
	}
	wantState(t, d, "vm", "running (booted)")
	wantContains(t, "dumpxml", d.Virsh(t, "dumpxml", "vm"), "<domain type='qemu' id='1'>")
	if info := d.Virsh(t, "dominfo", "vm"); !regexp.MustCompile(`Id:\s+1\n`).MatchString(info) || !strings.Contains(info, "running") {
		t.Errorf("dominfo: %s", info)
	}
	// virsh decides from the id that the guest runs; the python test checks our error.
	wantContains(t, "second start", virshFails(t, d, "start", "vm"), "Domain is already active")

	d.Virsh(t, "suspend", "vm")
	ev.expect(t, "'vm': Suspended Paused")
	wantState(t, d, "vm", "paused (user)")
	d.Virsh(t, "resume", "vm")
	ev.expect(t, "'vm': Resumed Unpaused")
	wantState(t, d, "vm", "running (unpaused)")
	wantContains(t, "second resume", virshFails(t, d, "resume", "vm"), "domain is already running")
	d.Virsh(t, "reset", "vm")
	ev.expect(t, "event 'reboot' for domain 'vm'")

	t0 := time.Now()
	d.Virsh(t, "destroy", "vm")
	t.Logf("virsh destroy took %v (virsh process included)", time.Since(t0))
	ev.expect(t, "'vm': Stopped Destroyed")
	wantState(t, d, "vm", "shut off (destroyed)")
	wantContains(t, "second destroy", virshFails(t, d, "destroy", "vm"), "Requested operation is not valid: domain is not running")
	for _, cmd := range []string{"suspend", "resume", "shutdown", "reboot", "reset"} {
		wantContains(t, cmd+" of a stopped guest", virshFails(t, d, cmd, "vm"), "domain is not running")
	}

	d.Virsh(t, "start", "--paused", "vm")
	wantState(t, d, "vm", "paused (user)")
	if id := strings.TrimSpace(d.Virsh(t, "domid", "vm")); id != "2" {
		t.Errorf("domid after a second start = %q, want a new id 2", id)
	}
	d.Virsh(t, "destroy", "vm")
	d.Virsh(t, "undefine", "vm")
	ev.expect(t, "'vm': Undefined Removed")
}

// TestShutdownRebootConsole boots the tiny ACPI guest and follows it on its console:
// the ready line, a reboot (power button, then reset), and a shutdown the guest itself
// carries out.
func TestShutdownRebootConsole(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	ev := watchEvents(t, d)
	define(t, d, tinyXML(t, "tiny", ""))
	// Start paused and attach first: a pty drops what the guest writes while nobody
	// has the console open.
	d.Virsh(t, "start", "--paused", "tiny")
	con := virshConsole(t, d, "tiny")
	con.expect(t, "Escape character is ^]")
	d.Virsh(t, "resume", "tiny")
	con.expect(t, qemutest.TinyReady)

	d.Virsh(t, "reboot", "tiny")
	ev.expect(t, "event 'reboot' for domain 'tiny'")
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(con.text(), qemutest.TinyReady) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no second ready line after reboot:\n%s", con.text())
		}
		select {
		case <-con.more:
		case <-time.After(time.Second):
		}
	}
	wantState(t, d, "tiny", "running (booted)")

	// No agent is connected: the agent alone fails, agent-or-ACPI presses the button.
	for mode, want := range map[string]string{
		"agent":   "QEMU guest agent is not configured",
		"initctl": "unsupported flags (0x4) in function qemuDomainShutdownFlags",
	} {
		if _, stderr, err := d.VirshErr("shutdown", "--mode", mode, "tiny"); err == nil || !strings.Contains(stderr, want) {
			t.Errorf("shutdown --mode %s: %v %q, want %q", mode, err, stderr, want)
		}
	}
	d.Virsh(t, "shutdown", "--mode", "agent,acpi", "tiny")
	ev.expect(t, "'tiny': Shutdown Finished after guest request", "'tiny': Stopped Shutdown")
	wantState(t, d, "tiny", "shut off (shutdown)")
	con.expect(t, qemutest.TinyPowerOff)
	select {
	case <-con.done:
	case <-time.After(10 * time.Second):
		t.Errorf("virsh console still running after the guest stopped")
	}
	log, err := os.ReadFile(filepath.Join(d.Dir, "cache", "libvirt", "qemu", "log", "tiny-console.log"))
	if err != nil || strings.Count(string(log), qemutest.TinyReady) != 2 {
		t.Errorf("console log file: %v\n%s", err, log)
	}
	wantContains(t, "guest log", readFile(t, filepath.Join(d.Dir, "cache", "libvirt", "qemu", "log", "tiny.log")),
		"-name guest=tiny,debug-threads=on")
}

// TestShutdownIgnored: a guest that ignores the power button keeps running after
// shutdown; destroy --graceful still ends it.
func TestShutdownIgnored(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	define(t, d, tinyXML(t, "deaf", "nopower"))
	d.Virsh(t, "start", "deaf")
	// A console session the client ends leaves the console free for the next one.
	for range 2 {
		con := virshConsole(t, d, "deaf")
		con.expect(t, "Escape character is ^]")
		con.quit(t)
	}
	d.Virsh(t, "shutdown", "deaf")
	wantState(t, d, "deaf", "running (booted)")
	d.Virsh(t, "destroy", "--graceful", "deaf")
	wantState(t, d, "deaf", "shut off (destroyed)")
}

// TestTransientGuest: virsh create runs a guest that is forgotten when it stops.
func TestTransientGuest(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	ev := watchEvents(t, d)
	d.Virsh(t, "create", xmlFile(t, domainXML("temp", "")))
	ev.expect(t, "'temp': Started Booted")
	if info := d.Virsh(t, "dominfo", "temp"); !regexp.MustCompile(`Persistent:\s+no`).MatchString(info) {
		t.Errorf("dominfo: %s", info)
	}
	wantContains(t, "autostart", virshFails(t, d, "autostart", "temp"), "cannot set autostart for transient domain")
	wantContains(t, "undefine", virshFails(t, d, "undefine", "temp"), "cannot undefine transient domain")
	wantContains(t, "create again", virshFails(t, d, "create", xmlFile(t, domainXML("temp", ""))), "already exists with uuid")
	d.Virsh(t, "destroy", "temp")
	ev.expect(t, "'temp': Stopped Destroyed")
	if out := d.Virsh(t, "list", "--all", "--name"); strings.TrimSpace(out) != "" {
		t.Errorf("transient guest listed after it stopped: %q", out)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRestartSurvival restarts the daemon (SIGTERM, then kill -9) under running guests:
// they keep their QEMU, id and state, and their monitors work again. A guest killed
// while no daemon runs comes back shut off as crashed.
func TestRestartSurvival(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	for _, n := range []string{"r1", "r2", "r3"} {
		define(t, d, domainXML(n, ""))
	}
	d.Virsh(t, "start", "r1")
	d.Virsh(t, "start", "--paused", "r2")
	d.Virsh(t, "start", "r3")
	pids := map[string]int{}
	for _, n := range []string{"r1", "r2", "r3"} {
		if pids[n] = qemuPid(d, n); pids[n] == 0 {
			t.Fatalf("no QEMU process for %s", n)
		}
	}
	check := func(when string) {
		t.Helper()
		out := d.Virsh(t, "list", "--all")
		for _, re := range []string{`\b1\s+r1\s+running`, `\b2\s+r2\s+paused`} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("%s: list lacks %s:\n%s", when, re, out)
			}
		}
		for _, n := range []string{"r1", "r2"} {
			if p := qemuPid(d, n); p != pids[n] {
				t.Errorf("%s: %s has QEMU pid %d, had %d", when, n, p, pids[n])
			}
		}
	}
	d = restart(t, d, daemontest.Options{})
	check("after SIGTERM restart")
	d.Virsh(t, "suspend", "r1") // the monitor is back
	d.Virsh(t, "resume", "r1")

	if err := d.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	d.Wait(10 * time.Second)
	if err := syscall.Kill(pids["r3"], syscall.SIGKILL); err != nil { // dies while no daemon watches
		t.Fatalf("kill QEMU of r3 (pid %d): %v", pids["r3"], err)
	}
	d = startDaemon(t, "virtqemud", daemontest.Options{Dir: d.Dir})
	check("after kill -9 of the daemon")
	wantState(t, d, "r3", "shut off (crashed)")
	d.Virsh(t, "start", "r3")
	if id := strings.TrimSpace(d.Virsh(t, "domid", "r3")); id != "4" {
		t.Errorf("r3 restarted with id %s, want 4 (ids stay unique)", id)
	}
	for _, n := range []string{"r1", "r2", "r3"} {
		d.Virsh(t, "destroy", n)
	}
}

// TestAutostart starts marked guests when the daemon starts after a host boot (the run
// directory's marker gone), and not on a mere daemon restart.
func TestAutostart(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	define(t, d, domainXML("auto", ""))
	define(t, d, domainXML("manual", ""))
	d.Virsh(t, "autostart", "auto")
	if err := d.Stop(); err != 0 {
		t.Fatalf("daemon exit %d", err)
	}
	os.Remove(filepath.Join(d.Dir, "run", "libvirt", "qemu", "run", "autostarted")) // as a reboot would
	d = startDaemon(t, "virtqemud", daemontest.Options{Dir: d.Dir})
	waitState(t, d, "auto", "running (booted)")
	wantState(t, d, "manual", "shut off (unknown)")
	d.Virsh(t, "destroy", "auto")
	d = restart(t, d, daemontest.Options{})
	wantState(t, d, "auto", "shut off (unknown)") // not started again; libvirt keeps no reason across restarts
}

// waitState waits for an asynchronous state change (autostart) through virsh event,
// not by polling: it registers, then checks once, then waits for the event.
func waitState(t *testing.T, d *daemontest.Daemon, name, want string) {
	t.Helper()
	ev := watchEvents(t, d)
	if state(t, d, name) == want {
		return
	}
	ev.expect(t, "'"+name+"': Started")
	wantState(t, d, name, want)
}

// TestGuestCrash: a guest panic (pvpanic) is reported as CRASHED and on_crash decides:
// destroy ends the guest as crashed, preserve keeps QEMU in the crashed state.
func TestGuestCrash(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	ev := watchEvents(t, d)
	for action, want := range map[string]string{"destroy": "shut off (crashed)", "preserve": "crashed (panicked)"} {
		name := "crash-" + action
		xml := strings.Replace(tinyXML(t, name, "panic"), "<devices>", "<devices><panic model='isa'/>", 1)
		xml = strings.Replace(xml, "</features>", "</features><on_crash>"+action+"</on_crash>", 1)
		define(t, d, xml)
		d.Virsh(t, "start", name)
		ev.expect(t, "'"+name+"': Crashed Panicked")
		if action == "destroy" {
			ev.expect(t, "'"+name+"': Stopped Crashed")
		}
		wantState(t, d, name, want)
		if action == "preserve" {
			d.Virsh(t, "destroy", name)
		}
	}
}

// TestTimeoutWaitsForGuests: a daemon started with --timeout stays while a guest runs
// (its inhibition), and leaves once the guest is gone and no client is connected.
func TestTimeoutWaitsForGuests(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{Args: []string{"--timeout", "1"}})
	define(t, d, domainXML("held", ""))
	d.Virsh(t, "start", "held")
	// Showing that something does not happen takes waiting past the moment it would.
	if _, err := d.Wait(2 * time.Second); err == nil {
		t.Fatalf("daemon exited on --timeout with a guest running:\n%s", d.Log())
	}
	d.Virsh(t, "destroy", "held")
	if code, err := d.Wait(10 * time.Second); err != nil || code != 0 {
		t.Fatalf("daemon did not leave on --timeout after the guest stopped: %d %v", code, err)
	}
}

// TestLibvirtdServesGuests: the monolithic libvirtd has the QEMU driver too.
func TestLibvirtdServesGuests(t *testing.T) {
	t.Parallel()
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64")
	d := startDaemon(t, "libvirtd", daemontest.Options{})
	define(t, d, domainXML("mono", ""))
	d.Virsh(t, "start", "mono")
	wantState(t, d, "mono", "running (booted)")
	d.Virsh(t, "destroy", "mono")
	wantState(t, d, "mono", "shut off (destroyed)")
}
