package spec

// StoragePool is org.libvirt.StoragePool, on CONNECT/storagepool/_UUID.
var StoragePool = &Interface{
	Name: "org.libvirt.StoragePool", Page: "storage", EmitsChanged: "false",
	Properties: []Property{
		prop("Active", "b", "virStoragePoolIsActive"),
		rwprop("Autostart", "b", "virStoragePoolGetAutostart", note(link("storage", "virStoragePoolSetAutostart"))),
		constProp("Name", "s", "virStoragePoolGetName"),
		prop("Persistent", "b", "virStoragePoolIsPersistent"),
		constProp("UUID", "s", "virStoragePoolGetUUIDString"),
	},
	Methods: []Method{
		method("Build", "flags u", "", "virStoragePoolBuild"),
		method("Create", "flags u", "", "virStoragePoolCreate"),
		method("Delete", "flags u", "", "virStoragePoolDelete"),
		method("Destroy", "", "", "virStoragePoolDestroy"),
		method("GetInfo", "", "info (ittt)", "virStoragePoolGetInfo"),
		method("GetXMLDesc", "flags u", "xml s", "virStoragePoolGetXMLDesc"),
		method("ListStorageVolumes", "flags u", "storageVols ao", "virStoragePoolListAllVolumes"),
		method("Refresh", "flags u", "", "virStoragePoolRefresh"),
		method("StorageVolCreateXML", "xml s, flags u", "storageVol o", "virStorageVolCreateXML"),
		method("StorageVolCreateXMLFrom", "xml s, key s, flags u", "storageVol o", "virStorageVolCreateXMLFrom", note("Call with @key argument set to the key of the storage volume to be cloned.")),
		method("StorageVolLookupByName", "name s", "storageVol o", "virStorageVolLookupByName"),
		method("Undefine", "", "", "virStoragePoolUndefine"),
	},
	Signals: []Signal{
		signal("Refresh", "", "virConnectStoragePoolEventGenericCallback"),
	},
}

// StorageVol is org.libvirt.StorageVol, on CONNECT/storagevol/KEY.
var StorageVol = &Interface{
	Name: "org.libvirt.StorageVol", Page: "storage",
	Properties: []Property{
		constProp("Name", "s", "virStorageVolGetName"),
		constProp("Key", "s", "virStorageVolGetKey"),
		constProp("Path", "s", "virStorageVolGetPath"),
	},
	Methods: []Method{
		method("Delete", "flags u", "", "virStorageVolDelete"),
		method("GetInfo", "flags u", "info (itt)", "virStorageVolGetInfoFlags"),
		method("GetXMLDesc", "flags u", "xml s", "virStorageVolGetXMLDesc"),
		method("Resize", "capacity t, flags u", "", "virStorageVolResize"),
		method("Wipe", "pattern u, flags u", "", "virStorageVolWipePattern"),
	},
}
