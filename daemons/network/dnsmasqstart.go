package network

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/units"
)

// startDnsmasq starts a network's dnsmasq unit and waits until dnsmasq has written its
// pid file, which it does once its sockets are bound. So DHCP and DNS answer when
// net-start returns, as under libvirt (whose daemonizing dnsmasq leaves its parent only
// then), and a dnsmasq that cannot start fails the start, in libvirt's words, instead
// of restarting behind its back. The error it returns is the one the caller reports.
func (d *Driver) startDnsmasq(ctx context.Context, live *netDef, s units.Spec) error {
	pid := d.paths.pidFile(live.Name)
	if err := os.MkdirAll(d.paths.pid, 0o755); err != nil {
		return writeErr(err, d.paths.pid)
	}
	os.Remove(pid) // a stale one would end the wait at once
	logged := fileSize(s.LogFile)
	if err := d.startUnit(ctx, s); err != nil {
		return d.startError(live, s, err)
	}
	deadline := time.Now().Add(dnsmasqTimeout)
	for n := 0; ; n++ {
		if fi, err := os.Stat(pid); err == nil && fi.Size() > 0 {
			return nil
		}
		if n%8 == 7 { // a D-Bus round trip under systemd: not every time
			st, err := d.units.Status(ctx, s.Name)
			if err != nil {
				return d.startError(live, s, err)
			}
			if st.Restarts > 0 || (!st.State.Up() && st.State != units.Starting) {
				return dnsmasqExited(s, st, readFrom(s.LogFile, logged))
			}
		}
		if time.Now().After(deadline) {
			return d.startError(live, s, fmt.Errorf("dnsmasq wrote no pid file to %s within %v", pid, dnsmasqTimeout))
		}
		select {
		case <-ctx.Done():
			return d.startError(live, s, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// dnsmasqExited words a dnsmasq that ended at start as libvirt's virCommandRun does:
// the command with its environment, how it ended, what it printed.
func dnsmasqExited(s units.Spec, st units.Status, output string) error {
	how := "unexpected exit"
	switch {
	case st.Exit != nil && st.Exit.Signal != 0:
		how = fmt.Sprintf("fatal signal %d", st.Exit.Signal)
	case st.Exit != nil:
		how = fmt.Sprintf("unexpected exit status %d", st.Exit.Code)
	}
	cmd := strings.Join(append(s.Env[:len(s.Env):len(s.Env)], s.Argv...), " ")
	if output != "" {
		output = ": " + output
	}
	return virerror.New(libvirt.ErrInternalError, virerror.FromNone, "Child process (%s) %s%s", cmd, how, output)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readFrom is what path holds from offset on, at most 4 KiB of it: a unit's output
// since a start.
func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(io.NewSectionReader(f, offset, 1<<62), 4096))
	return string(b)
}
