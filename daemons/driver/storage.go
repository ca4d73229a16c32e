package driver

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Storage is a driver of storage pools and their volumes (libvirt's virStorageDriver):
// every call virsh pool-* and vol-*, virt-install and virt-manager make. Pool events
// go out on the Env's event hub.
type Storage interface {
	StoragePools
	VolumeStreams
}

// StoragePools are the storage driver's calls that carry no data stream: all a front
// end without streams (the D-Bus API) needs, and what a typed client of another
// daemon's storage driver can offer.
type StoragePools interface {
	// Pools: lookups and lists.
	ConnectNumOfStoragePools(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfStoragePoolsRet, error)
	ConnectListStoragePools(ctx context.Context, a libvirt.ConnectListStoragePoolsArgs) (libvirt.ConnectListStoragePoolsRet, error)
	ConnectNumOfDefinedStoragePools(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDefinedStoragePoolsRet, error)
	ConnectListDefinedStoragePools(ctx context.Context, a libvirt.ConnectListDefinedStoragePoolsArgs) (libvirt.ConnectListDefinedStoragePoolsRet, error)
	ConnectListAllStoragePools(ctx context.Context, a libvirt.ConnectListAllStoragePoolsArgs) (libvirt.ConnectListAllStoragePoolsRet, error)
	ConnectFindStoragePoolSources(ctx context.Context, a libvirt.ConnectFindStoragePoolSourcesArgs) (libvirt.ConnectFindStoragePoolSourcesRet, error)
	ConnectGetStoragePoolCapabilities(ctx context.Context, a libvirt.ConnectGetStoragePoolCapabilitiesArgs) (libvirt.ConnectGetStoragePoolCapabilitiesRet, error)
	StoragePoolLookupByName(ctx context.Context, a libvirt.StoragePoolLookupByNameArgs) (libvirt.StoragePoolLookupByNameRet, error)
	StoragePoolLookupByUUID(ctx context.Context, a libvirt.StoragePoolLookupByUUIDArgs) (libvirt.StoragePoolLookupByUUIDRet, error)
	StoragePoolLookupByVolume(ctx context.Context, a libvirt.StoragePoolLookupByVolumeArgs) (libvirt.StoragePoolLookupByVolumeRet, error)
	StoragePoolLookupByTargetPath(ctx context.Context, a libvirt.StoragePoolLookupByTargetPathArgs) (libvirt.StoragePoolLookupByTargetPathRet, error)

	// Pools: definitions and life cycle.
	StoragePoolDefineXML(ctx context.Context, a libvirt.StoragePoolDefineXMLArgs) (libvirt.StoragePoolDefineXMLRet, error)
	StoragePoolCreateXML(ctx context.Context, a libvirt.StoragePoolCreateXMLArgs) (libvirt.StoragePoolCreateXMLRet, error)
	StoragePoolBuild(ctx context.Context, a libvirt.StoragePoolBuildArgs) (struct{}, error)
	StoragePoolCreate(ctx context.Context, a libvirt.StoragePoolCreateArgs) (struct{}, error)
	StoragePoolDestroy(ctx context.Context, a libvirt.StoragePoolDestroyArgs) (struct{}, error)
	StoragePoolDelete(ctx context.Context, a libvirt.StoragePoolDeleteArgs) (struct{}, error)
	StoragePoolUndefine(ctx context.Context, a libvirt.StoragePoolUndefineArgs) (struct{}, error)
	StoragePoolRefresh(ctx context.Context, a libvirt.StoragePoolRefreshArgs) (struct{}, error)
	StoragePoolSetAutostart(ctx context.Context, a libvirt.StoragePoolSetAutostartArgs) (struct{}, error)

	// Pools: state and description.
	StoragePoolGetInfo(ctx context.Context, a libvirt.StoragePoolGetInfoArgs) (libvirt.StoragePoolGetInfoRet, error)
	StoragePoolGetXMLDesc(ctx context.Context, a libvirt.StoragePoolGetXMLDescArgs) (libvirt.StoragePoolGetXMLDescRet, error)
	StoragePoolGetAutostart(ctx context.Context, a libvirt.StoragePoolGetAutostartArgs) (libvirt.StoragePoolGetAutostartRet, error)
	StoragePoolIsActive(ctx context.Context, a libvirt.StoragePoolIsActiveArgs) (libvirt.StoragePoolIsActiveRet, error)
	StoragePoolIsPersistent(ctx context.Context, a libvirt.StoragePoolIsPersistentArgs) (libvirt.StoragePoolIsPersistentRet, error)

	// Volumes: lists and lookups.
	StoragePoolNumOfVolumes(ctx context.Context, a libvirt.StoragePoolNumOfVolumesArgs) (libvirt.StoragePoolNumOfVolumesRet, error)
	StoragePoolListVolumes(ctx context.Context, a libvirt.StoragePoolListVolumesArgs) (libvirt.StoragePoolListVolumesRet, error)
	StoragePoolListAllVolumes(ctx context.Context, a libvirt.StoragePoolListAllVolumesArgs) (libvirt.StoragePoolListAllVolumesRet, error)
	StorageVolLookupByName(ctx context.Context, a libvirt.StorageVolLookupByNameArgs) (libvirt.StorageVolLookupByNameRet, error)
	StorageVolLookupByKey(ctx context.Context, a libvirt.StorageVolLookupByKeyArgs) (libvirt.StorageVolLookupByKeyRet, error)
	StorageVolLookupByPath(ctx context.Context, a libvirt.StorageVolLookupByPathArgs) (libvirt.StorageVolLookupByPathRet, error)

	// Volumes: creation, change and removal.
	StorageVolCreateXML(ctx context.Context, a libvirt.StorageVolCreateXMLArgs) (libvirt.StorageVolCreateXMLRet, error)
	StorageVolCreateXMLFrom(ctx context.Context, a libvirt.StorageVolCreateXMLFromArgs) (libvirt.StorageVolCreateXMLFromRet, error)
	StorageVolDelete(ctx context.Context, a libvirt.StorageVolDeleteArgs) (struct{}, error)
	StorageVolWipe(ctx context.Context, a libvirt.StorageVolWipeArgs) (struct{}, error)
	StorageVolWipePattern(ctx context.Context, a libvirt.StorageVolWipePatternArgs) (struct{}, error)
	StorageVolResize(ctx context.Context, a libvirt.StorageVolResizeArgs) (struct{}, error)

	// Volumes: state and description.
	StorageVolGetInfo(ctx context.Context, a libvirt.StorageVolGetInfoArgs) (libvirt.StorageVolGetInfoRet, error)
	StorageVolGetInfoFlags(ctx context.Context, a libvirt.StorageVolGetInfoFlagsArgs) (libvirt.StorageVolGetInfoFlagsRet, error)
	StorageVolGetXMLDesc(ctx context.Context, a libvirt.StorageVolGetXMLDescArgs) (libvirt.StorageVolGetXMLDescRet, error)
	StorageVolGetPath(ctx context.Context, a libvirt.StorageVolGetPathArgs) (libvirt.StorageVolGetPathRet, error)
}

// VolumeStreams carry a volume's bytes over the stream the call opened
// (rpc.OpenStream of ctx).
type VolumeStreams interface {
	StorageVolUpload(ctx context.Context, a libvirt.StorageVolUploadArgs) (struct{}, error)
	StorageVolDownload(ctx context.Context, a libvirt.StorageVolDownloadArgs) (struct{}, error)
}
