package qemu

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// reportOrphans looks, once the guests with status files are being adopted, for
// QEMU units of this daemon that none of them names: a guest whose status file was
// lost or could not be read. Nothing is known of how such a guest was started (its
// live definition, its monitor's state), so it is not adopted, and it is not killed
// either, since it may be someone's running machine: it is reported, with what an
// administrator needs to find and end it. A unit is this daemon's when its QEMU works
// in this daemon's run directory, where each guest's private directory is.
func (d *Driver) reportOrphans(ctx context.Context, known map[string]bool) {
	if d.units == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sts, err := d.units.List(ctx, "machine-qemu*")
	if err != nil {
		d.log.Warn("cannot list guest units to look for guests without a status file", "err", err)
		return
	}
	for _, st := range sts {
		if known[st.Name] || !st.State.Up() || st.MainPID == 0 || !d.inRunDir(st.MainPID) {
			continue
		}
		d.log.Error("a guest runs without a status file; it is not managed: end it with systemctl stop or kill",
			"unit", st.Name, "pid", st.MainPID)
	}
}

// inRunDir reports whether process pid works in a directory of the run directory.
func (d *Driver) inRunDir(pid int) bool {
	cwd, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "cwd"))
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(d.dirs.run, cwd)
	return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
}
