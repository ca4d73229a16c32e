package qemu_test

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// console is a running "virsh console" on a pty of its own (virsh refuses to run one
// without a terminal), with everything it printed collected.
type console struct {
	cmd    *exec.Cmd
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	more   chan struct{}
	done   chan struct{}
}

// openPty returns the master side and the path of a new pseudo-terminal.
func openPty(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	return m, "/dev/pts/" + strconv.Itoa(n)
}

func virshConsole(t *testing.T, d *daemontest.Daemon, args ...string) *console {
	t.Helper()
	master, slavePath := openPty(t)
	slave, err := os.OpenFile(slavePath, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	c := &console{master: master, more: make(chan struct{}, 1), done: make(chan struct{})}
	c.cmd = exec.Command("virsh", append([]string{"-c", d.URI(""), "console"}, args...)...)
	c.cmd.Env = append(os.Environ(), "LIBVIRT_AUTOSTART=0", "TERM=dumb")
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = slave, slave, slave
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			c.mu.Lock()
			c.out.Write(buf[:n])
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
			if err != nil {
				close(c.done)
				return
			}
		}
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
		master.Close()
	})
	return c
}

func (c *console) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// expect waits until the console printed want.
func (c *console) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !strings.Contains(c.text(), want) {
		select {
		case <-c.more:
		case <-c.done:
			if !strings.Contains(c.text(), want) {
				t.Fatalf("console ended without %q; it printed:\n%s", want, c.text())
			}
		case <-deadline:
			t.Fatalf("console never printed %q; it printed:\n%s", want, c.text())
		}
	}
}

// quit types virsh's escape character and waits for virsh to exit. virsh only sees the
// character once it has put the terminal in raw mode, which it does after printing its
// greeting; nothing announces that but the terminal's own settings.
func (c *console) quit(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		tio, err := unix.IoctlGetTermios(int(c.master.Fd()), unix.TCGETS)
		if err == nil && tio.Lflag&unix.ICANON == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("virsh console never put its terminal in raw mode: %v", err)
		}
	}
	c.master.Write([]byte{0x1d})
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("virsh console: %v\n%s", err, c.text())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("virsh console did not quit on ^]")
	}
}
