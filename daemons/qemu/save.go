package qemu

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh save, restore, managedsave and the save-image calls: a running guest's state
// goes to a file through QEMU's migration stream and the guest stops; a restore starts
// QEMU waiting for the stream and lets it run from where it was. A managed save image
// belongs to the guest, and its next start resumes from it.

// The VIR_DOMAIN_SAVE_* flags.
const (
	saveBypassCache = uint32(libvirt.DomainSaveBypassCache)
	saveRunning     = uint32(libvirt.DomainSaveRunning)
	savePaused      = uint32(libvirt.DomainSavePaused)
	saveResetNVRAM  = uint32(libvirt.DomainSaveResetNvram)
)

// migrationPoll is how often a save or restore asks QEMU how far it got.
const migrationPoll = 10 * time.Millisecond

// managedSavePath is where a guest's managed save image lives, as libvirt keeps it
// (/var/lib/libvirt/qemu/save/NAME.save).
func (d *Driver) managedSavePath(name string) string {
	return filepath.Join(d.env.Paths.StateDir, "qemu", "save", name+".save")
}

func (d *Driver) hasManagedSave(dom *domain) bool { return fileExists(d.managedSavePath(dom.name)) }

func (d *Driver) DomainSave(ctx context.Context, a libvirt.DomainSaveArgs) (struct{}, error) {
	return struct{}{}, d.save(ctx, a.Dom, a.To, "", 0, false)
}

func (d *Driver) DomainSaveFlags(ctx context.Context, a libvirt.DomainSaveFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, saveBypassCache|saveRunning|savePaused, "qemuDomainSaveFlags"); err != nil {
		return struct{}{}, err
	}
	dxml := ""
	if len(a.Dxml) > 0 {
		dxml = a.Dxml[0]
	}
	return struct{}{}, d.save(ctx, a.Dom, a.To, dxml, a.Flags, false)
}

func (d *Driver) DomainManagedSave(ctx context.Context, a libvirt.DomainManagedSaveArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, saveBypassCache|saveRunning|savePaused, "qemuDomainManagedSave"); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.save(ctx, a.Dom, "", "", a.Flags, true)
}

func (d *Driver) save(ctx context.Context, ref libvirt.Domain, path, dxml string, flags uint32, managed bool) error {
	if flags&saveRunning != 0 && flags&savePaused != 0 {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "flags 'running' and 'paused' are mutually exclusive")
	}
	dom, r, err := d.lockRunning(ref, virerror.FromDomain)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	if managed {
		dom.mu.Lock()
		persistent := dom.persistent
		dom.mu.Unlock()
		if !persistent {
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot do managed save for transient domain")
		}
		path = d.managedSavePath(dom.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot create %s: %v", filepath.Dir(path), err)
		}
	}
	v := dom.view()
	def := v.def
	if dxml != "" {
		if def, err = d.replacementXML(ctx, dom, dxml); err != nil {
			return err
		}
	}
	xml, err := inactiveXML(def)
	if err != nil {
		return err
	}
	st, _ := dom.getState()
	wasRunning := st == libvirt.DomainRunning
	resume := wasRunning
	switch {
	case flags&saveRunning != 0:
		wasRunning = true
	case flags&savePaused != 0:
		wasRunning = false
	}
	job := dom.jobs.begin(libvirt.DomainJobOperationStrSave, r.mon)
	ok := false
	defer func() { dom.jobs.end(job, ok) }()
	if resume {
		if err := r.mon.Execute(ctx, "stop", nil, nil); err != nil {
			return monitorError(err)
		}
		dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedSave))
	}
	if err := d.streamTo(ctx, r, path, xml, wasRunning); err != nil {
		if resume {
			if cerr := r.mon.Execute(context.WithoutCancel(ctx), "cont", nil, nil); cerr == nil {
				dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningSaveCanceled))
			}
		}
		return err
	}
	ok = true
	if err := d.stopGuest(ctx, dom, libvirt.DomainShutoffSaved, libvirt.DomainEventStoppedSaved, false); err != nil {
		return err
	}
	return nil
}

// replacementXML checks a definition given to use in place of the guest's own in a
// save image: it must describe the same guest.
func (d *Driver) replacementXML(ctx context.Context, dom *domain, text string) (*libvirtxml.Domain, error) {
	def, uuid, err := d.parseDefinition(ctx, text)
	if err != nil {
		return nil, err
	}
	if uuid != dom.uuid || def.Name != dom.name {
		return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "Target domain uuid or name does not match source '%s'", dom.name)
	}
	return def, nil
}

// inactiveXML is a definition as a save image keeps it: without what only the QEMU
// that ran it had (see stripLive).
func inactiveXML(def *libvirtxml.Domain) (string, error) {
	cp, err := copyDefinition(def)
	if err != nil {
		return "", err
	}
	stripLive(cp)
	out, err := formatDefinition(cp)
	if err != nil {
		return "", virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "%v", err)
	}
	return out, nil
}

// streamTo writes a save image of the paused guest to path.
func (d *Driver) streamTo(ctx context.Context, r *running, path, xml string, wasRunning bool) (err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to create file '%s': %s", path, virerror.Strerror(err))
	}
	defer func() {
		f.Close()
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err := writeSaveHeader(f, xml, wasRunning); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "failed to write header to domain save file '%s': %v", path, err)
	}
	// No bandwidth limit for a save, as libvirt sets it.
	if err := r.mon.Execute(ctx, "migrate-set-parameters", map[string]any{"max-bandwidth": int64(1) << 53}, nil); err != nil {
		return monitorError(err)
	}
	if err := r.mon.SendFile(ctx, "migrate", f); err != nil {
		return monitorError(err)
	}
	if err := r.mon.Execute(ctx, "migrate", map[string]any{"uri": "fd:migrate"}, nil); err != nil {
		return monitorError(err)
	}
	if err := waitMigration(ctx, r); err != nil {
		return err
	}
	if err := completeSaveImage(f); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "failed to write domain save file '%s': %v", path, err)
	}
	return nil
}

// waitMigration polls QEMU until the migration stream (out or in) is done.
func waitMigration(ctx context.Context, r *running) error {
	for {
		var m struct {
			Status    string `json:"status"`
			ErrorDesc string `json:"error-desc"`
		}
		if err := r.mon.Execute(ctx, "query-migrate", nil, &m); err != nil {
			return monitorError(err)
		}
		switch m.Status {
		case "completed":
			return nil
		case "failed", "cancelled":
			desc := m.ErrorDesc
			if desc == "" {
				desc = m.Status
			}
			return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "operation failed: job 'migration' failed: %s", desc)
		}
		select {
		case <-ctx.Done():
			r.mon.Execute(context.WithoutCancel(ctx), "migrate_cancel", nil, nil)
			return virerror.New(libvirt.ErrOperationAborted, virerror.FromQEMU, "operation aborted: migration job: canceled by client")
		case <-time.After(migrationPoll):
		}
	}
}

func (d *Driver) DomainRestore(ctx context.Context, a libvirt.DomainRestoreArgs) (struct{}, error) {
	return struct{}{}, d.restore(ctx, a.From, "", 0)
}

func (d *Driver) DomainRestoreFlags(ctx context.Context, a libvirt.DomainRestoreFlagsArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, saveBypassCache|saveRunning|savePaused|saveResetNVRAM, "qemuDomainRestoreFlags"); err != nil {
		return struct{}{}, err
	}
	dxml := ""
	if len(a.Dxml) > 0 {
		dxml = a.Dxml[0]
	}
	return struct{}{}, d.restore(ctx, a.From, dxml, a.Flags)
}

// restore starts the guest a save image describes, transient unless it is defined.
func (d *Driver) restore(ctx context.Context, path, dxml string, flags uint32) error {
	if flags&saveRunning != 0 && flags&savePaused != 0 {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "flags 'running' and 'paused' are mutually exclusive")
	}
	img, f, err := readSaveImage(path)
	if err != nil {
		return err
	}
	defer f.Close()
	text := img.xml
	if dxml != "" {
		text = dxml
	}
	def, uuid, err := d.parseDefinition(ctx, text)
	if err != nil {
		return err
	}
	dom, created, err := d.claim(uuid, def, false)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	if !created && dom.active() {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain '%s' is already active", dom.name)
	}
	if err := d.restoreInto(ctx, dom, def, img, f, flags); err != nil {
		if created {
			d.doms.remove(dom)
		}
		return err
	}
	return nil
}

// restoreInto runs def as dom, fed the image's stream, and lets it run as the image
// (or flags) say. The caller holds the job.
func (d *Driver) restoreInto(ctx context.Context, dom *domain, def *libvirtxml.Domain, img saveImage, f *os.File, flags uint32) error {
	if d.units == nil {
		return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "this daemon has no unit realizer to run guests with")
	}
	if err := d.startGuestWith(ctx, dom, def, true, true); err != nil {
		return err
	}
	dom.mu.Lock()
	r := dom.run
	dom.mu.Unlock()
	job := dom.jobs.begin(libvirt.DomainJobOperationStrRestore, r.mon)
	fail := func(err error) error {
		dom.jobs.end(job, false)
		d.stopGuest(context.WithoutCancel(ctx), dom, libvirt.DomainShutoffFailed, libvirt.DomainEventStoppedFailed, false)
		return err
	}
	if _, err := f.Seek(img.streamOffset(), 0); err != nil {
		return fail(virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot seek in save image: %v", err))
	}
	if err := r.mon.SendFile(ctx, "restore", f); err != nil {
		return fail(monitorError(err))
	}
	if err := r.mon.Execute(ctx, "migrate-incoming", map[string]string{"uri": "fd:restore"}, nil); err != nil {
		return fail(monitorError(err))
	}
	if err := waitMigration(ctx, r); err != nil {
		return fail(err)
	}
	dom.jobs.end(job, true)
	run := img.header.wasRunning != 0
	switch {
	case flags&saveRunning != 0:
		run = true
	case flags&savePaused != 0:
		run = false
	}
	ref := dom.ref()
	d.emit(ref, libvirt.DomainEventStarted, int32(libvirt.DomainEventStartedRestored))
	if run {
		if err := r.mon.Execute(ctx, "cont", nil, nil); err != nil {
			return fail(monitorError(err))
		}
		dom.setState(libvirt.DomainRunning, int32(libvirt.DomainRunningRestored))
	} else {
		dom.setState(libvirt.DomainPaused, int32(libvirt.DomainPausedUser))
		d.emit(ref, libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedRestored))
	}
	d.saveStatusLogged(dom)
	return nil
}

// startManaged resumes a defined guest from its managed save image, which it then
// deletes. The caller holds the job.
func (d *Driver) startManaged(ctx context.Context, dom *domain, paused bool) error {
	path := d.managedSavePath(dom.name)
	img, f, err := readSaveImage(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dom.mu.Lock()
	def := dom.def
	dom.mu.Unlock()
	if img.xml != "" {
		if saved, err := decodeDomain(img.xml); err == nil {
			if _, err := completeStored(saved); err == nil && saved.UUID == def.UUID {
				def = saved
			}
		}
	}
	flags := uint32(0)
	if paused {
		flags = savePaused
	}
	if err := d.restoreInto(ctx, dom, def, img, f, flags); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		d.log.Warn("cannot remove the managed save image of a restored guest", "domain", dom.name, "err", err)
	}
	return nil
}

func (d *Driver) DomainHasManagedSaveImage(ctx context.Context, a libvirt.DomainHasManagedSaveImageArgs) (libvirt.DomainHasManagedSaveImageRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainHasManagedSaveImage"); err != nil {
		return libvirt.DomainHasManagedSaveImageRet{}, err
	}
	dom, err := d.find(a.Dom)
	if err != nil {
		return libvirt.DomainHasManagedSaveImageRet{}, err
	}
	return libvirt.DomainHasManagedSaveImageRet{Result: boolInt(d.hasManagedSave(dom))}, nil
}

func (d *Driver) DomainManagedSaveRemove(ctx context.Context, a libvirt.DomainManagedSaveRemoveArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainManagedSaveRemove"); err != nil {
		return struct{}{}, err
	}
	dom, err := d.lock(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	path := d.managedSavePath(dom.name)
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to remove managed save file '%s': %s", path, virerror.Strerror(err))
	}
	return struct{}{}, nil
}

// managedImagePath is the managed save image of a guest that has one.
func (d *Driver) managedImagePath(ref libvirt.Domain) (string, error) {
	dom, err := d.get(ref)
	if err != nil {
		return "", err
	}
	path := d.managedSavePath(dom.name)
	if !fileExists(path) {
		return "", virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain does not have managed save image")
	}
	return path, nil
}

func (d *Driver) DomainManagedSaveGetXMLDesc(ctx context.Context, a libvirt.DomainManagedSaveGetXMLDescArgs) (libvirt.DomainManagedSaveGetXMLDescRet, error) {
	if err := checkFlags(uint32(a.Flags), uint32(libvirt.DomainSaveImageXMLSecure), "qemuDomainManagedSaveGetXMLDesc"); err != nil {
		return libvirt.DomainManagedSaveGetXMLDescRet{}, err
	}
	path, err := d.managedImagePath(a.Dom)
	if err != nil {
		return libvirt.DomainManagedSaveGetXMLDescRet{}, err
	}
	xml, err := saveImageXML(path)
	return libvirt.DomainManagedSaveGetXMLDescRet{XML: xml}, err
}

func (d *Driver) DomainManagedSaveDefineXML(ctx context.Context, a libvirt.DomainManagedSaveDefineXMLArgs) (struct{}, error) {
	if err := checkFlags(uint32(a.Flags), saveRunning|savePaused, "qemuDomainManagedSaveDefineXML"); err != nil {
		return struct{}{}, err
	}
	path, err := d.managedImagePath(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	dxml := ""
	if len(a.Dxml) > 0 {
		dxml = a.Dxml[0]
	}
	return struct{}{}, d.redefineSaveImage(ctx, path, dxml, uint32(a.Flags))
}

func (d *Driver) DomainSaveImageGetXMLDesc(ctx context.Context, a libvirt.DomainSaveImageGetXMLDescArgs) (libvirt.DomainSaveImageGetXMLDescRet, error) {
	if err := checkFlags(a.Flags, uint32(libvirt.DomainSaveImageXMLSecure), "qemuDomainSaveImageGetXMLDesc"); err != nil {
		return libvirt.DomainSaveImageGetXMLDescRet{}, err
	}
	xml, err := saveImageXML(a.File)
	return libvirt.DomainSaveImageGetXMLDescRet{XML: xml}, err
}

func (d *Driver) DomainSaveImageDefineXML(ctx context.Context, a libvirt.DomainSaveImageDefineXMLArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, saveRunning|savePaused, "qemuDomainSaveImageDefineXML"); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, d.redefineSaveImage(ctx, a.File, a.Dxml, a.Flags)
}

func saveImageXML(path string) (string, error) {
	img, f, err := readSaveImage(path)
	if err != nil {
		return "", err
	}
	f.Close()
	def, err := decodeDomain(img.xml)
	if err != nil {
		return "", err
	}
	out, err := formatDefinition(def)
	if err != nil {
		return "", virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "%v", err)
	}
	return out, nil
}

// redefineSaveImage replaces an image's definition by one of the same guest, and with
// RUNNING or PAUSED what the restore does after.
func (d *Driver) redefineSaveImage(ctx context.Context, path, dxml string, flags uint32) error {
	if flags&saveRunning != 0 && flags&savePaused != 0 {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "flags 'running' and 'paused' are mutually exclusive")
	}
	img, f, err := readSaveImage(path)
	if err != nil {
		return err
	}
	f.Close()
	old, err := decodeDomain(img.xml)
	if err != nil {
		return err
	}
	def, _, err := d.parseDefinition(ctx, dxml)
	if err != nil {
		return err
	}
	if def.UUID != old.UUID || def.Name != old.Name {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "Target domain uuid or name does not match source '%s'", old.Name)
	}
	xml, err := inactiveXML(def)
	if err != nil {
		return err
	}
	if err := rewriteSaveXML(path, xml); err != nil {
		return err
	}
	if flags&(saveRunning|savePaused) == 0 {
		return nil
	}
	rf, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to open domain image file '%s': %s", path, virerror.Strerror(err))
	}
	defer rf.Close()
	running := []byte{0, 0, 0, 0}
	if flags&saveRunning != 0 {
		running[0] = 1
	}
	if _, err := rf.WriteAt(running, 16+8); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "failed to write %s: %v", path, err)
	}
	return rf.Sync()
}

// undefineSavedState deals with a guest's managed save image and snapshot metadata at
// undefine, as libvirt: they stop an undefine unless its flags say to remove them.
func (d *Driver) undefineSavedState(dom *domain, flags libvirt.DomainUndefineFlagsValues) error {
	path := d.managedSavePath(dom.name)
	if fileExists(path) {
		if flags&libvirt.DomainUndefineManagedSave == 0 {
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "Refusing to undefine while domain managed save image exists")
		}
		if err := os.Remove(path); err != nil {
			return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to remove domain managed save image %s: %s", path, virerror.Strerror(err))
		}
	}
	if t := d.loadSnapshots(dom.name); len(t.list) > 0 {
		if flags&libvirt.DomainUndefineSnapshotsMetadata == 0 {
			return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot delete inactive domain with %d snapshots", len(t.list))
		}
		if err := os.RemoveAll(d.snapshotDir(dom.name)); err != nil {
			return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "%v", err)
		}
	}
	return nil
}

// stripLive removes from a copy of a live definition what a start chose for the QEMU
// that ran it and the next start chooses anew: what forgetRun removes, automatic tap
// names, network ports and automatic display ports. What is left starts the same
// machine.
func stripLive(def *libvirtxml.Domain) {
	forgetRun(def)
	forgetMedia(def, true)
	devs := def.Devices
	for i := range devs.Interfaces {
		nic := &devs.Interfaces[i]
		if nic.Target != nil && strings.HasPrefix(nic.Target.Dev, "vnet") {
			nic.Target = nil
		}
		if nic.Source != nil && nic.Source.Network != nil {
			nic.Source.Network.PortID, nic.Source.Network.Bridge = "", ""
		}
	}
	for i := range devs.Graphics {
		g := &devs.Graphics[i]
		if g.VNC != nil && g.VNC.AutoPort == "yes" {
			g.VNC.Port = -1
		}
		if g.Spice != nil && g.Spice.AutoPort == "yes" {
			g.Spice.Port = -1
		}
	}
}

// forgetRun removes from a copy of a live definition what names one run of QEMU: the
// id, device aliases, block node numbers, pty paths and channel sockets in the run's
// directory.
func forgetRun(def *libvirtxml.Domain) {
	def.ID = nil
	devs := def.Devices
	clearAliases(devs)
	forgetMedia(def, false)
	for i := range devs.Serials {
		if src := devs.Serials[i].Source; src != nil && src.Pty != nil {
			src.Pty.Path = ""
		}
	}
	for i := range devs.Consoles {
		devs.Consoles[i].TTY = ""
		if src := devs.Consoles[i].Source; src != nil && src.Pty != nil {
			src.Pty.Path = ""
		}
	}
	for i := range devs.Channels {
		ch := &devs.Channels[i]
		if ch.Target != nil && ch.Target.VirtIO != nil && ch.Source != nil && ch.Source.UNIX != nil &&
			strings.Contains(ch.Source.UNIX.Path, "/domain-") && strings.HasSuffix(ch.Source.UNIX.Path, "/"+channelName(ch, i)) {
			// As defined: no path, and no mode either (completeDevices).
			ch.Source.UNIX.Path, ch.Source.UNIX.Mode = "", ""
		}
	}
}

// channelName is the file name an automatic channel socket gets (channelSocket).
func channelName(ch *libvirtxml.DomainChannel, i int) string {
	if ch.Target.VirtIO.Name != "" {
		return ch.Target.VirtIO.Name
	}
	return fmt.Sprintf("channel%d", i)
}
