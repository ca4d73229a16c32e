package qemu

import (
	"context"
	"encoding/xml"
	"os/exec"
	"strconv"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// Internal snapshots of qcow2 disks, as libvirt 9.0 takes them (qemu_snapshot.c): of a
// running guest with its memory, by QEMU (savevm, loadvm, delvm); of a stopped guest,
// by qemu-img on each disk. External snapshots are not supported.

const (
	snapRedefine   = uint32(libvirt.DomainSnapshotCreateRedefine)
	snapCurrent    = uint32(libvirt.DomainSnapshotCreateCurrent)
	snapNoMetadata = uint32(libvirt.DomainSnapshotCreateNoMetadata)
	snapHalt       = uint32(libvirt.DomainSnapshotCreateHalt)
	snapDiskOnly   = uint32(libvirt.DomainSnapshotCreateDiskOnly)
	snapAtomic     = uint32(libvirt.DomainSnapshotCreateAtomic)
	snapLive       = uint32(libvirt.DomainSnapshotCreateLive)
	snapValidate   = uint32(libvirt.DomainSnapshotCreateValidate)
)

// snapshotTimeout bounds one savevm, loadvm or qemu-img run.
const snapshotTimeout = 10 * time.Minute

// internalDisks are the disks a snapshot of def covers: every writable disk with an
// image, which must be qcow2.
func internalDisks(def *libvirtxml.Domain) ([]*libvirtxml.DomainDisk, error) {
	var out []*libvirtxml.DomainDisk
	for i := range def.Devices.Disks {
		disk := &def.Devices.Disks[i]
		if disk.ReadOnly != nil || disk.Device == "cdrom" || diskSourcePath(disk) == "" {
			continue
		}
		if disk.Driver == nil || disk.Driver.Type != "qcow2" {
			format := "raw"
			if disk.Driver != nil && disk.Driver.Type != "" {
				format = disk.Driver.Type
			}
			return nil, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU,
				"internal snapshot for disk %s unsupported for storage type %s", disk.Target.Dev, format)
		}
		out = append(out, disk)
	}
	return out, nil
}

func (d *Driver) DomainSnapshotCreateXML(ctx context.Context, a libvirt.DomainSnapshotCreateXMLArgs) (libvirt.DomainSnapshotCreateXMLRet, error) {
	allowed := snapRedefine | snapCurrent | snapNoMetadata | snapHalt | snapDiskOnly | snapAtomic | snapLive | snapValidate |
		uint32(libvirt.DomainSnapshotCreateReuseExt) | uint32(libvirt.DomainSnapshotCreateQuiesce)
	if err := checkFlags(a.Flags, allowed, "qemuDomainSnapshotCreateXML"); err != nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, err
	}
	switch {
	case a.Flags&snapDiskOnly != 0, a.Flags&uint32(libvirt.DomainSnapshotCreateReuseExt) != 0:
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "external snapshots are not supported by virtunit")
	case a.Flags&uint32(libvirt.DomainSnapshotCreateQuiesce) != 0:
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "quiesce requires disk-only")
	case a.Flags&snapLive != 0:
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "live snapshot creation is supported only during full system snapshots")
	case a.Flags&snapRedefine == 0 && a.Flags&snapCurrent != 0:
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "current flag requires redefine flag")
	}
	req := &libvirtxml.DomainSnapshot{}
	if err := xml.Unmarshal([]byte(a.XMLDesc), req); err != nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.Wrap(err, libvirt.ErrXMLError, virerror.FromDomainSnapshot, "(domain_snapshot): %v", err)
	}
	dom, err := d.lock(a.Dom)
	if err != nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, err
	}
	defer dom.job.Unlock()
	v := dom.view()
	if v.persistent == nil && !v.active() {
		return libvirt.DomainSnapshotCreateXMLRet{}, errNotRunning()
	}
	t := d.loadSnapshots(dom.name)
	if req.Name == "" {
		req.Name = strconv.FormatInt(time.Now().Unix(), 10)
	}
	if err := checkSnapshotName(req.Name); err != nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, err
	}
	if a.Flags&snapRedefine != 0 {
		return d.redefineSnapshot(dom, t, req, a.Flags&snapCurrent != 0)
	}
	if t.byName(req.Name) != nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromDomainSnapshot, "snapshot '%s' already exists", req.Name)
	}
	if req.Memory != nil && req.Memory.Snapshot == "external" {
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "external snapshots are not supported by virtunit")
	}
	disks, err := internalDisks(v.def)
	if err != nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, err
	}
	if len(disks) == 0 {
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "internal snapshots need a writable qcow2 disk: the domain has none")
	}
	st, _ := dom.getState()
	snap := &libvirtxml.DomainSnapshot{Name: req.Name, Description: req.Description, CreationTime: strconv.FormatInt(time.Now().Unix(), 10)}
	if cur := t.current(); cur != nil {
		snap.Parent = &libvirtxml.DomainSnapshotParent{Name: cur.name()}
	}
	snap.Disks = &libvirtxml.DomainSnapshotDisks{}
	for _, disk := range v.def.Devices.Disks {
		mode := "no"
		for _, in := range disks {
			if in.Target.Dev == disk.Target.Dev {
				mode = "internal"
			}
		}
		snap.Disks.Disks = append(snap.Disks.Disks, libvirtxml.DomainSnapshotDisk{Name: disk.Target.Dev, Snapshot: mode})
	}
	domCopy, err := copyDefinition(v.def)
	if err != nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, err
	}
	stripLive(domCopy)
	snap.Domain = domCopy
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	if v.active() {
		snap.State = stateNames[st]
		snap.Memory = &libvirtxml.DomainSnapshotMemory{Snapshot: "internal"}
		job := dom.jobs.begin(libvirt.DomainJobOperationStrSnapshot, nil)
		err := hmp(ctx, v.run, "savevm "+hmpQuote(req.Name))
		dom.jobs.end(job, err == nil)
		if err != nil {
			return libvirt.DomainSnapshotCreateXMLRet{}, err
		}
	} else {
		snap.State = "shutoff"
		snap.Memory = &libvirtxml.DomainSnapshotMemory{Snapshot: "no"}
		for i, disk := range disks {
			if err := qemuImgSnapshot(ctx, "-c", req.Name, diskSourcePath(disk)); err != nil {
				for _, done := range disks[:i] {
					qemuImgSnapshot(context.WithoutCancel(ctx), "-d", req.Name, diskSourcePath(done))
				}
				return libvirt.DomainSnapshotCreateXMLRet{}, err
			}
		}
	}
	ref := dom.ref()
	if a.Flags&snapNoMetadata == 0 {
		s := &snapshot{def: snap}
		t.list = append(t.list, s)
		if err := d.saveSnapshot(dom.name, s); err != nil {
			return libvirt.DomainSnapshotCreateXMLRet{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
		}
		if err := d.setCurrent(dom.name, t, s.name()); err != nil {
			return libvirt.DomainSnapshotCreateXMLRet{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
		}
	}
	if a.Flags&snapHalt != 0 && v.active() {
		if err := d.stopGuest(ctx, dom, libvirt.DomainShutoffFromSnapshot, libvirt.DomainEventStoppedFromSnapshot, false); err != nil {
			return libvirt.DomainSnapshotCreateXMLRet{}, err
		}
	}
	return libvirt.DomainSnapshotCreateXMLRet{Snap: libvirt.DomainSnapshot{Name: req.Name, Dom: ref}}, nil
}

// redefineSnapshot stores metadata a client gives back (snapshot-create --redefine).
func (d *Driver) redefineSnapshot(dom *domain, t *snapshotTree, req *libvirtxml.DomainSnapshot, current bool) (libvirt.DomainSnapshotCreateXMLRet, error) {
	if req.Parent != nil && req.Parent.Name != "" && t.byName(req.Parent.Name) == nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomainSnapshot, "parent %s for snapshot %s not found", req.Parent.Name, req.Name)
	}
	if req.CreationTime == "" {
		req.CreationTime = strconv.FormatInt(time.Now().Unix(), 10)
	}
	req.Active = nil
	s := t.byName(req.Name)
	if s == nil {
		s = &snapshot{def: req}
		t.list = append(t.list, s)
	} else {
		s.def = req
	}
	if err := d.saveSnapshot(dom.name, s); err != nil {
		return libvirt.DomainSnapshotCreateXMLRet{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
	}
	if current {
		if err := d.setCurrent(dom.name, t, s.name()); err != nil {
			return libvirt.DomainSnapshotCreateXMLRet{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
		}
	}
	return libvirt.DomainSnapshotCreateXMLRet{Snap: libvirt.DomainSnapshot{Name: req.Name, Dom: dom.ref()}}, nil
}

// hmp runs a human monitor command whose success is silence: savevm, loadvm, delvm
// print only what went wrong.
func hmp(ctx context.Context, r *running, cmd string) error {
	var out string
	if err := r.mon.Execute(ctx, "human-monitor-command", map[string]string{"command-line": cmd}, &out); err != nil {
		return monitorError(err)
	}
	if out = strings.TrimSpace(out); out != "" {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "Failed to %s: %s", strings.Fields(cmd)[0], out)
	}
	return nil
}

// hmpQuote is a name as one quoted argument of a human monitor command, as libvirt
// passes snapshot names (qemuMonitorEscapeArg): a name with blanks or quotes is still
// one argument.
func hmpQuote(name string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range name {
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// qemuImgSnapshot runs qemu-img snapshot on a stopped guest's image.
func qemuImgSnapshot(ctx context.Context, op, name, path string) error {
	out, err := exec.CommandContext(ctx, "qemu-img", "snapshot", op, name, path).CombinedOutput()
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "Child process (qemu-img snapshot %s %s %s) unexpected %v: %s", op, name, path, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// snapshotOf finds a call's snapshot and its guest.
func (d *Driver) snapshotOf(ref libvirt.DomainSnapshot) (*domain, *snapshotTree, *snapshot, error) {
	dom, err := d.get(ref.Dom)
	if err != nil {
		return nil, nil, nil, err
	}
	t := d.loadSnapshots(dom.name)
	s := t.byName(ref.Name)
	if s == nil {
		return nil, nil, nil, errNoSnapshot(ref.Name)
	}
	return dom, t, s, nil
}

func (d *Driver) DomainSnapshotGetXMLDesc(ctx context.Context, a libvirt.DomainSnapshotGetXMLDescArgs) (libvirt.DomainSnapshotGetXMLDescRet, error) {
	if err := checkFlags(a.Flags, uint32(libvirt.DomainSnapshotXMLSecure), "qemuDomainSnapshotGetXMLDesc"); err != nil {
		return libvirt.DomainSnapshotGetXMLDescRet{}, err
	}
	_, _, s, err := d.snapshotOf(a.Snap)
	if err != nil {
		return libvirt.DomainSnapshotGetXMLDescRet{}, err
	}
	out, err := snapshotXML(s, false)
	if err != nil {
		return libvirt.DomainSnapshotGetXMLDescRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "%v", err)
	}
	return libvirt.DomainSnapshotGetXMLDescRet{XML: out}, nil
}

// The VIR_DOMAIN_SNAPSHOT_LIST_* flags.
const (
	snapListRoots       = 1 << 0 // DESCENDANTS for the children calls
	snapListMetadata    = 1 << 1
	snapListLeaves      = 1 << 2
	snapListNoLeaves    = 1 << 3
	snapListNoMetadata  = 1 << 4
	snapListInactive    = 1 << 5
	snapListActive      = 1 << 6
	snapListDiskOnly    = 1 << 7
	snapListInternal    = 1 << 8
	snapListExternal    = 1 << 9
	snapListTopological = 1 << 10
	snapListAll         = 1<<11 - 1
)

// filterSnapshots applies the list flags, as libvirt's virDomainSnapshotObjListFilter.
func filterSnapshots(t *snapshotTree, from []*snapshot, flags uint32) []*snapshot {
	var out []*snapshot
	for _, s := range from {
		leaf := len(t.children(s.name())) == 0
		if flags&(snapListLeaves|snapListNoLeaves) != 0 && !((leaf && flags&snapListLeaves != 0) || (!leaf && flags&snapListNoLeaves != 0)) {
			continue
		}
		if flags&(snapListMetadata|snapListNoMetadata) != 0 && flags&snapListMetadata == 0 {
			continue // every snapshot here has metadata
		}
		if flags&(snapListInactive|snapListActive|snapListDiskOnly) != 0 {
			active := s.hasMemory()
			if !((active && flags&snapListActive != 0) || (!active && flags&snapListInactive != 0)) {
				continue
			}
		}
		if flags&(snapListInternal|snapListExternal) != 0 && flags&snapListInternal == 0 {
			continue // every snapshot here is internal
		}
		out = append(out, s)
	}
	return out
}

func (d *Driver) listSnapshots(ref libvirt.Domain, flags uint32) ([]*snapshot, error) {
	if err := checkFlags(flags, snapListAll, "qemuDomainListAllSnapshots"); err != nil {
		return nil, err
	}
	dom, err := d.get(ref)
	if err != nil {
		return nil, err
	}
	t := d.loadSnapshots(dom.name)
	from := t.list
	if flags&snapListRoots != 0 {
		from = t.children("")
	}
	return filterSnapshots(t, from, flags), nil
}

func (d *Driver) DomainSnapshotNum(ctx context.Context, a libvirt.DomainSnapshotNumArgs) (libvirt.DomainSnapshotNumRet, error) {
	l, err := d.listSnapshots(a.Dom, a.Flags)
	return libvirt.DomainSnapshotNumRet{Num: int32(len(l))}, err
}

func (d *Driver) DomainSnapshotListNames(ctx context.Context, a libvirt.DomainSnapshotListNamesArgs) (libvirt.DomainSnapshotListNamesRet, error) {
	l, err := d.listSnapshots(a.Dom, a.Flags)
	if err != nil {
		return libvirt.DomainSnapshotListNamesRet{}, err
	}
	return libvirt.DomainSnapshotListNamesRet{Names: snapshotNames(l, a.Maxnames)}, nil
}

func (d *Driver) DomainListAllSnapshots(ctx context.Context, a libvirt.DomainListAllSnapshotsArgs) (libvirt.DomainListAllSnapshotsRet, error) {
	l, err := d.listSnapshots(a.Dom, a.Flags)
	if err != nil {
		return libvirt.DomainListAllSnapshotsRet{}, err
	}
	return libvirt.DomainListAllSnapshotsRet{Snapshots: snapshotRefs(l, a.Dom, a.NeedResults), Ret: int32(len(l))}, nil
}

// snapshotNames are the names of up to max snapshots, for the legacy listing calls.
func snapshotNames(l []*snapshot, max int32) []string {
	names := []string{}
	for _, s := range l {
		if len(names) < int(max) {
			names = append(names, s.name())
		}
	}
	return names
}

// snapshotRefs are the snapshots as the wire names them, when the caller wants them.
func snapshotRefs(l []*snapshot, dom libvirt.Domain, need int32) []libvirt.DomainSnapshot {
	if need == 0 {
		return nil
	}
	refs := []libvirt.DomainSnapshot{}
	for _, s := range l {
		refs = append(refs, libvirt.DomainSnapshot{Name: s.name(), Dom: dom})
	}
	return refs
}

func (d *Driver) childrenOf(ref libvirt.DomainSnapshot, flags uint32) ([]*snapshot, error) {
	if err := checkFlags(flags, snapListAll, "qemuDomainSnapshotListAllChildren"); err != nil {
		return nil, err
	}
	_, t, s, err := d.snapshotOf(ref)
	if err != nil {
		return nil, err
	}
	from := t.children(s.name())
	if flags&snapListRoots != 0 { // DESCENDANTS
		from = t.descendants(s.name())
	}
	return filterSnapshots(t, from, flags&^snapListRoots), nil
}

func (d *Driver) DomainSnapshotNumChildren(ctx context.Context, a libvirt.DomainSnapshotNumChildrenArgs) (libvirt.DomainSnapshotNumChildrenRet, error) {
	l, err := d.childrenOf(a.Snap, a.Flags)
	return libvirt.DomainSnapshotNumChildrenRet{Num: int32(len(l))}, err
}

func (d *Driver) DomainSnapshotListChildrenNames(ctx context.Context, a libvirt.DomainSnapshotListChildrenNamesArgs) (libvirt.DomainSnapshotListChildrenNamesRet, error) {
	l, err := d.childrenOf(a.Snap, a.Flags)
	if err != nil {
		return libvirt.DomainSnapshotListChildrenNamesRet{}, err
	}
	return libvirt.DomainSnapshotListChildrenNamesRet{Names: snapshotNames(l, a.Maxnames)}, nil
}

func (d *Driver) DomainSnapshotListAllChildren(ctx context.Context, a libvirt.DomainSnapshotListAllChildrenArgs) (libvirt.DomainSnapshotListAllChildrenRet, error) {
	l, err := d.childrenOf(a.Snapshot, a.Flags)
	if err != nil {
		return libvirt.DomainSnapshotListAllChildrenRet{}, err
	}
	return libvirt.DomainSnapshotListAllChildrenRet{Snapshots: snapshotRefs(l, a.Snapshot.Dom, a.NeedResults), Ret: int32(len(l))}, nil
}

func (d *Driver) DomainSnapshotLookupByName(ctx context.Context, a libvirt.DomainSnapshotLookupByNameArgs) (libvirt.DomainSnapshotLookupByNameRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainSnapshotLookupByName"); err != nil {
		return libvirt.DomainSnapshotLookupByNameRet{}, err
	}
	dom, _, s, err := d.snapshotOf(libvirt.DomainSnapshot{Name: a.Name, Dom: a.Dom})
	if err != nil {
		return libvirt.DomainSnapshotLookupByNameRet{}, err
	}
	return libvirt.DomainSnapshotLookupByNameRet{Snap: libvirt.DomainSnapshot{Name: s.name(), Dom: dom.ref()}}, nil
}

func (d *Driver) DomainHasCurrentSnapshot(ctx context.Context, a libvirt.DomainHasCurrentSnapshotArgs) (libvirt.DomainHasCurrentSnapshotRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainHasCurrentSnapshot"); err != nil {
		return libvirt.DomainHasCurrentSnapshotRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainHasCurrentSnapshotRet{}, err
	}
	return libvirt.DomainHasCurrentSnapshotRet{Result: boolInt(d.loadSnapshots(dom.name).current() != nil)}, nil
}

func (d *Driver) DomainSnapshotCurrent(ctx context.Context, a libvirt.DomainSnapshotCurrentArgs) (libvirt.DomainSnapshotCurrentRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainSnapshotCurrent"); err != nil {
		return libvirt.DomainSnapshotCurrentRet{}, err
	}
	dom, err := d.get(a.Dom)
	if err != nil {
		return libvirt.DomainSnapshotCurrentRet{}, err
	}
	cur := d.loadSnapshots(dom.name).current()
	if cur == nil {
		return libvirt.DomainSnapshotCurrentRet{}, virerror.New(libvirt.ErrNoDomainSnapshot, virerror.FromDomainSnapshot, "the domain does not have a current snapshot")
	}
	return libvirt.DomainSnapshotCurrentRet{Snap: libvirt.DomainSnapshot{Name: cur.name(), Dom: dom.ref()}}, nil
}

func (d *Driver) DomainSnapshotGetParent(ctx context.Context, a libvirt.DomainSnapshotGetParentArgs) (libvirt.DomainSnapshotGetParentRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainSnapshotGetParent"); err != nil {
		return libvirt.DomainSnapshotGetParentRet{}, err
	}
	dom, _, s, err := d.snapshotOf(a.Snap)
	if err != nil {
		return libvirt.DomainSnapshotGetParentRet{}, err
	}
	if s.parent() == "" {
		return libvirt.DomainSnapshotGetParentRet{}, virerror.New(libvirt.ErrNoDomainSnapshot, virerror.FromDomainSnapshot, "snapshot '%s' does not have a parent", s.name())
	}
	return libvirt.DomainSnapshotGetParentRet{Snap: libvirt.DomainSnapshot{Name: s.parent(), Dom: dom.ref()}}, nil
}

func (d *Driver) DomainSnapshotIsCurrent(ctx context.Context, a libvirt.DomainSnapshotIsCurrentArgs) (libvirt.DomainSnapshotIsCurrentRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainSnapshotIsCurrent"); err != nil {
		return libvirt.DomainSnapshotIsCurrentRet{}, err
	}
	_, _, s, err := d.snapshotOf(a.Snap)
	if err != nil {
		return libvirt.DomainSnapshotIsCurrentRet{}, err
	}
	return libvirt.DomainSnapshotIsCurrentRet{Current: boolInt(s.current)}, nil
}

func (d *Driver) DomainSnapshotHasMetadata(ctx context.Context, a libvirt.DomainSnapshotHasMetadataArgs) (libvirt.DomainSnapshotHasMetadataRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainSnapshotHasMetadata"); err != nil {
		return libvirt.DomainSnapshotHasMetadataRet{}, err
	}
	_, _, _, err := d.snapshotOf(a.Snap)
	return libvirt.DomainSnapshotHasMetadataRet{Metadata: 1}, err
}

// DomainRevertToSnapshot brings the guest back to a snapshot: one with memory runs
// (or stays paused) from that moment, one without leaves the guest stopped with its
// disks as they were.
func (d *Driver) DomainRevertToSnapshot(ctx context.Context, a libvirt.DomainRevertToSnapshotArgs) (struct{}, error) {
	run, pause := uint32(libvirt.DomainSnapshotRevertRunning), uint32(libvirt.DomainSnapshotRevertPaused)
	if err := checkFlags(a.Flags, run|pause|uint32(libvirt.DomainSnapshotRevertForce)|uint32(libvirt.DomainSnapshotRevertResetNvram), "qemuDomainRevertToSnapshot"); err != nil {
		return struct{}{}, err
	}
	if a.Flags&run != 0 && a.Flags&pause != 0 {
		return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "flags 'running' and 'paused' are mutually exclusive")
	}
	dom, err := d.lock(a.Snap.Dom)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	t := d.loadSnapshots(dom.name)
	s := t.byName(a.Snap.Name)
	if s == nil {
		return struct{}{}, errNoSnapshot(a.Snap.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	v := dom.view()
	job := dom.jobs.begin(libvirt.DomainJobOperationStrSnapshotRevert, nil)
	ok := false
	defer func() { dom.jobs.end(job, ok) }()
	if s.hasMemory() {
		if !v.active() {
			dom.mu.Lock()
			def := dom.def
			dom.mu.Unlock()
			if def == nil {
				return struct{}{}, errNotRunning()
			}
			if err := d.startGuestWith(ctx, dom, def, true, false); err != nil {
				return struct{}{}, err
			}
			d.emit(dom.ref(), libvirt.DomainEventStarted, int32(libvirt.DomainEventStartedFromSnapshot))
			v = dom.view()
		} else if err := v.run.mon.Execute(ctx, "stop", nil, nil); err != nil {
			return struct{}{}, monitorError(err)
		}
		if err := hmp(ctx, v.run, "loadvm "+hmpQuote(s.name())); err != nil {
			return struct{}{}, err
		}
		running := s.def.State == "running"
		if a.Flags&run != 0 {
			running = true
		} else if a.Flags&pause != 0 {
			running = false
		}
		if running {
			if err := v.run.mon.Execute(ctx, "cont", nil, nil); err != nil {
				return struct{}{}, monitorError(err)
			}
			dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningFromSnapshot))
			d.emit(dom.ref(), libvirt.DomainEventResumed, int32(libvirt.DomainEventResumedFromSnapshot))
		} else {
			dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedFromSnapshot))
			d.emit(dom.ref(), libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedFromSnapshot))
		}
		d.saveStatusLogged(dom)
	} else {
		if v.active() {
			if err := d.stopGuest(ctx, dom, libvirt.DomainShutoffFromSnapshot, libvirt.DomainEventStoppedFromSnapshot, false); err != nil {
				return struct{}{}, err
			}
		}
		def := s.def.Domain
		if def == nil {
			dom.mu.Lock()
			def = dom.def
			dom.mu.Unlock()
		}
		disks, err := internalDisks(def)
		if err != nil {
			return struct{}{}, err
		}
		for _, disk := range disks {
			if err := qemuImgSnapshot(ctx, "-a", s.name(), diskSourcePath(disk)); err != nil {
				return struct{}{}, err
			}
		}
		if a.Flags&(run|pause) != 0 {
			dom.mu.Lock()
			pdef := dom.def
			dom.mu.Unlock()
			if err := d.launch(ctx, dom, pdef, a.Flags&pause != 0); err != nil {
				return struct{}{}, err
			}
		}
	}
	ok = true
	if err := d.setCurrent(dom.name, t, s.name()); err != nil {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
	}
	return struct{}{}, nil
}

// DomainSnapshotDelete removes a snapshot (and with CHILDREN its descendants) from the
// disks and its metadata; children of a removed snapshot get its parent, and so does
// the current mark.
func (d *Driver) DomainSnapshotDelete(ctx context.Context, a libvirt.DomainSnapshotDeleteArgs) (struct{}, error) {
	flags := uint32(a.Flags)
	children, metaOnly, childrenOnly := uint32(libvirt.DomainSnapshotDeleteChildren), uint32(libvirt.DomainSnapshotDeleteMetadataOnly), uint32(libvirt.DomainSnapshotDeleteChildrenOnly)
	if err := checkFlags(flags, children|metaOnly|childrenOnly, "qemuDomainSnapshotDelete"); err != nil {
		return struct{}{}, err
	}
	if flags&children != 0 && flags&childrenOnly != 0 {
		return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "flags 'children' and 'children-only' are mutually exclusive")
	}
	dom, err := d.lock(a.Snap.Dom)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	t := d.loadSnapshots(dom.name)
	s := t.byName(a.Snap.Name)
	if s == nil {
		return struct{}{}, errNoSnapshot(a.Snap.Name)
	}
	var doomed []*snapshot
	if flags&(children|childrenOnly) != 0 {
		doomed = t.descendants(s.name())
	}
	if flags&childrenOnly == 0 {
		doomed = append(doomed, s)
	}
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	v := dom.view()
	newCurrent := ""
	if cur := t.current(); cur != nil {
		newCurrent = cur.name()
	}
	// Children before parents, so a failure leaves a consistent tree.
	for i := len(doomed) - 1; i >= 0; i-- {
		x := doomed[i]
		if flags&metaOnly == 0 {
			if err := d.deleteSnapshotData(ctx, v, x); err != nil {
				return struct{}{}, err
			}
		}
		if newCurrent == x.name() {
			newCurrent = x.parent()
		}
		for _, c := range t.children(x.name()) {
			if c.def.Parent != nil {
				c.def.Parent.Name = x.parent()
			}
			if x.parent() == "" {
				c.def.Parent = nil
			}
			if err := d.saveSnapshot(dom.name, c); err != nil {
				return struct{}{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
			}
		}
		if err := d.removeSnapshotFile(dom.name, x.name()); err != nil {
			return struct{}{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "%v", err)
		}
		for j, y := range t.list {
			if y == x {
				t.list = append(t.list[:j:j], t.list[j+1:]...)
				break
			}
		}
	}
	if err := d.setCurrent(dom.name, t, newCurrent); err != nil {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
	}
	return struct{}{}, nil
}

// deleteSnapshotData removes a snapshot from the images: through QEMU while the guest
// runs, with qemu-img otherwise.
func (d *Driver) deleteSnapshotData(ctx context.Context, v guestView, s *snapshot) error {
	if v.active() {
		return hmp(ctx, v.run, "delvm "+hmpQuote(s.name()))
	}
	def := v.def
	if def == nil {
		return nil
	}
	for i := range def.Devices.Disks {
		disk := &def.Devices.Disks[i]
		if disk.Driver == nil || disk.Driver.Type != "qcow2" || diskSourcePath(disk) == "" || disk.ReadOnly != nil {
			continue
		}
		if err := qemuImgSnapshot(ctx, "-d", s.name(), diskSourcePath(disk)); err != nil {
			return err
		}
	}
	return nil
}
