package forward

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
)

// StoragePools is driver.StoragePools over a Client to virtstoraged: each method is
// the REMOTE procedure of its name. The volume streams (upload, download) are not
// here: virtqemud relays those for its RPC clients (passStream), and the D-Bus API
// has no calls that carry them.
type StoragePools struct{ *Client }

var _ driver.StoragePools = StoragePools{}

func (c StoragePools) ConnectNumOfStoragePools(ctx context.Context, a struct{}) (libvirt.ConnectNumOfStoragePoolsRet, error) {
	return call[libvirt.ConnectNumOfStoragePoolsRet](ctx, c.Client, remote.ConnectNumOfStoragePools, a)
}

func (c StoragePools) ConnectListStoragePools(ctx context.Context, a libvirt.ConnectListStoragePoolsArgs) (libvirt.ConnectListStoragePoolsRet, error) {
	return call[libvirt.ConnectListStoragePoolsRet](ctx, c.Client, remote.ConnectListStoragePools, a)
}

func (c StoragePools) ConnectNumOfDefinedStoragePools(ctx context.Context, a struct{}) (libvirt.ConnectNumOfDefinedStoragePoolsRet, error) {
	return call[libvirt.ConnectNumOfDefinedStoragePoolsRet](ctx, c.Client, remote.ConnectNumOfDefinedStoragePools, a)
}

func (c StoragePools) ConnectListDefinedStoragePools(ctx context.Context, a libvirt.ConnectListDefinedStoragePoolsArgs) (libvirt.ConnectListDefinedStoragePoolsRet, error) {
	return call[libvirt.ConnectListDefinedStoragePoolsRet](ctx, c.Client, remote.ConnectListDefinedStoragePools, a)
}

func (c StoragePools) ConnectListAllStoragePools(ctx context.Context, a libvirt.ConnectListAllStoragePoolsArgs) (libvirt.ConnectListAllStoragePoolsRet, error) {
	return call[libvirt.ConnectListAllStoragePoolsRet](ctx, c.Client, remote.ConnectListAllStoragePools, a)
}

func (c StoragePools) ConnectFindStoragePoolSources(ctx context.Context, a libvirt.ConnectFindStoragePoolSourcesArgs) (libvirt.ConnectFindStoragePoolSourcesRet, error) {
	return call[libvirt.ConnectFindStoragePoolSourcesRet](ctx, c.Client, remote.ConnectFindStoragePoolSources, a)
}

func (c StoragePools) ConnectGetStoragePoolCapabilities(ctx context.Context, a libvirt.ConnectGetStoragePoolCapabilitiesArgs) (libvirt.ConnectGetStoragePoolCapabilitiesRet, error) {
	return call[libvirt.ConnectGetStoragePoolCapabilitiesRet](ctx, c.Client, remote.ConnectGetStoragePoolCapabilities, a)
}

func (c StoragePools) StoragePoolLookupByName(ctx context.Context, a libvirt.StoragePoolLookupByNameArgs) (libvirt.StoragePoolLookupByNameRet, error) {
	return call[libvirt.StoragePoolLookupByNameRet](ctx, c.Client, remote.StoragePoolLookupByName, a)
}

func (c StoragePools) StoragePoolLookupByUUID(ctx context.Context, a libvirt.StoragePoolLookupByUUIDArgs) (libvirt.StoragePoolLookupByUUIDRet, error) {
	return call[libvirt.StoragePoolLookupByUUIDRet](ctx, c.Client, remote.StoragePoolLookupByUUID, a)
}

func (c StoragePools) StoragePoolLookupByVolume(ctx context.Context, a libvirt.StoragePoolLookupByVolumeArgs) (libvirt.StoragePoolLookupByVolumeRet, error) {
	return call[libvirt.StoragePoolLookupByVolumeRet](ctx, c.Client, remote.StoragePoolLookupByVolume, a)
}

func (c StoragePools) StoragePoolLookupByTargetPath(ctx context.Context, a libvirt.StoragePoolLookupByTargetPathArgs) (libvirt.StoragePoolLookupByTargetPathRet, error) {
	return call[libvirt.StoragePoolLookupByTargetPathRet](ctx, c.Client, remote.StoragePoolLookupByTargetPath, a)
}

func (c StoragePools) StoragePoolDefineXML(ctx context.Context, a libvirt.StoragePoolDefineXMLArgs) (libvirt.StoragePoolDefineXMLRet, error) {
	return call[libvirt.StoragePoolDefineXMLRet](ctx, c.Client, remote.StoragePoolDefineXML, a)
}

func (c StoragePools) StoragePoolCreateXML(ctx context.Context, a libvirt.StoragePoolCreateXMLArgs) (libvirt.StoragePoolCreateXMLRet, error) {
	return call[libvirt.StoragePoolCreateXMLRet](ctx, c.Client, remote.StoragePoolCreateXML, a)
}

func (c StoragePools) StoragePoolBuild(ctx context.Context, a libvirt.StoragePoolBuildArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StoragePoolBuild, a)
}

func (c StoragePools) StoragePoolCreate(ctx context.Context, a libvirt.StoragePoolCreateArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StoragePoolCreate, a)
}

func (c StoragePools) StoragePoolDestroy(ctx context.Context, a libvirt.StoragePoolDestroyArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StoragePoolDestroy, a)
}

func (c StoragePools) StoragePoolDelete(ctx context.Context, a libvirt.StoragePoolDeleteArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StoragePoolDelete, a)
}

func (c StoragePools) StoragePoolUndefine(ctx context.Context, a libvirt.StoragePoolUndefineArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StoragePoolUndefine, a)
}

func (c StoragePools) StoragePoolRefresh(ctx context.Context, a libvirt.StoragePoolRefreshArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StoragePoolRefresh, a)
}

func (c StoragePools) StoragePoolSetAutostart(ctx context.Context, a libvirt.StoragePoolSetAutostartArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StoragePoolSetAutostart, a)
}

func (c StoragePools) StoragePoolGetInfo(ctx context.Context, a libvirt.StoragePoolGetInfoArgs) (libvirt.StoragePoolGetInfoRet, error) {
	return call[libvirt.StoragePoolGetInfoRet](ctx, c.Client, remote.StoragePoolGetInfo, a)
}

func (c StoragePools) StoragePoolGetXMLDesc(ctx context.Context, a libvirt.StoragePoolGetXMLDescArgs) (libvirt.StoragePoolGetXMLDescRet, error) {
	return call[libvirt.StoragePoolGetXMLDescRet](ctx, c.Client, remote.StoragePoolGetXMLDesc, a)
}

func (c StoragePools) StoragePoolGetAutostart(ctx context.Context, a libvirt.StoragePoolGetAutostartArgs) (libvirt.StoragePoolGetAutostartRet, error) {
	return call[libvirt.StoragePoolGetAutostartRet](ctx, c.Client, remote.StoragePoolGetAutostart, a)
}

func (c StoragePools) StoragePoolIsActive(ctx context.Context, a libvirt.StoragePoolIsActiveArgs) (libvirt.StoragePoolIsActiveRet, error) {
	return call[libvirt.StoragePoolIsActiveRet](ctx, c.Client, remote.StoragePoolIsActive, a)
}

func (c StoragePools) StoragePoolIsPersistent(ctx context.Context, a libvirt.StoragePoolIsPersistentArgs) (libvirt.StoragePoolIsPersistentRet, error) {
	return call[libvirt.StoragePoolIsPersistentRet](ctx, c.Client, remote.StoragePoolIsPersistent, a)
}

func (c StoragePools) StoragePoolNumOfVolumes(ctx context.Context, a libvirt.StoragePoolNumOfVolumesArgs) (libvirt.StoragePoolNumOfVolumesRet, error) {
	return call[libvirt.StoragePoolNumOfVolumesRet](ctx, c.Client, remote.StoragePoolNumOfVolumes, a)
}

func (c StoragePools) StoragePoolListVolumes(ctx context.Context, a libvirt.StoragePoolListVolumesArgs) (libvirt.StoragePoolListVolumesRet, error) {
	return call[libvirt.StoragePoolListVolumesRet](ctx, c.Client, remote.StoragePoolListVolumes, a)
}

func (c StoragePools) StoragePoolListAllVolumes(ctx context.Context, a libvirt.StoragePoolListAllVolumesArgs) (libvirt.StoragePoolListAllVolumesRet, error) {
	return call[libvirt.StoragePoolListAllVolumesRet](ctx, c.Client, remote.StoragePoolListAllVolumes, a)
}

func (c StoragePools) StorageVolLookupByName(ctx context.Context, a libvirt.StorageVolLookupByNameArgs) (libvirt.StorageVolLookupByNameRet, error) {
	return call[libvirt.StorageVolLookupByNameRet](ctx, c.Client, remote.StorageVolLookupByName, a)
}

func (c StoragePools) StorageVolLookupByKey(ctx context.Context, a libvirt.StorageVolLookupByKeyArgs) (libvirt.StorageVolLookupByKeyRet, error) {
	return call[libvirt.StorageVolLookupByKeyRet](ctx, c.Client, remote.StorageVolLookupByKey, a)
}

func (c StoragePools) StorageVolLookupByPath(ctx context.Context, a libvirt.StorageVolLookupByPathArgs) (libvirt.StorageVolLookupByPathRet, error) {
	return call[libvirt.StorageVolLookupByPathRet](ctx, c.Client, remote.StorageVolLookupByPath, a)
}

func (c StoragePools) StorageVolCreateXML(ctx context.Context, a libvirt.StorageVolCreateXMLArgs) (libvirt.StorageVolCreateXMLRet, error) {
	return call[libvirt.StorageVolCreateXMLRet](ctx, c.Client, remote.StorageVolCreateXML, a)
}

func (c StoragePools) StorageVolCreateXMLFrom(ctx context.Context, a libvirt.StorageVolCreateXMLFromArgs) (libvirt.StorageVolCreateXMLFromRet, error) {
	return call[libvirt.StorageVolCreateXMLFromRet](ctx, c.Client, remote.StorageVolCreateXMLFrom, a)
}

func (c StoragePools) StorageVolDelete(ctx context.Context, a libvirt.StorageVolDeleteArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StorageVolDelete, a)
}

func (c StoragePools) StorageVolWipe(ctx context.Context, a libvirt.StorageVolWipeArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StorageVolWipe, a)
}

func (c StoragePools) StorageVolWipePattern(ctx context.Context, a libvirt.StorageVolWipePatternArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StorageVolWipePattern, a)
}

func (c StoragePools) StorageVolResize(ctx context.Context, a libvirt.StorageVolResizeArgs) (struct{}, error) {
	return call[struct{}](ctx, c.Client, remote.StorageVolResize, a)
}

func (c StoragePools) StorageVolGetInfo(ctx context.Context, a libvirt.StorageVolGetInfoArgs) (libvirt.StorageVolGetInfoRet, error) {
	return call[libvirt.StorageVolGetInfoRet](ctx, c.Client, remote.StorageVolGetInfo, a)
}

func (c StoragePools) StorageVolGetInfoFlags(ctx context.Context, a libvirt.StorageVolGetInfoFlagsArgs) (libvirt.StorageVolGetInfoFlagsRet, error) {
	return call[libvirt.StorageVolGetInfoFlagsRet](ctx, c.Client, remote.StorageVolGetInfoFlags, a)
}

func (c StoragePools) StorageVolGetXMLDesc(ctx context.Context, a libvirt.StorageVolGetXMLDescArgs) (libvirt.StorageVolGetXMLDescRet, error) {
	return call[libvirt.StorageVolGetXMLDescRet](ctx, c.Client, remote.StorageVolGetXMLDesc, a)
}

func (c StoragePools) StorageVolGetPath(ctx context.Context, a libvirt.StorageVolGetPathArgs) (libvirt.StorageVolGetPathRet, error) {
	return call[libvirt.StorageVolGetPathRet](ctx, c.Client, remote.StorageVolGetPath, a)
}
