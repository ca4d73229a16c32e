package spec

// Network is org.libvirt.Network, on CONNECT/network/_UUID.
var Network = &Interface{
	Name: "org.libvirt.Network", Page: "network", EmitsChanged: "false",
	Properties: []Property{
		prop("Active", "b", "virNetworkIsActive"),
		rwprop("Autostart", "b", "virNetworkGetAutostart", note("and "+link("network", "virNetworkSetAutostart"))),
		constProp("Name", "s", "virNetworkGetName"),
		prop("Persistent", "b", "virNetworkIsPersistent"),
		constProp("UUID", "s", "virNetworkGetUUIDString"),
	},
	Methods: []Method{
		method("Create", "", "", "virNetworkCreate"),
		method("Destroy", "", "", "virNetworkDestroy"),
		method("GetDHCPLeases", "mac s, flags u", "leases a(sxisssuss)", "virNetworkGetDHCPLeases", note("Empty string can be used to pass a NULL as @mac argument. Empty string will be returned in output for NULL variables.")),
		method("GetXMLDesc", "flags u", "xml s", "virNetworkGetXMLDesc"),
		method("Undefine", "", "", "virNetworkUndefine"),
		method("Update", "command u, section u, parentIndex i, xml s, flags u", "", "virNetworkUpdate"),
	},
}

// HostInterface is org.libvirt.Interface (a host network interface), on
// CONNECT/interface/MAC.
var HostInterface = &Interface{
	Name: "org.libvirt.Interface", Page: "interface", EmitsChanged: "false",
	Properties: []Property{
		prop("Active", "b", "virInterfaceIsActive"),
		constProp("MAC", "s", "virInterfaceGetMACString"),
		constProp("Name", "s", "virInterfaceGetName"),
	},
	Methods: []Method{
		method("Create", "flags u", "", "virInterfaceCreate"),
		method("Destroy", "flags u", "", "virInterfaceDestroy"),
		method("GetXMLDesc", "flags u", "xml s", "virInterfaceGetXMLDesc"),
		method("Undefine", "", "", "virInterfaceUndefine"),
	},
}

// NodeDevice is org.libvirt.NodeDevice, on CONNECT/nodedev/NAME.
var NodeDevice = &Interface{
	Name: "org.libvirt.NodeDevice", Page: "nodedev",
	Properties: []Property{
		constProp("Name", "s", "virNodeDeviceGetName"),
		constProp("Parent", "s", "virNodeDeviceGetParent"),
	},
	Methods: []Method{
		method("Destroy", "", "", "virNodeDeviceDestroy"),
		method("Detach", "driverName s, flags u", "", "virNodeDeviceDetachFlags"),
		method("GetXMLDesc", "flags u", "xml s", "virNodeDeviceGetXMLDesc"),
		method("ListCaps", "", "names as", "virNodeDeviceListCaps"),
		method("ReAttach", "", "", "virNodeDeviceReAttach"),
		method("Reset", "", "", "virNodeDeviceReset"),
	},
}

// NWFilter is org.libvirt.NWFilter, on CONNECT/nwfilter/_UUID.
var NWFilter = &Interface{
	Name: "org.libvirt.NWFilter", Page: "nwfilter",
	Properties: []Property{
		constProp("Name", "s", "virNWFilterGetName"),
		constProp("UUID", "s", "virNWFilterGetUUIDString"),
	},
	Methods: []Method{
		method("GetXMLDesc", "flags u", "xml s", "virNWFilterGetXMLDesc"),
		method("Undefine", "", "", "virNWFilterUndefine"),
	},
}

// Secret is org.libvirt.Secret, on CONNECT/secret/_UUID.
var Secret = &Interface{
	Name: "org.libvirt.Secret", Page: "secret",
	Properties: []Property{
		constProp("UUID", "s", "virSecretGetUUIDString"),
		constProp("UsageID", "s", "virSecretGetUsageID"),
		constProp("UsageType", "i", "virSecretGetUsageType"),
	},
	Methods: []Method{
		method("GetValue", "flags u", "value ay", "virSecretGetValue"),
		method("GetXMLDesc", "flags u", "xml s", "virSecretGetXMLDesc"),
		method("SetValue", "value ay, flags u", "", "virSecretSetValue"),
		method("Undefine", "", "", "virSecretUndefine"),
	},
}
