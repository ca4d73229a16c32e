package qemu

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// listFlags are the VIR_CONNECT_LIST_DOMAINS_* filters (VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL).
const listFlags = libvirt.ConnectListDomainsActive | libvirt.ConnectListDomainsInactive |
	libvirt.ConnectListDomainsPersistent | libvirt.ConnectListDomainsTransient |
	libvirt.ConnectListDomainsRunning | libvirt.ConnectListDomainsPaused |
	libvirt.ConnectListDomainsShutoff | libvirt.ConnectListDomainsOther |
	libvirt.ConnectListDomainsManagedsave | libvirt.ConnectListDomainsNoManagedsave |
	libvirt.ConnectListDomainsAutostart | libvirt.ConnectListDomainsNoAutostart |
	libvirt.ConnectListDomainsHasSnapshot | libvirt.ConnectListDomainsNoSnapshot |
	libvirt.ConnectListDomainsHasCheckpoint | libvirt.ConnectListDomainsNoCheckpoint

// matches applies libvirt's virDomainObjListFilter: within each group of flags (active,
// persistence, state, managed save, autostart, snapshots, checkpoints) a domain must
// match one of the flags given, and a group with no flag given matches everything.
// Guests here never have checkpoints; managed save images and snapshots are looked
// for only when a filter asks.
func (d *Driver) matches(dom *domain, f libvirt.ConnectListAllDomainsFlags) bool {
	dom.mu.Lock()
	active, persistent, autostart, state := dom.activeLocked(), dom.persistent, dom.autostart, dom.state
	dom.mu.Unlock()
	group := func(mask, yes, no libvirt.ConnectListAllDomainsFlags, is bool) bool {
		if f&mask == 0 {
			return true
		}
		return (is && f&yes != 0) || (!is && f&no != 0)
	}
	lazy := func(mask libvirt.ConnectListAllDomainsFlags, is func() bool) bool { return f&mask != 0 && is() }
	managed := lazy(libvirt.ConnectListDomainsManagedsave|libvirt.ConnectListDomainsNoManagedsave, func() bool { return d.hasManagedSave(dom) })
	snaps := lazy(libvirt.ConnectListDomainsHasSnapshot|libvirt.ConnectListDomainsNoSnapshot, func() bool { return d.hasSnapshots(dom) })
	states := libvirt.ConnectListDomainsRunning | libvirt.ConnectListDomainsPaused |
		libvirt.ConnectListDomainsShutoff | libvirt.ConnectListDomainsOther
	if f&states != 0 {
		var bit libvirt.ConnectListAllDomainsFlags
		switch state {
		case libvirt.DomainRunning:
			bit = libvirt.ConnectListDomainsRunning
		case libvirt.DomainPaused:
			bit = libvirt.ConnectListDomainsPaused
		case libvirt.DomainShutoff:
			bit = libvirt.ConnectListDomainsShutoff
		default:
			bit = libvirt.ConnectListDomainsOther
		}
		if f&bit == 0 {
			return false
		}
	}
	return group(libvirt.ConnectListDomainsActive|libvirt.ConnectListDomainsInactive,
		libvirt.ConnectListDomainsActive, libvirt.ConnectListDomainsInactive, active) &&
		group(libvirt.ConnectListDomainsPersistent|libvirt.ConnectListDomainsTransient,
			libvirt.ConnectListDomainsPersistent, libvirt.ConnectListDomainsTransient, persistent) &&
		group(libvirt.ConnectListDomainsManagedsave|libvirt.ConnectListDomainsNoManagedsave,
			libvirt.ConnectListDomainsManagedsave, libvirt.ConnectListDomainsNoManagedsave, managed) &&
		group(libvirt.ConnectListDomainsAutostart|libvirt.ConnectListDomainsNoAutostart,
			libvirt.ConnectListDomainsAutostart, libvirt.ConnectListDomainsNoAutostart, autostart) &&
		group(libvirt.ConnectListDomainsHasSnapshot|libvirt.ConnectListDomainsNoSnapshot,
			libvirt.ConnectListDomainsHasSnapshot, libvirt.ConnectListDomainsNoSnapshot, snaps) &&
		group(libvirt.ConnectListDomainsHasCheckpoint|libvirt.ConnectListDomainsNoCheckpoint,
			libvirt.ConnectListDomainsHasCheckpoint, libvirt.ConnectListDomainsNoCheckpoint, false)
}

// ConnectListAllDomains is virConnectListAllDomains. With need_results=0 only the count is returned.
func (d *Driver) ConnectListAllDomains(ctx context.Context, a libvirt.ConnectListAllDomainsArgs) (libvirt.ConnectListAllDomainsRet, error) {
	if err := checkFlags(uint32(a.Flags), uint32(listFlags), "qemuConnectListAllDomains"); err != nil {
		return libvirt.ConnectListAllDomainsRet{}, err
	}
	var ret libvirt.ConnectListAllDomainsRet
	for _, dom := range d.doms.all() {
		if !d.matches(dom, a.Flags) {
			continue
		}
		ret.Ret++
		if a.NeedResults != 0 {
			ret.Domains = append(ret.Domains, dom.ref())
		}
	}
	if a.NeedResults != 0 && ret.Domains == nil {
		ret.Domains = []libvirt.Domain{}
	}
	return ret, nil
}

// The legacy listing calls, which old clients and virsh's fallbacks use.

func (d *Driver) ConnectListDomains(ctx context.Context, a libvirt.ConnectListDomainsArgs) (libvirt.ConnectListDomainsRet, error) {
	ids := []int32{}
	for _, dom := range d.doms.all() {
		if r := dom.ref(); r.ID >= 0 && len(ids) < int(a.Maxids) {
			ids = append(ids, r.ID)
		}
	}
	return libvirt.ConnectListDomainsRet{Ids: ids}, nil
}

func (d *Driver) ConnectNumOfDomains(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDomainsRet, error) {
	n := 0
	for _, dom := range d.doms.all() {
		if dom.active() {
			n++
		}
	}
	return libvirt.ConnectNumOfDomainsRet{Num: int32(n)}, nil
}

func (d *Driver) ConnectListDefinedDomains(ctx context.Context, a libvirt.ConnectListDefinedDomainsArgs) (libvirt.ConnectListDefinedDomainsRet, error) {
	names := []string{}
	for _, dom := range d.doms.all() {
		if !dom.active() && len(names) < int(a.Maxnames) {
			names = append(names, dom.name)
		}
	}
	return libvirt.ConnectListDefinedDomainsRet{Names: names}, nil
}

func (d *Driver) ConnectNumOfDefinedDomains(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDefinedDomainsRet, error) {
	n := 0
	for _, dom := range d.doms.all() {
		if !dom.active() {
			n++
		}
	}
	return libvirt.ConnectNumOfDefinedDomainsRet{Num: int32(n)}, nil
}
