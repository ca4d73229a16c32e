package iface

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/vishvananda/netlink"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/atomicfile"
)

// linkState is what a checkpoint remembers of a link, enough to bring it back.
type linkState struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"` // netlink's link type: bridge, bond, vlan, veth, device...
	Master   string   `json:"master,omitempty"`
	MTU      int      `json:"mtu"`
	Up       bool     `json:"up"`
	Addrs    []string `json:"addrs,omitempty"` // CIDR; IPv6 link-local ones are the kernel's
	VLANID   int      `json:"vlan_id,omitempty"`
	Parent   string   `json:"parent,omitempty"`
	BondMode string   `json:"bond_mode,omitempty"`
	STP      string   `json:"stp,omitempty"`   // bridge/stp_state
	Delay    string   `json:"delay,omitempty"` // bridge/forward_delay, centiseconds
}

// checkpoint is the state iface-begin records and iface-rollback restores: the links
// with their addresses, and the definitions.
type checkpoint struct {
	Links       []linkState       `json:"links"`
	Definitions map[string]string `json:"definitions"`
}

// transactions keeps the open transaction's checkpoint in a file under the driver's
// run directory (/run/libvirt/interface, libvirt's state directory for this driver),
// so that a daemon restarted in the middle of a transaction can still commit or roll
// it back. A reboot ends it: the links it recorded are gone too.
type transactions struct{ path string }

func (t *transactions) load() (*checkpoint, error) {
	data, err := os.ReadFile(t.path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var cp checkpoint
	if err := json.Unmarshal(data, &cp); err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", t.path, err)
	}
	return &cp, nil
}

func (t *transactions) save(cp *checkpoint) error {
	data, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(t.path), 0o700); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return atomicfile.WriteFile(t.path, data, 0o600)
}

func (t *transactions) clear() error {
	if err := os.Remove(t.path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove checkpoint: %w", err)
	}
	return atomicfile.SyncDir(filepath.Dir(t.path))
}

// txnError is a transaction call out of turn, worded as libvirt's test driver.
func txnError(msg string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromInterface, "%s", msg)
}

// begin records the checkpoint.
func (d *Driver) begin() error {
	if cp, err := d.txn.load(); err != nil {
		return err
	} else if cp != nil {
		return txnError("there is another transaction running.")
	}
	links, err := d.currentState()
	if err != nil {
		return err
	}
	defs, err := d.defs.snapshot()
	if err != nil {
		return err
	}
	return d.txn.save(&checkpoint{Links: links, Definitions: defs})
}

// commit forgets the checkpoint: the changes since begin stay.
func (d *Driver) commit() error {
	if cp, err := d.txn.load(); err != nil {
		return err
	} else if cp == nil {
		return txnError("no transaction running, nothing to be committed.")
	}
	return d.txn.clear()
}

// rollback brings links, addresses and definitions back to the checkpoint. Links that
// existed then and cannot be recreated (a veth pair, hardware) are reported; all else
// is restored, and the transaction ends either way, unless the default-route guard
// refused before anything changed.
func (d *Driver) rollback(flags uint32) error {
	cp, err := d.txn.load()
	if err != nil {
		return err
	}
	if cp == nil {
		return txnError("no transaction running, nothing to rollback.")
	}
	now, err := d.currentState()
	if err != nil {
		return err
	}
	steps, problems := planRollback(cp.Links, now)
	var touched []string
	for _, s := range steps {
		if s.Op != "create" {
			touched = append(touched, s.Link)
		}
	}
	if err := d.guard(touched, "roll back", flags); err != nil {
		return err
	}
	for _, s := range steps {
		if err := d.run(s); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if err := d.defs.restore(cp.Definitions); err != nil {
		problems = append(problems, err.Error())
	}
	if err := d.links.reload(); err != nil {
		problems = append(problems, err.Error())
	}
	if err := d.txn.clear(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromInterface, "rollback incomplete: %s", joinProblems(problems))
	}
	return nil
}

func joinProblems(p []string) string {
	out := p[0]
	for _, s := range p[1:] {
		out += "; " + s
	}
	return out
}

// currentState reads every link, its addresses and bridge settings from the kernel.
func (d *Driver) currentState() ([]linkState, error) {
	if err := d.links.reload(); err != nil {
		return nil, err
	}
	addrs, err := d.nl.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	byLink := map[int][]string{}
	for _, a := range addrs {
		if a.IP.IsLinkLocalUnicast() && a.IP.To4() == nil {
			continue
		}
		byLink[a.LinkIndex] = append(byLink[a.LinkIndex], a.IPNet.String())
	}
	var out []linkState
	d.links.mu.RLock()
	for _, l := range d.links.byIdx {
		a := l.Attrs()
		s := linkState{Name: a.Name, Kind: l.Type(), MTU: a.MTU, Up: isUp(l), Addrs: byLink[a.Index]}
		if m, ok := d.links.byIdx[a.MasterIndex]; ok {
			s.Master = m.Attrs().Name
		}
		switch k := l.(type) {
		case *netlink.Vlan:
			s.VLANID = k.VlanId
			if p, ok := d.links.byIdx[a.ParentIndex]; ok {
				s.Parent = p.Attrs().Name
			}
		case *netlink.Bond:
			if k.Mode >= 0 {
				s.BondMode = k.Mode.String()
			}
		case *netlink.Bridge:
			s.STP, s.Delay = d.sysAttr(a.Name, "bridge/stp_state"), d.sysAttr(a.Name, "bridge/forward_delay")
		}
		sort.Strings(s.Addrs)
		out = append(out, s)
	}
	d.links.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// step is one change of a rollback.
type step struct {
	Op    string // delete, create, nomaster, master, mtu, bridge, addr-del, addr-add, down, up
	Link  string
	Arg   string
	State linkState // the state to create or restore
}

// creatable are the kinds of link a rollback can delete and make again.
var creatable = map[string]bool{"bridge": true, "bond": true, "vlan": true}

// planRollback lists the changes that turn the links now into the links saved: links
// made since (bridges, bonds, VLANs) go, those removed come back, then masters, MTU,
// bridge settings, addresses and up/down state of every saved link are restored.
// Saved links that cannot be made again are returned as problems.
func planRollback(saved, now []linkState) ([]step, []string) {
	cur := map[string]linkState{}
	for _, s := range now {
		cur[s.Name] = s
	}
	was := map[string]bool{}
	for _, s := range saved {
		was[s.Name] = true
	}
	var steps []step
	var problems []string
	for _, s := range now {
		if creatable[s.Kind] && (!was[s.Name] || kindChanged(saved, s)) {
			steps = append(steps, step{Op: "delete", Link: s.Name})
			delete(cur, s.Name)
		}
	}
	// Bridges and bonds before VLANs, which may sit on them.
	for _, pass := range []func(string) bool{func(k string) bool { return k != "vlan" }, func(k string) bool { return k == "vlan" }} {
		for _, s := range saved {
			if _, ok := cur[s.Name]; ok || !pass(s.Kind) {
				continue
			}
			if !creatable[s.Kind] {
				problems = append(problems, fmt.Sprintf("cannot recreate %s interface '%s'", s.Kind, s.Name))
				continue
			}
			steps = append(steps, step{Op: "create", Link: s.Name, State: s})
			cur[s.Name] = linkState{Name: s.Name, Kind: s.Kind}
		}
	}
	for _, s := range saved {
		c, ok := cur[s.Name]
		if !ok {
			continue
		}
		if c.Master != s.Master {
			if s.Master == "" {
				steps = append(steps, step{Op: "nomaster", Link: s.Name})
			} else {
				steps = append(steps, step{Op: "master", Link: s.Name, Arg: s.Master})
			}
		}
		if c.MTU != s.MTU && s.MTU > 0 {
			steps = append(steps, step{Op: "mtu", Link: s.Name, Arg: strconv.Itoa(s.MTU)})
		}
		if s.Kind == "bridge" && (c.STP != s.STP || c.Delay != s.Delay) {
			steps = append(steps, step{Op: "bridge", Link: s.Name, State: s})
		}
		for _, a := range c.Addrs {
			if !contains(s.Addrs, a) {
				steps = append(steps, step{Op: "addr-del", Link: s.Name, Arg: a})
			}
		}
		for _, a := range s.Addrs {
			if !contains(c.Addrs, a) {
				steps = append(steps, step{Op: "addr-add", Link: s.Name, Arg: a})
			}
		}
		if c.Up != s.Up {
			op := "down"
			if s.Up {
				op = "up"
			}
			steps = append(steps, step{Op: op, Link: s.Name})
		}
	}
	return steps, problems
}

func kindChanged(saved []linkState, now linkState) bool {
	for _, s := range saved {
		if s.Name == now.Name {
			return s.Kind != now.Kind
		}
	}
	return false
}

// run carries out one rollback step.
func (d *Driver) run(s step) error {
	if s.Op == "create" {
		return d.recreate(s.State)
	}
	l, err := d.nl.LinkByName(s.Link)
	if err != nil {
		return linkError(err, "cannot read interface '%s'", s.Link)
	}
	switch s.Op {
	case "delete":
		err = d.nl.LinkDel(l)
	case "nomaster":
		err = d.nl.LinkSetNoMaster(l)
	case "master":
		var m netlink.Link
		if m, err = d.nl.LinkByName(s.Arg); err == nil {
			if m.Type() == "bond" {
				d.nl.LinkSetDown(l)
			}
			err = d.nl.LinkSetMaster(l, m)
		}
	case "mtu":
		n, _ := strconv.Atoi(s.Arg)
		err = d.nl.LinkSetMTU(l, n)
	case "bridge":
		if s.State.STP != "" {
			err = d.writeSys(s.Link, "bridge/stp_state", s.State.STP)
		}
		if err == nil && s.State.Delay != "" {
			err = d.writeSys(s.Link, "bridge/forward_delay", s.State.Delay)
		}
	case "addr-add", "addr-del":
		var a *netlink.Addr
		if a, err = netlink.ParseAddr(s.Arg); err == nil {
			if s.Op == "addr-add" {
				err = d.nl.AddrReplace(l, a)
			} else {
				err = d.nl.AddrDel(l, a)
			}
		}
	case "up":
		err = d.nl.LinkSetUp(l)
	case "down":
		err = d.nl.LinkSetDown(l)
	}
	if err != nil {
		return linkError(err, "cannot %s %s on interface '%s'", s.Op, s.Arg, s.Link)
	}
	return nil
}

// recreate makes a bridge, bond or VLAN of a checkpoint again.
func (d *Driver) recreate(s linkState) error {
	attrs := netlink.NewLinkAttrs()
	attrs.Name = s.Name
	var l netlink.Link
	switch s.Kind {
	case "bridge":
		l = &netlink.Bridge{LinkAttrs: attrs}
	case "bond":
		b := netlink.NewLinkBond(attrs)
		if s.BondMode != "" {
			b.Mode = netlink.StringToBondMode(s.BondMode)
		}
		l = b
	case "vlan":
		idx, err := d.parentIndex(s.Parent)
		if err != nil {
			return err
		}
		attrs.ParentIndex = idx
		l = &netlink.Vlan{LinkAttrs: attrs, VlanId: s.VLANID}
	}
	if err := d.nl.LinkAdd(l); err != nil {
		return createError(l, err)
	}
	return nil
}
