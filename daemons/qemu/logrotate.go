package qemu

import (
	"fmt"
	"io"
	"os"
	"time"
)

// A guest's logs — QEMU's own output (NAME.log) and its serial console
// (NAME-console.log) — are written by QEMU, appending, on descriptors the driver does
// not hold. virtunit has no virtlogd to write them through, so it bounds them the way
// logrotate's copytruncate does: a log past max_size is copied to NAME.log.0 (older
// copies shifting to .1 ... up to max_backups) and cut to nothing, and QEMU's next
// append lands at its start. What QEMU writes between the copy and the cut is lost;
// checks every rotateEvery keep that window, and the overshoot, small.

// rotateEvery is how often the logs of running guests are measured.
const rotateEvery = 10 * time.Second

// The defaults of virtlogd.conf's max_size and max_backups, which qemu.conf's keys of
// the same names override.
const (
	defaultLogMaxSize    = 2 << 20
	defaultLogMaxBackups = 3
)

// rotateLogs measures the logs of every running guest until the driver closes.
func (d *Driver) rotateLogs() {
	defer d.wg.Done()
	t := time.NewTicker(rotateEvery)
	defer t.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
		}
		for _, dom := range d.doms.all() {
			if !dom.active() {
				continue
			}
			for _, path := range []string{d.dirs.logFile(dom.name), d.dirs.consoleLog(dom.name)} {
				if err := rotateLog(path, int64(d.cfg.LogMaxSize), int(d.cfg.LogMaxBackups)); err != nil {
					d.log.Warn("cannot rotate a guest log", "domain", dom.name, "file", path, "err", err)
				}
			}
		}
	}
}

// rotateLog copies path to path.0 and empties it once it is larger than maxSize,
// keeping backups copies (path.0 newest). With backups 0 the log is only emptied.
func rotateLog(path string, maxSize int64, backups int) error {
	fi, err := os.Stat(path)
	if err != nil || maxSize <= 0 || fi.Size() <= maxSize {
		return nil
	}
	if backups > 0 {
		os.Remove(fmt.Sprintf("%s.%d", path, backups-1))
		for i := backups - 1; i > 0; i-- {
			os.Rename(fmt.Sprintf("%s.%d", path, i-1), fmt.Sprintf("%s.%d", path, i))
		}
		if err := copyFile(path, path+".0", fi.Mode().Perm()); err != nil {
			return err
		}
	}
	return os.Truncate(path, 0)
}

func copyFile(from, to string, perm os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
