package qemutest

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/qemu/qmp"
)

// boot runs QEMU directly (no daemon) with the serial console on a pipe and a QMP
// monitor, and returns the console lines as they come.
func boot(t *testing.T, args ...string) (<-chan string, *qmp.Monitor) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "qmp.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false)
	lf, _ := ul.File()
	ln.Close()
	cmd := exec.Command("qemu-system-x86_64", append([]string{"-machine", "pc,accel=tcg", "-nodefaults",
		"-display", "none", "-no-shutdown", "-serial", "stdio",
		"-chardev", "socket,id=mon,fd=3,server=on,wait=off", "-mon", "chardev=mon,mode=control"}, args...)...)
	cmd.ExtraFiles = []*os.File{lf}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatalf("qemu-system-x86_64: %v", err)
	}
	lf.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- strings.TrimRight(sc.Text(), "\r")
		}
		close(lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	m := qmp.New(sock)
	if err := m.ConnectContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Disconnect() })
	return lines, m
}

func waitLine(t *testing.T, lines <-chan string, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("console closed before %q", want)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q on the console within %v", want, timeout)
		}
	}
}

// powerdown presses the power button and waits for QEMU to report the guest's own
// poweroff.
func powerdown(t *testing.T, m *qmp.Monitor) {
	t.Helper()
	evs, err := m.Events(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Execute(t.Context(), "system_powerdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-evs:
			if ev.Event == "SHUTDOWN" {
				if ev.Data["reason"] != "guest-shutdown" {
					t.Fatalf("SHUTDOWN for %v, want guest-shutdown", ev.Data)
				}
				return
			}
		case <-timeout:
			t.Fatal("the guest did not power off after system_powerdown")
		}
	}
}

func TestTinyImage(t *testing.T) {
	t.Parallel()
	for _, machine := range []string{"pc", "q35"} {
		lines, m := boot(t, "-machine", machine, "-m", "16", "-kernel", TinyImage(t))
		if err := m.Execute(t.Context(), "cont", nil, nil); err != nil {
			t.Fatal(err)
		}
		waitLine(t, lines, TinyReady, 10*time.Second)
		powerdown(t, m)
		waitLine(t, lines, TinyPowerOff, 5*time.Second)
	}
}

// TestTinyPanic: with "panic" on its command line the image reports a crash through
// pvpanic, which QEMU turns into GUEST_PANICKED.
func TestTinyPanic(t *testing.T) {
	t.Parallel()
	lines, m := boot(t, "-m", "16", "-device", "pvpanic", "-kernel", TinyImage(t), "-append", "panic")
	evs, err := m.Events(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Execute(t.Context(), "cont", nil, nil); err != nil {
		t.Fatal(err)
	}
	waitLine(t, lines, TinyPanic, 10*time.Second)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-evs:
			if ev.Event == "GUEST_PANICKED" {
				return
			}
		case <-timeout:
			t.Fatal("no GUEST_PANICKED event")
		}
	}
}

func TestLinuxGuest(t *testing.T) {
	t.Parallel()
	kernel, initrd := LinuxGuest(t)
	lines, m := boot(t, "-m", "128", "-kernel", kernel, "-initrd", initrd, "-append", LinuxCmdline)
	if err := m.Execute(t.Context(), "cont", nil, nil); err != nil {
		t.Fatal(err)
	}
	waitLine(t, lines, LinuxReady, 60*time.Second)
	powerdown(t, m)
}
