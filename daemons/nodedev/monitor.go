package nodedev

import (
	"errors"
	"fmt"
	"os"

	udev "github.com/pilebones/go-udev/netlink"
	"golang.org/x/sys/unix"
)

// ueventSource is a socket uevents arrive on: go-udev's netlink connection, or a
// test's stand-in.
type ueventSource interface {
	fd() int
	ReadMsg() ([]byte, error)
	Close() error
}

// udevConn is go-udev's uevent connection. Its Monitor is not used: it stops for good
// on the first read error, so an overflow (ENOBUFS) would end hot-plug for the
// daemon's lifetime, and it notices a stop request only when the next uevent arrives.
// The driver's own loop polls the socket together with a stop pipe instead.
type udevConn struct{ udev.UEventConn }

func (c *udevConn) fd() int { return c.Fd }

// ueventBuffer is the receive buffer asked for: bursts (a bridge with many ports going
// away, a PCI rescan) produce thousands of uevents, and every one lost forces a
// re-enumeration. udevd asks for 128 MiB; this driver reads much less per event.
const ueventBuffer = 16 << 20

// openUEvents subscribes to device events: udevd's, when udevd runs here (its events
// come after its database is written, so vendor and model names are known), else the
// kernel's.
func openUEvents(udevRunning, privileged bool) (*udevConn, error) {
	mode := udev.KernelEvent
	if udevRunning {
		mode = udev.UdevEvent
	}
	c := &udevConn{}
	if err := c.Connect(mode); err != nil {
		return nil, fmt.Errorf("subscribe to uevents: %w", err)
	}
	opt := unix.SO_RCVBUF
	if privileged {
		opt = unix.SO_RCVBUFFORCE
	}
	if err := unix.SetsockoptInt(c.Fd, unix.SOL_SOCKET, opt, ueventBuffer); err != nil && privileged {
		c.Close()
		return nil, fmt.Errorf("uevent socket buffer: %w", err)
	}
	return c, nil
}

// monitor reads uevents from src until stop becomes readable (it is closed), applying
// each to the registry. When the kernel reports lost messages (ENOBUFS), the registry
// is rebuilt from sysfs, so no device appears or vanishes unnoticed.
func (d *Driver) monitor(src ueventSource, stop *os.File) error {
	fds := []unix.PollFd{
		{Fd: int32(src.fd()), Events: unix.POLLIN},
		{Fd: int32(stop.Fd()), Events: unix.POLLIN},
	}
	for {
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("poll uevent socket: %w", err)
		}
		if fds[1].Revents != 0 {
			return nil
		}
		if fds[0].Revents&(unix.POLLERR|unix.POLLIN) == 0 {
			continue
		}
		msg, err := src.ReadMsg()
		switch {
		case errors.Is(err, unix.ENOBUFS):
			d.log.Warn("uevents were lost; enumerating devices again")
			if err := d.resync(); err != nil {
				d.log.Error("cannot enumerate devices", "err", err)
			}
			continue
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.EAGAIN):
			continue
		case err != nil:
			return fmt.Errorf("read uevent: %w", err)
		}
		e, err := parseUEvent(msg)
		if err != nil {
			d.log.Debug("ignoring uevent", "err", err)
			continue
		}
		d.handle(e)
	}
}
