package qemu

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

// A running guest is tainted, as libvirt marks it, when it runs in a way libvirt
// cannot vouch for: QEMU with root's privileges, or a client's own monitor or agent
// commands. The marks last as long as the QEMU process, are kept in its status file
// (<taint flag='...'/>, as libvirt's <domstatus>), go to its log, and virsh dominfo
// shows them (virDomainGetMessages).

// taintMessages are libvirt's texts of the taint flags virtunit sets
// (virDomainTaintMessage).
var taintMessages = map[string]string{
	"high-privileges":   "running with undesirable elevated privileges",
	"custom-monitor":    "custom monitor control commands issued",
	"custom-ga-command": "custom guest agent control commands issued",
}

// The kinds of messages (virDomainMessageType).
const (
	messageDeprecation = 1
	messageTainting    = 2
)

// startTaints are the flags a guest has from its start: QEMU as root or in root's
// group in root mode, as qemuDomainObjCheckTaint finds.
func (d *Driver) startTaints() []string {
	if d.privileged && (d.cfg.UID == 0 || d.cfg.GID == 0) {
		return []string{"high-privileges"}
	}
	return nil
}

// taint marks the running guest of v with flag, once, and notes it in its log in
// libvirt's words.
func (d *Driver) taint(v guestView, flag string) {
	if v.run == nil {
		return
	}
	added := false
	v.run.set(func(r *running) {
		if !slices.Contains(r.taints, flag) {
			r.taints, added = append(r.taints, flag), true
		}
	})
	if !added {
		return
	}
	if dom, err := d.get(v.ref); err == nil {
		d.saveStatusLogged(dom)
	}
	d.logTaint(v.ref.Name, v.ref.ID, flag)
}

// logTaint appends libvirt's taint line to the guest's log.
func (d *Driver) logTaint(name string, id int32, flag string) {
	f, err := os.OpenFile(d.dirs.logFile(name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "%s: Domain id=%d is tainted: %s\n", time.Now().UTC().Format("2006-01-02 15:04:05.000+0000"), id, flag)
	f.Close()
}

// DomainGetMessages is virDomainGetMessages: "tainted: ..." for each taint of the
// running guest. virtunit keeps no deprecation messages: it refuses what QEMU
// deprecates at define.
func (d *Driver) DomainGetMessages(ctx context.Context, a libvirt.DomainGetMessagesArgs) (libvirt.DomainGetMessagesRet, error) {
	if err := checkFlags(a.Flags, messageDeprecation|messageTainting, "qemuDomainGetMessages"); err != nil {
		return libvirt.DomainGetMessagesRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainGetMessagesRet{}, err
	}
	v := dom.view()
	msgs := []string{}
	if v.run != nil && (a.Flags == 0 || a.Flags&messageTainting != 0) {
		v.run.mu.Lock()
		for _, flag := range v.run.taints {
			msgs = append(msgs, "tainted: "+taintMessages[flag])
		}
		v.run.mu.Unlock()
	}
	return libvirt.DomainGetMessagesRet{Msgs: msgs}, nil
}
