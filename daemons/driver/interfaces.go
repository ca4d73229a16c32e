package driver

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Interfaces is a driver of the host's network interfaces (libvirt's
// virInterfaceDriver).
type Interfaces interface {
	// Lookups and lists.
	ConnectListAllInterfaces(ctx context.Context, a libvirt.ConnectListAllInterfacesArgs) (libvirt.ConnectListAllInterfacesRet, error)
	ConnectNumOfInterfaces(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfInterfacesRet, error)
	ConnectListInterfaces(ctx context.Context, a libvirt.ConnectListInterfacesArgs) (libvirt.ConnectListInterfacesRet, error)
	ConnectNumOfDefinedInterfaces(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDefinedInterfacesRet, error)
	ConnectListDefinedInterfaces(ctx context.Context, a libvirt.ConnectListDefinedInterfacesArgs) (libvirt.ConnectListDefinedInterfacesRet, error)
	InterfaceLookupByName(ctx context.Context, a libvirt.InterfaceLookupByNameArgs) (libvirt.InterfaceLookupByNameRet, error)
	InterfaceLookupByMACString(ctx context.Context, a libvirt.InterfaceLookupByMacStringArgs) (libvirt.InterfaceLookupByMacStringRet, error)

	// State and description.
	InterfaceGetXMLDesc(ctx context.Context, a libvirt.InterfaceGetXMLDescArgs) (libvirt.InterfaceGetXMLDescRet, error)
	InterfaceIsActive(ctx context.Context, a libvirt.InterfaceIsActiveArgs) (libvirt.InterfaceIsActiveRet, error)

	// Definitions, life cycle and transactions.
	InterfaceDefineXML(ctx context.Context, a libvirt.InterfaceDefineXMLArgs) (libvirt.InterfaceDefineXMLRet, error)
	InterfaceUndefine(ctx context.Context, a libvirt.InterfaceUndefineArgs) (struct{}, error)
	InterfaceCreate(ctx context.Context, a libvirt.InterfaceCreateArgs) (struct{}, error)
	InterfaceDestroy(ctx context.Context, a libvirt.InterfaceDestroyArgs) (struct{}, error)
	InterfaceChangeBegin(ctx context.Context, a libvirt.InterfaceChangeBeginArgs) (struct{}, error)
	InterfaceChangeCommit(ctx context.Context, a libvirt.InterfaceChangeCommitArgs) (struct{}, error)
	InterfaceChangeRollback(ctx context.Context, a libvirt.InterfaceChangeRollbackArgs) (struct{}, error)
}
