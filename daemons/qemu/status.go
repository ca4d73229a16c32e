package qemu

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/internal/xmlscan"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// status is the live state of a running guest, NAME.xml in the run directory: what a
// restarted daemon needs to find the guest again (its unit, its QEMU pid, its monitor)
// and to show it as it was (id, state, the running definition). Like libvirt's
// <domstatus>, it wraps the live <domain>.
type status struct {
	XMLName    xml.Name           `xml:"domstatus"`
	State      string             `xml:"state,attr"`
	Reason     int32              `xml:"reason,attr"`
	PID        int                `xml:"pid,attr"`
	Persistent string             `xml:"persistent,attr"` // "yes" or "no"
	Monitor    statusPath         `xml:"monitor"`
	Unit       statusName         `xml:"unit"`
	Console    *statusPath        `xml:"console"`
	Taints     []statusTaint      `xml:"taint"`
	Domain     *libvirtxml.Domain `xml:"domain"`
}

type statusTaint struct {
	Flag string `xml:"flag,attr"`
}

type statusPath struct {
	Path string `xml:"path,attr"`
}

type statusName struct {
	Name string `xml:"name,attr"`
}

var stateNames = map[libvirt.DomainState]string{
	libvirt.DomainNostate: "nostate", libvirt.DomainRunning: "running", libvirt.DomainBlocked: "blocked",
	libvirt.DomainPaused: "paused", libvirt.DomainShutdown: "shutdown", libvirt.DomainShutoff: "shutoff",
	libvirt.DomainCrashed: "crashed", libvirt.DomainPmsuspended: "pmsuspended",
}

func stateByName(s string) (libvirt.DomainState, bool) {
	for k, v := range stateNames {
		if v == s {
			return k, true
		}
	}
	return 0, false
}

// saveStatus writes the status file of a running guest atomically. Callers hold the
// domain's job.
func (d *Driver) saveStatus(dom *domain) error {
	dom.mu.Lock()
	if dom.live == nil || dom.run == nil {
		dom.mu.Unlock()
		return nil
	}
	live := *dom.live
	id := dom.id
	live.ID = &id
	st := status{
		State:      stateNames[dom.state],
		Reason:     dom.reason,
		PID:        dom.run.pid,
		Persistent: yesNo(dom.persistent),
		Monitor:    statusPath{dom.run.monitor},
		Unit:       statusName{dom.run.unit},
		Domain:     &live,
	}
	if dom.run.pty != "" {
		st.Console = &statusPath{dom.run.pty}
	}
	dom.run.mu.Lock()
	for _, flag := range dom.run.taints {
		st.Taints = append(st.Taints, statusTaint{flag})
	}
	dom.run.mu.Unlock()
	dom.mu.Unlock()
	raw, err := xml.Marshal(&st)
	if err != nil {
		return fmt.Errorf("status of %s: %w", dom.name, err)
	}
	out, err := xmlstyle.Format(string(raw))
	if err != nil {
		return fmt.Errorf("status of %s: %w", dom.name, err)
	}
	return atomicfile.WriteFile(d.dirs.statusFile(dom.name), []byte(out), 0o600)
}

func (d *Driver) removeStatus(name string) error {
	return atomicfile.Remove(d.dirs.statusFile(name))
}

// readStatuses reads every status file; one that cannot be read is logged and left
// alone, never deleted.
func (d *Driver) readStatuses() []*status {
	ents, err := os.ReadDir(d.dirs.run)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			d.log.Error("cannot read domain status files", "dir", d.dirs.run, "err", err)
		}
		return nil
	}
	var out []*status
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".xml")
		if !ok || e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(d.dirs.run, e.Name())
		st, err := readStatus(path, name)
		if err != nil {
			d.log.Error("skipping domain status file that cannot be read", "file", path, "err", err)
			continue
		}
		out = append(out, st)
	}
	return out
}

func readStatus(path, name string) (*status, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st status
	// A daemon restarted with a hundred guests running reads a hundred of these
	// before its first answer; the scanner's path is the faster one.
	if err := xmlscan.Unmarshal(string(data), &st); err != nil {
		return nil, err
	}
	if st.Domain == nil || st.Domain.Name != name {
		return nil, fmt.Errorf("status file does not describe domain '%s'", name)
	}
	if _, err := completeStored(st.Domain); err != nil {
		return nil, err
	}
	if _, ok := stateByName(st.State); !ok {
		return nil, fmt.Errorf("unknown state '%s'", st.State)
	}
	if st.PID <= 0 || st.Monitor.Path == "" {
		return nil, fmt.Errorf("status of '%s' names no process or monitor", name)
	}
	return &st, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
