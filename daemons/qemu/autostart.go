package qemu

import (
	"os"
	"path/filepath"
	"time"
)

// autostart starts, once per host boot, the guests marked for it, as libvirt does: a
// marker in the run directory (cleared on boot) keeps a daemon restart from starting
// again guests someone shut down on purpose. auto_start_delay spaces the starts.
func (d *Driver) autostart() {
	marker := filepath.Join(d.dirs.run, "autostarted")
	if _, err := os.Stat(marker); err == nil {
		return
	}
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		d.log.Warn("cannot mark autostart done", "file", marker, "err", err)
	}
	delay := time.Duration(d.cfg.AutoStartDelayMsec) * time.Millisecond
	first := true
	for _, dom := range d.doms.all() {
		dom.mu.Lock()
		want := dom.autostart && dom.persistent && !dom.activeLocked()
		dom.mu.Unlock()
		if !want {
			continue
		}
		if !first && delay > 0 {
			select {
			case <-time.After(delay):
			case <-d.ctx.Done():
				return
			}
		}
		first = false
		if _, err := d.startDefined(d.ctx, dom.ref(), 0); err != nil {
			d.log.Error("autostart failed", "domain", dom.name, "err", err)
		}
	}
}
