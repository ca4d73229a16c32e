package remote

import (
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// storageProcedures are the storage pool and volume calls, each passed to the storage
// driver. Those libvirt refuses on read-only connections (virCheckReadOnly in
// libvirt-storage.c) lack ReadOnly; vol-download is among them, since it reads a
// guest's disk.
func storageProcedures(d driver.Storage, hub *rpc.Hub) []rpc.Procedure {
	ro, inline := rpc.ReadOnly, rpc.Inline
	return append([]rpc.Procedure{
		rpc.Handle(ConnectNumOfStoragePools, d.ConnectNumOfStoragePools, ro, inline),
		rpc.Handle(ConnectListStoragePools, d.ConnectListStoragePools, ro, inline),
		rpc.Handle(ConnectNumOfDefinedStoragePools, d.ConnectNumOfDefinedStoragePools, ro, inline),
		rpc.Handle(ConnectListDefinedStoragePools, d.ConnectListDefinedStoragePools, ro, inline),
		rpc.Handle(ConnectListAllStoragePools, d.ConnectListAllStoragePools, ro, inline),
		rpc.Handle(ConnectFindStoragePoolSources, d.ConnectFindStoragePoolSources),
		rpc.Handle(ConnectGetStoragePoolCapabilities, d.ConnectGetStoragePoolCapabilities, ro, inline),
		rpc.Handle(StoragePoolLookupByName, d.StoragePoolLookupByName, ro, inline),
		rpc.Handle(StoragePoolLookupByUUID, d.StoragePoolLookupByUUID, ro, inline),
		rpc.Handle(StoragePoolLookupByVolume, d.StoragePoolLookupByVolume, ro, inline),
		rpc.Handle(StoragePoolLookupByTargetPath, d.StoragePoolLookupByTargetPath, ro, inline),

		rpc.Handle(StoragePoolDefineXML, d.StoragePoolDefineXML),
		rpc.Handle(StoragePoolCreateXML, d.StoragePoolCreateXML),
		rpc.Handle(StoragePoolBuild, d.StoragePoolBuild),
		rpc.Handle(StoragePoolCreate, d.StoragePoolCreate),
		rpc.Handle(StoragePoolDestroy, d.StoragePoolDestroy),
		rpc.Handle(StoragePoolDelete, d.StoragePoolDelete),
		rpc.Handle(StoragePoolUndefine, d.StoragePoolUndefine),
		rpc.Handle(StoragePoolRefresh, d.StoragePoolRefresh),
		rpc.Handle(StoragePoolSetAutostart, d.StoragePoolSetAutostart),

		rpc.Handle(StoragePoolGetInfo, d.StoragePoolGetInfo, ro, inline),
		rpc.Handle(StoragePoolGetXMLDesc, d.StoragePoolGetXMLDesc, ro, inline),
		rpc.Handle(StoragePoolGetAutostart, d.StoragePoolGetAutostart, ro, inline),
		rpc.Handle(StoragePoolIsActive, d.StoragePoolIsActive, ro, inline),
		rpc.Handle(StoragePoolIsPersistent, d.StoragePoolIsPersistent, ro, inline),

		rpc.Handle(StoragePoolNumOfVolumes, d.StoragePoolNumOfVolumes, ro, inline),
		rpc.Handle(StoragePoolListVolumes, d.StoragePoolListVolumes, ro, inline),
		rpc.Handle(StoragePoolListAllVolumes, d.StoragePoolListAllVolumes, ro, inline),
		rpc.Handle(StorageVolLookupByName, d.StorageVolLookupByName, ro, inline),
		rpc.Handle(StorageVolLookupByKey, d.StorageVolLookupByKey, ro, inline),
		rpc.Handle(StorageVolLookupByPath, d.StorageVolLookupByPath, ro, inline),

		rpc.Handle(StorageVolCreateXML, d.StorageVolCreateXML),
		rpc.Handle(StorageVolCreateXMLFrom, d.StorageVolCreateXMLFrom),
		rpc.Handle(StorageVolDelete, d.StorageVolDelete),
		rpc.Handle(StorageVolWipe, d.StorageVolWipe),
		rpc.Handle(StorageVolWipePattern, d.StorageVolWipePattern),
		rpc.Handle(StorageVolResize, d.StorageVolResize),

		// GetInfo and GetXMLDesc stat the file again: not from memory alone.
		rpc.Handle(StorageVolGetInfo, d.StorageVolGetInfo, ro),
		rpc.Handle(StorageVolGetInfoFlags, d.StorageVolGetInfoFlags, ro),
		rpc.Handle(StorageVolGetXMLDesc, d.StorageVolGetXMLDesc, ro),
		rpc.Handle(StorageVolGetPath, d.StorageVolGetPath, ro, inline),

		rpc.Handle(StorageVolUpload, d.StorageVolUpload),
		rpc.Handle(StorageVolDownload, d.StorageVolDownload),
	}, StoragePoolEventProcedures(hub)...)
}
