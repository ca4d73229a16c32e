package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// DomainRename is virsh domrename: an inactive persistent guest gets a new name, its
// definition a new file, as libvirt's qemuDomainRenameCallback. Clients see the old
// name undefined and the new one defined, both as "renamed".
func (d *Driver) DomainRename(ctx context.Context, a libvirt.DomainRenameArgs) (libvirt.DomainRenameRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainRename"); err != nil {
		return libvirt.DomainRenameRet{}, err
	}
	if len(a.NewName) == 0 || a.NewName[0] == "" {
		return libvirt.DomainRenameRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromDomain, "new domain name must not be empty")
	}
	newName := a.NewName[0]
	if err := checkName(newName); err != nil {
		return libvirt.DomainRenameRet{}, err
	}
	dom, err := d.lock(a.Dom)
	if err != nil {
		return libvirt.DomainRenameRet{}, err
	}
	defer dom.job.Unlock()
	dom.mu.Lock()
	active, persistent, def, autostart := dom.activeLocked(), dom.persistent, dom.def, dom.autostart
	dom.mu.Unlock()
	switch {
	case newName == dom.name:
		return libvirt.DomainRenameRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "Can't rename domain to itself")
	case active:
		return libvirt.DomainRenameRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot rename active domain")
	case !persistent:
		return libvirt.DomainRenameRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot rename a transient domain")
	case d.hasSnapshots(dom):
		return libvirt.DomainRenameRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot rename domain with snapshots")
	case d.hasManagedSave(dom):
		return libvirt.DomainRenameRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot rename domain with a managed save image")
	}
	if other := d.doms.byNameOf(newName); other != nil {
		return libvirt.DomainRenameRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain with name '%s' already exists", newName)
	}
	newDef, err := copyDefinition(def)
	if err != nil {
		return libvirt.DomainRenameRet{}, err
	}
	newDef.Name = newName
	renamed := newDomain(dom.uuid, newName)
	renamed.def, renamed.persistent = newDef, true
	renamed.job.Lock()
	defer renamed.job.Unlock()
	if err := d.saveConfig(newDef); err != nil {
		return libvirt.DomainRenameRet{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
	}
	if autostart {
		if err := d.setAutostartLink(newName, true); err != nil {
			d.removeConfig(newName)
			return libvirt.DomainRenameRet{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "%v", err)
		}
		renamed.autostart = true
	}
	oldRef := dom.ref()
	d.doms.remove(dom)
	if err := d.doms.add(renamed); err != nil {
		// Lost a race for the name: put things back.
		d.removeConfig(newName)
		d.doms.add(dom)
		dom.mu.Lock()
		dom.gone = false
		dom.mu.Unlock()
		return libvirt.DomainRenameRet{}, err
	}
	if err := d.removeConfig(oldRef.Name); err != nil {
		d.log.Warn("cannot remove the old definition of a renamed guest", "domain", oldRef.Name, "err", err)
	}
	d.emit(oldRef, libvirt.DomainEventUndefined, int32(libvirt.DomainEventUndefinedRenamed))
	d.emit(renamed.ref(), libvirt.DomainEventDefined, int32(libvirt.DomainEventDefinedRenamed))
	return libvirt.DomainRenameRet{Retcode: 0}, nil
}
