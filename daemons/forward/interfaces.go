package forward

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
)

// Interfaces is driver.Interfaces over a Client to virtinterfaced: each method is the
// REMOTE procedure of its name.
type Interfaces struct{ *Client }

var _ driver.Interfaces = Interfaces{}

func (c Interfaces) ConnectListAllInterfaces(ctx context.Context, a libvirt.ConnectListAllInterfacesArgs) (libvirt.ConnectListAllInterfacesRet, error) {
	return call[libvirt.ConnectListAllInterfacesRet](ctx, c.Client, remote.ConnectListAllInterfaces, a)
}

func (c Interfaces) ConnectNumOfInterfaces(ctx context.Context, a struct{}) (libvirt.ConnectNumOfInterfacesRet, error) {
	return call[libvirt.ConnectNumOfInterfacesRet](ctx, c.Client, remote.ConnectNumOfInterfaces, a)
}

func (c Interfaces) ConnectListInterfaces(ctx context.Context, a libvirt.ConnectListInterfacesArgs) (libvirt.ConnectListInterfacesRet, error) {
	return call[libvirt.ConnectListInterfacesRet](ctx, c.Client, remote.ConnectListInterfaces, a)
}

func (c Interfaces) ConnectNumOfDefinedInterfaces(ctx context.Context, a struct{}) (libvirt.ConnectNumOfDefinedInterfacesRet, error) {
	return call[libvirt.ConnectNumOfDefinedInterfacesRet](ctx, c.Client, remote.ConnectNumOfDefinedInterfaces, a)
}

func (c Interfaces) ConnectListDefinedInterfaces(ctx context.Context, a libvirt.ConnectListDefinedInterfacesArgs) (libvirt.ConnectListDefinedInterfacesRet, error) {
	return call[libvirt.ConnectListDefinedInterfacesRet](ctx, c.Client, remote.ConnectListDefinedInterfaces, a)
}

func (c Interfaces) InterfaceLookupByName(ctx context.Context, a libvirt.InterfaceLookupByNameArgs) (libvirt.InterfaceLookupByNameRet, error) {
	return call[libvirt.InterfaceLookupByNameRet](ctx, c.Client, remote.InterfaceLookupByName, a)
}

func (c Interfaces) InterfaceLookupByMACString(ctx context.Context, a libvirt.InterfaceLookupByMacStringArgs) (libvirt.InterfaceLookupByMacStringRet, error) {
	return call[libvirt.InterfaceLookupByMacStringRet](ctx, c.Client, remote.InterfaceLookupByMACString, a)
}

func (c Interfaces) InterfaceGetXMLDesc(ctx context.Context, a libvirt.InterfaceGetXMLDescArgs) (libvirt.InterfaceGetXMLDescRet, error) {
	return call[libvirt.InterfaceGetXMLDescRet](ctx, c.Client, remote.InterfaceGetXMLDesc, a)
}

func (c Interfaces) InterfaceIsActive(ctx context.Context, a libvirt.InterfaceIsActiveArgs) (libvirt.InterfaceIsActiveRet, error) {
	return call[libvirt.InterfaceIsActiveRet](ctx, c.Client, remote.InterfaceIsActive, a)
}

func (c Interfaces) InterfaceDefineXML(ctx context.Context, a libvirt.InterfaceDefineXMLArgs) (libvirt.InterfaceDefineXMLRet, error) {
	return call[libvirt.InterfaceDefineXMLRet](ctx, c.Client, remote.InterfaceDefineXML, a)
}

func (c Interfaces) InterfaceUndefine(ctx context.Context, a libvirt.InterfaceUndefineArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.InterfaceUndefine, a)
}

func (c Interfaces) InterfaceCreate(ctx context.Context, a libvirt.InterfaceCreateArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.InterfaceCreate, a)
}

func (c Interfaces) InterfaceDestroy(ctx context.Context, a libvirt.InterfaceDestroyArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.InterfaceDestroy, a)
}

func (c Interfaces) InterfaceChangeBegin(ctx context.Context, a libvirt.InterfaceChangeBeginArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.InterfaceChangeBegin, a)
}

func (c Interfaces) InterfaceChangeCommit(ctx context.Context, a libvirt.InterfaceChangeCommitArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.InterfaceChangeCommit, a)
}

func (c Interfaces) InterfaceChangeRollback(ctx context.Context, a libvirt.InterfaceChangeRollbackArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.InterfaceChangeRollback, a)
}
