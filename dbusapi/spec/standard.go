package spec

// The freedesktop.org interfaces every object answers, as GDBus declares them, and
// the object manager virtunit adds on the connection object.
var (
	Properties = &Interface{
		Name: "org.freedesktop.DBus.Properties",
		Methods: []Method{
			method("Get", "interface_name s, property_name s", "value v", ""),
			method("GetAll", "interface_name s", "properties a{sv}", ""),
			method("Set", "interface_name s, property_name s, value v", "", ""),
		},
		Signals: []Signal{
			signal("PropertiesChanged", "interface_name s, changed_properties a{sv}, invalidated_properties as", ""),
		},
	}
	Introspectable = &Interface{
		Name:    "org.freedesktop.DBus.Introspectable",
		Methods: []Method{method("Introspect", "", "xml_data s", "")},
	}
	Peer = &Interface{
		Name: "org.freedesktop.DBus.Peer",
		Methods: []Method{
			method("Ping", "", "", ""),
			method("GetMachineId", "", "machine_uuid s", ""),
		},
	}
	ObjectManager = &Interface{
		Name: "org.freedesktop.DBus.ObjectManager",
		Methods: []Method{
			method("GetManagedObjects", "", "object_paths_interfaces_and_properties a{oa{sa{sv}}}", ""),
		},
		Signals: []Signal{
			signal("InterfacesAdded", "object_path o, interfaces_and_properties a{sa{sv}}", ""),
			signal("InterfacesRemoved", "object_path o, interfaces as", ""),
		},
	}
)

// Standard are the interfaces every object has.
var Standard = []*Interface{Properties, Introspectable, Peer}
