package qemu

import (
	"context"
	"io"
	"os"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// DomainOpenConsole is virsh console: the guest's first serial port, a pty QEMU made,
// carried over an RPC stream in both directions. One session at a time; --force takes
// over from the one before.
func (d *Driver) DomainOpenConsole(ctx context.Context, a libvirt.DomainOpenConsoleArgs) (struct{}, error) {
	if err := checkFlags(uint32(a.Flags), uint32(libvirt.DomainConsoleForce|libvirt.DomainConsoleSafe), "qemuDomainOpenConsole"); err != nil {
		return struct{}{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	dom.mu.Lock()
	r := dom.run
	dom.mu.Unlock()
	if r == nil {
		return struct{}{}, errNotRunning()
	}
	if len(a.DevName) > 0 {
		switch a.DevName[0] {
		case "serial0", "console0":
		default:
			return struct{}{}, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "cannot find character device %s", a.DevName[0])
		}
	}
	if r.pty == "" {
		return struct{}{}, virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "character device serial0 is not using a PTY")
	}
	pty, err := os.OpenFile(r.pty, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Unable to open %s: %v", r.pty, virerror.Strerror(err))
	}
	s, err := rpc.OpenStream(ctx)
	if err != nil {
		pty.Close()
		return struct{}{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "%v", err)
	}
	r.mu.Lock()
	old := r.console
	if old != nil && a.Flags&uint32(libvirt.DomainConsoleForce) == 0 {
		select {
		case <-old.Done():
		default:
			r.mu.Unlock()
			pty.Close()
			return struct{}{}, virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "Active console session exists for this domain")
		}
	}
	r.console = s
	r.mu.Unlock()
	if old != nil {
		old.Abort(virerror.New(libvirt.ErrOperationFailed, virerror.FromStreams, "Active console session was taken over"))
	}
	go pumpConsole(s, pty)
	return struct{}{}, nil
}

// pumpConsole copies between the pty and the stream until either side ends: the
// guest's output to the client, the client's keys to the guest. When QEMU goes away
// the pty reads fail and the client gets the end of the stream.
func pumpConsole(s *rpc.DataStream, pty *os.File) {
	go func() {
		io.Copy(pty, s)
		pty.Close() // the client is done: stop reading too
	}()
	buf := make([]byte, 16<<10)
	for {
		n, err := pty.Read(buf)
		if n > 0 {
			if _, werr := s.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			s.CloseWrite()
			break
		}
	}
	pty.Close()
}
