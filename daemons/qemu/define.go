package qemu

import (
	"context"
	"errors"
	"os"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

func (d *Driver) DomainDefineXML(ctx context.Context, a libvirt.DomainDefineXMLArgs) (libvirt.DomainDefineXMLRet, error) {
	ref, err := d.define(ctx, a.XML)
	return libvirt.DomainDefineXMLRet{Dom: ref}, err
}

// DomainDefineXMLFlags accepts VIR_DOMAIN_DEFINE_VALIDATE: every definition is checked anyway.
func (d *Driver) DomainDefineXMLFlags(ctx context.Context, a libvirt.DomainDefineXMLFlagsArgs) (libvirt.DomainDefineXMLFlagsRet, error) {
	if err := checkFlags(uint32(a.Flags), uint32(libvirt.DomainDefineValidate), "qemuDomainDefineXMLFlags"); err != nil {
		return libvirt.DomainDefineXMLFlagsRet{}, err
	}
	ref, err := d.define(ctx, a.XML)
	return libvirt.DomainDefineXMLFlagsRet{Dom: ref}, err
}

// define adds a persistent definition or replaces the one with the same name and UUID.
// A running guest keeps running as it was started; the new definition applies from its
// next start (libvirt's "newDef").
func (d *Driver) define(ctx context.Context, text string) (libvirt.Domain, error) {
	def, uuid, err := d.parseDefinition(ctx, text)
	if err != nil {
		return libvirt.Domain{}, err
	}
	dom, created, err := d.claim(uuid, def, true)
	if err != nil {
		return libvirt.Domain{}, err
	}
	defer dom.job.Unlock()
	dom.mu.Lock()
	oldDef, wasPersistent := dom.def, dom.persistent
	dom.def, dom.stored, dom.persistent = def, nil, true
	dom.mu.Unlock()
	if err := d.saveConfig(def); err != nil {
		if created {
			d.doms.remove(dom)
		} else {
			dom.mu.Lock()
			dom.def, dom.persistent = oldDef, wasPersistent
			dom.mu.Unlock()
		}
		return libvirt.Domain{}, virerror.Wrap(err, libvirt.ErrWriteFailed, virerror.FromQEMU, "%v", err)
	}
	detail := libvirt.DomainEventDefinedUpdated
	if created || !wasPersistent {
		detail = libvirt.DomainEventDefinedAdded
	}
	ref := dom.ref()
	d.emit(ref, libvirt.DomainEventDefined, int32(detail))
	return ref, nil
}

// claim returns, with its job held, the domain a new definition of uuid belongs to:
// the existing domain of that UUID and name, or a new one made from def and added to
// the registry (created). A name or UUID held by another domain is an error.
func (d *Driver) claim(uuid libvirt.UUID, def *libvirtxml.Domain, persistent bool) (*domain, bool, error) {
	for {
		if dom := d.doms.byUUIDOf(uuid); dom != nil && dom.name == def.Name {
			// The old definition is needed (to roll back to, and to say whether this
			// one adds or updates); one that does not decode takes the domain away.
			if d.loaded(dom) != nil {
				continue
			}
			dom.job.Lock()
			dom.mu.Lock()
			gone := dom.gone
			dom.mu.Unlock()
			if !gone {
				return dom, false, nil
			}
			dom.job.Unlock() // undefined meanwhile: start over
			continue
		}
		dom := newDomain(uuid, def.Name)
		dom.def, dom.persistent = def, persistent
		dom.job.Lock()
		if err := d.doms.add(dom); errors.Is(err, errSameDomain) {
			dom.job.Unlock()
			continue // defined by another call between the look and the add
		} else if err != nil {
			dom.job.Unlock()
			return nil, false, err
		}
		return dom, true, nil
	}
}

// lock finds the domain a call names and holds its job; it fails for a domain
// undefined while the call waited.
func (d *Driver) lock(ref libvirt.Domain) (*domain, error) {
	dom, err := d.get(ref)
	if err != nil {
		return nil, err
	}
	dom.job.Lock()
	dom.mu.Lock()
	gone := dom.gone
	dom.mu.Unlock()
	if gone {
		dom.job.Unlock()
		return d.lock(ref)
	}
	return dom, nil
}

func (d *Driver) DomainUndefine(ctx context.Context, a libvirt.DomainUndefineArgs) (struct{}, error) {
	return struct{}{}, d.undefineDomain(a.Dom, 0)
}

func (d *Driver) DomainUndefineFlags(ctx context.Context, a libvirt.DomainUndefineFlagsArgs) (struct{}, error) {
	return struct{}{}, d.undefineDomain(a.Dom, a.Flags)
}

// undefineAllowed are the VIR_DOMAIN_UNDEFINE_* flags; checkpoint metadata and TPM
// state do not exist here, so those flags have nothing to do.
const undefineAllowed = libvirt.DomainUndefineManagedSave | libvirt.DomainUndefineSnapshotsMetadata |
	libvirt.DomainUndefineNvram | libvirt.DomainUndefineKeepNvram | libvirt.DomainUndefineCheckpointsMetadata |
	libvirt.DomainUndefineKeepTpm | libvirt.DomainUndefineTpm

// undefineDomain removes the persistent definition. A running guest runs on as a
// transient one and disappears when it stops.
func (d *Driver) undefineDomain(ref libvirt.Domain, flags libvirt.DomainUndefineFlagsValues) error {
	if err := checkFlags(uint32(flags), uint32(undefineAllowed), "qemuDomainUndefineFlags"); err != nil {
		return err
	}
	if flags&libvirt.DomainUndefineNvram != 0 && flags&libvirt.DomainUndefineKeepNvram != 0 {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot both keep and delete nvram")
	}
	dom, err := d.lock(ref)
	if err != nil {
		return err
	}
	defer dom.job.Unlock()
	dom.mu.Lock()
	def, persistent, active := dom.def, dom.persistent, dom.activeLocked()
	dom.mu.Unlock()
	if !persistent {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot undefine transient domain")
	}
	if err := d.undefineSavedState(dom, flags); err != nil {
		return err
	}
	if nv := nvramPath(def); nv != "" && flags&libvirt.DomainUndefineKeepNvram == 0 {
		if _, err := os.Stat(nv); err == nil {
			if flags&libvirt.DomainUndefineNvram == 0 {
				return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot undefine domain with nvram")
			}
			if err := os.Remove(nv); err != nil {
				return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "failed to remove nvram: %s", nv)
			}
		}
	}
	if err := d.removeConfig(dom.name); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "%v", err)
	}
	refNow := dom.ref()
	if active {
		dom.mu.Lock()
		dom.def, dom.persistent, dom.autostart = nil, false, false
		dom.mu.Unlock()
		if err := d.saveStatus(dom); err != nil {
			d.log.Warn("cannot update status file", "domain", dom.name, "err", err)
		}
	} else {
		d.doms.remove(dom)
	}
	d.emit(refNow, libvirt.DomainEventUndefined, int32(libvirt.DomainEventUndefinedRemoved))
	return nil
}

func nvramPath(def *libvirtxml.Domain) string {
	if def == nil || def.OS == nil || def.OS.NVRam == nil {
		return ""
	}
	return def.OS.NVRam.NVRam
}

func (d *Driver) DomainGetAutostart(ctx context.Context, a libvirt.DomainGetAutostartArgs) (libvirt.DomainGetAutostartRet, error) {
	dom, err := d.find(a.Dom)
	if err != nil {
		return libvirt.DomainGetAutostartRet{}, err
	}
	dom.mu.Lock()
	defer dom.mu.Unlock()
	if dom.autostart {
		return libvirt.DomainGetAutostartRet{Autostart: 1}, nil
	}
	return libvirt.DomainGetAutostartRet{}, nil
}

func (d *Driver) DomainSetAutostart(ctx context.Context, a libvirt.DomainSetAutostartArgs) (struct{}, error) {
	dom, err := d.lock(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	dom.mu.Lock()
	persistent, cur := dom.persistent, dom.autostart
	dom.mu.Unlock()
	if !persistent {
		return struct{}{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "cannot set autostart for transient domain")
	}
	on := a.Autostart != 0
	if on == cur {
		return struct{}{}, nil
	}
	if err := d.setAutostartLink(dom.name, on); err != nil {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "%v", err)
	}
	dom.mu.Lock()
	dom.autostart = on
	dom.mu.Unlock()
	return struct{}{}, nil
}
