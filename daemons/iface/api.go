package iface

import (
	"context"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// The flags libvirt defines for these calls.
const (
	xmlInactive    = 1 // VIR_INTERFACE_XML_INACTIVE
	defineValidate = 1 // VIR_INTERFACE_DEFINE_VALIDATE: this driver always validates
	listInactive   = 1 // VIR_CONNECT_LIST_INTERFACES_INACTIVE
	listActive     = 2 // VIR_CONNECT_LIST_INTERFACES_ACTIVE
)

func (d *Driver) ConnectListAllInterfaces(ctx context.Context, a libvirt.ConnectListAllInterfacesArgs) (libvirt.ConnectListAllInterfacesRet, error) {
	flags := uint32(a.Flags)
	if err := checkFlags(flags, listInactive|listActive, "udevConnectListAllInterfaces"); err != nil {
		return libvirt.ConnectListAllInterfacesRet{}, err
	}
	var ret libvirt.ConnectListAllInterfacesRet
	for _, e := range d.entries() {
		if flags != 0 && !(e.active && flags&listActive != 0 || !e.active && flags&listInactive != 0) {
			continue
		}
		ret.Ret++
		if a.NeedResults != 0 {
			ret.Ifaces = append(ret.Ifaces, libvirt.Interface{Name: e.name, Mac: e.mac})
		}
	}
	return ret, nil
}

func (d *Driver) ConnectNumOfInterfaces(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfInterfacesRet, error) {
	return libvirt.ConnectNumOfInterfacesRet{Num: int32(len(d.names(true, -1)))}, nil
}

func (d *Driver) ConnectListInterfaces(ctx context.Context, a libvirt.ConnectListInterfacesArgs) (libvirt.ConnectListInterfacesRet, error) {
	return libvirt.ConnectListInterfacesRet{Names: d.names(true, int(a.Maxnames))}, nil
}

func (d *Driver) ConnectNumOfDefinedInterfaces(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDefinedInterfacesRet, error) {
	return libvirt.ConnectNumOfDefinedInterfacesRet{Num: int32(len(d.names(false, -1)))}, nil
}

func (d *Driver) ConnectListDefinedInterfaces(ctx context.Context, a libvirt.ConnectListDefinedInterfacesArgs) (libvirt.ConnectListDefinedInterfacesRet, error) {
	return libvirt.ConnectListDefinedInterfacesRet{Names: d.names(false, int(a.Maxnames))}, nil
}

func (d *Driver) InterfaceLookupByName(ctx context.Context, a libvirt.InterfaceLookupByNameArgs) (libvirt.InterfaceLookupByNameRet, error) {
	e, err := d.entry(a.Name)
	return libvirt.InterfaceLookupByNameRet{Iface: libvirt.Interface{Name: e.name, Mac: e.mac}}, err
}

func (d *Driver) InterfaceLookupByMACString(ctx context.Context, a libvirt.InterfaceLookupByMacStringArgs) (libvirt.InterfaceLookupByMacStringRet, error) {
	var found []entry
	for _, e := range d.entries() {
		if e.mac != "" && strings.EqualFold(e.mac, a.Mac) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return libvirt.InterfaceLookupByMacStringRet{}, errNoMAC(a.Mac)
	case 1:
		return libvirt.InterfaceLookupByMacStringRet{Iface: libvirt.Interface{Name: found[0].name, Mac: found[0].mac}}, nil
	}
	return libvirt.InterfaceLookupByMacStringRet{}, errManyMAC(a.Mac)
}

func (d *Driver) InterfaceGetXMLDesc(ctx context.Context, a libvirt.InterfaceGetXMLDescArgs) (libvirt.InterfaceGetXMLDescRet, error) {
	if err := checkFlags(a.Flags, xmlInactive, "udevInterfaceGetXMLDesc"); err != nil {
		return libvirt.InterfaceGetXMLDescRet{}, err
	}
	def, defined := d.defs.get(a.Iface.Name)
	l, present := d.links.get(a.Iface.Name)
	switch {
	case present && !(defined && a.Flags&xmlInactive != 0):
		live, err := d.describe(l)
		if err != nil {
			return libvirt.InterfaceGetXMLDescRet{}, err
		}
		x, err := xmlstyle.Marshal(live)
		return libvirt.InterfaceGetXMLDescRet{XML: x}, err
	case defined:
		x, err := xmlstyle.Marshal(def)
		return libvirt.InterfaceGetXMLDescRet{XML: x}, err
	}
	return libvirt.InterfaceGetXMLDescRet{}, errNoInterface(a.Iface.Name)
}

func (d *Driver) InterfaceIsActive(ctx context.Context, a libvirt.InterfaceIsActiveArgs) (libvirt.InterfaceIsActiveRet, error) {
	e, err := d.entry(a.Iface.Name)
	ret := libvirt.InterfaceIsActiveRet{}
	if e.active {
		ret.Active = 1
	}
	return ret, err
}

func (d *Driver) InterfaceDefineXML(ctx context.Context, a libvirt.InterfaceDefineXMLArgs) (libvirt.InterfaceDefineXMLRet, error) {
	if err := checkFlags(a.Flags, defineValidate, "udevInterfaceDefineXML"); err != nil {
		return libvirt.InterfaceDefineXMLRet{}, err
	}
	def, err := parseDefinition(a.XML)
	if err != nil {
		return libvirt.InterfaceDefineXMLRet{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.defs.put(def); err != nil {
		return libvirt.InterfaceDefineXMLRet{}, err
	}
	d.log.Info("interface defined", "interface", def.Name)
	e, _ := d.entry(def.Name)
	return libvirt.InterfaceDefineXMLRet{Iface: libvirt.Interface{Name: e.name, Mac: e.mac}}, nil
}

func (d *Driver) InterfaceUndefine(ctx context.Context, a libvirt.InterfaceUndefineArgs) (struct{}, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.entry(a.Iface.Name); err != nil {
		return struct{}{}, err
	}
	if _, defined := d.defs.get(a.Iface.Name); !defined {
		return struct{}{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromInterface, "cannot undefine transient interface '%s'", a.Iface.Name)
	}
	if err := d.defs.remove(a.Iface.Name); err != nil {
		return struct{}{}, err
	}
	d.log.Info("interface undefined", "interface", a.Iface.Name)
	return struct{}{}, nil
}

// InterfaceCreate starts an interface: a defined one is applied; one that is only on the host
// is brought up.
func (d *Driver) InterfaceCreate(ctx context.Context, a libvirt.InterfaceCreateArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, FlagForce, "udevInterfaceCreate"); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e, err := d.entry(a.Iface.Name)
	if err != nil {
		return struct{}{}, err
	}
	if e.active {
		return struct{}{}, errState(e.name, "already active")
	}
	def, defined := d.defs.get(e.name)
	if !defined {
		if err := d.guard([]string{e.name}, "start", a.Flags); err != nil {
			return struct{}{}, err
		}
		l, _ := d.links.get(e.name)
		defer d.links.refreshName(e.name)
		if err := d.nl.LinkSetUp(l); err != nil {
			return struct{}{}, linkError(err, "cannot bring up interface '%s'", e.name)
		}
		return struct{}{}, nil
	}
	if err := d.guard(involved(def, false), "start", a.Flags); err != nil {
		return struct{}{}, err
	}
	if err := d.start(def); err != nil {
		return struct{}{}, err
	}
	d.log.Info("interface started", "interface", e.name)
	return struct{}{}, nil
}

func (d *Driver) InterfaceDestroy(ctx context.Context, a libvirt.InterfaceDestroyArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, FlagForce, "udevInterfaceDestroy"); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e, err := d.entry(a.Iface.Name)
	if err != nil {
		return struct{}{}, err
	}
	if !e.active {
		return struct{}{}, errState(e.name, "not active")
	}
	if err := d.guard([]string{e.name}, "stop", a.Flags); err != nil {
		return struct{}{}, err
	}
	if err := d.stop(e.name); err != nil {
		return struct{}{}, err
	}
	d.log.Info("interface stopped", "interface", e.name)
	return struct{}{}, nil
}

func (d *Driver) InterfaceChangeBegin(ctx context.Context, a libvirt.InterfaceChangeBeginArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "udevInterfaceChangeBegin"); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return struct{}{}, d.begin()
}

func (d *Driver) InterfaceChangeCommit(ctx context.Context, a libvirt.InterfaceChangeCommitArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "udevInterfaceChangeCommit"); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return struct{}{}, d.commit()
}

func (d *Driver) InterfaceChangeRollback(ctx context.Context, a libvirt.InterfaceChangeRollbackArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, FlagForce, "udevInterfaceChangeRollback"); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return struct{}{}, d.rollback(a.Flags)
}
