package qmp

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	goqmp "github.com/digitalocean/go-qemu/qmp"
)

// startQEMU runs a firmware-only QEMU whose monitor listens on a socket this process
// created, passed as a descriptor exactly as the driver does, so there is no race
// between QEMU starting and the first connect.
func startQEMU(t *testing.T) string {
	t.Helper()
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Fatalf("qemu-system-x86_64 is not installed: this test drives a real QEMU")
	}
	path := filepath.Join(t.TempDir(), "monitor.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false) // the socket stays for QEMU
	f, err := ul.File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(qemu, "-S", "-nodefaults", "-no-user-config", "-display", "none",
		"-machine", "pc,accel=tcg", "-m", "16", "-bios", "/usr/share/qemu/qboot.rom",
		"-chardev", "socket,id=charmonitor,fd=3,server=on,wait=off",
		"-mon", "chardev=charmonitor,id=monitor,mode=control", "-no-shutdown")
	cmd.ExtraFiles = []*os.File{f}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	return path
}

// TestRealQEMU runs the driver's start sequence against QEMU itself: handshake, a reply
// far beyond go-qemu's 64 KiB limit, cont with its RESUME event arriving before the
// reply, and the stream ending when QEMU quits.
func TestRealQEMU(t *testing.T) {
	m := New(startQEMU(t))
	evs, err := m.Events(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.ConnectContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	if m.Version().QEMU.Major < 7 {
		t.Errorf("QEMU version %s", m.Version())
	}
	var st struct{ Status string }
	if err := m.Execute(t.Context(), "query-status", nil, &st); err != nil || st.Status != "prelaunch" {
		t.Fatalf("query-status: %+v, %v", st, err)
	}
	var schema []json.RawMessage
	if err := m.Execute(t.Context(), "query-qmp-schema", nil, &schema); err != nil {
		t.Fatalf("query-qmp-schema: %v", err)
	}
	if raw, _ := json.Marshal(schema); len(raw) < 64<<10 {
		t.Errorf("schema only %d bytes: the large-reply case was not exercised", len(raw))
	}
	for _, c := range []string{"cont", "stop", "system_reset", "quit"} {
		if err := m.Execute(t.Context(), c, nil, nil); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
	}
	var got []string
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case ev, ok := <-evs:
			if !ok {
				done = true
				break
			}
			got = append(got, ev.Event)
		case <-timeout:
			t.Fatalf("event stream still open after quit; events so far %v", got)
		}
	}
	want := []string{"RESUME", "STOP", "RESET", "SHUTDOWN"}
	if !containsInOrder(got, want) {
		t.Errorf("events %v, want %v in that order", got, want)
	}
	<-m.Done()
}

func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

var _ goqmp.Monitor = New("")
