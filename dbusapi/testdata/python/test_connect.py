"""libvirt-dbus 1.4.1's tests/test_connect.py, ported to objects the test makes on a
QEMU connection, with virtstoraged behind virtqemud for the storage calls. CPU models
and node device creation have no driver in virtunit: those tests check the "not
supported" answer libvirt-dbus gives over such a connection."""

import unittest

import dbus

import libvirttest
from libvirttest import DomainEvent, NetworkEvent


class TestConnect(libvirttest.BaseTestClass):
    def test_connect_domain_create_xml(self):
        started = self.expect('DomainEvent', DomainEvent.STARTED,
                              libvirttest.DomainEventStartedDetailType.BOOTED)
        path = self.connect.DomainCreateXML(libvirttest.domain_xml('vu-create'), 0)
        self.addCleanup(self.remove_domain, path)
        self.assertIsInstance(path, dbus.ObjectPath)
        self.assertEqual(self.wait(started), path)

    def test_connect_domain_define_xml(self):
        defined = self.expect('DomainEvent', DomainEvent.DEFINED,
                              libvirttest.DomainEventDefinedDetailType.ADDED)
        path = self.define_domain('vu-define')
        self.assertIsInstance(path, dbus.ObjectPath)
        self.assertEqual(self.wait(defined), path)

    def test_connect_domain_lookup(self):
        """DomainLookupBy{ID,Name,UUID} of a running domain's properties."""
        path = self.define_domain('vu-lookup', start=True)
        self.assertIn(path, self.connect.ListDomains(0))
        props = self.props(path, 'org.libvirt.Domain')
        self.assertGreater(props['Id'], 0)
        for method, item in (('DomainLookupByID', 'Id'), ('DomainLookupByName', 'Name'),
                             ('DomainLookupByUUID', 'UUID')):
            with self.subTest(method=method):
                self.assertEqual(getattr(self.connect, method)(props[item]), path)

    def test_connect_find_storage_pool_sources(self):
        # libvirt-dbus's test driver finds a volume group; virtunit has no logical
        # backend, and says so as libvirt's storage driver does for a missing one.
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            self.connect.FindStoragePoolSources('logical', '', 0)
        self.assertEqual(cm.exception.get_dbus_name(), 'org.libvirt.Error')
        self.assertIn('logical', cm.exception.get_dbus_message())

    def test_connect_list_domains(self):
        mine = self.define_domain('vu-list')
        domains = self.connect.ListDomains(0)
        self.assertIsInstance(domains, dbus.Array)
        self.assertIn(mine, domains)
        for path in domains:
            self.assertIsInstance(path, dbus.ObjectPath)
            self.obj(path).Introspect(dbus_interface=dbus.INTROSPECTABLE_IFACE)

    def test_connect_properties_return_type(self):
        props = self.props('/org/libvirt/QEMU', 'org.libvirt.Connect')
        for name, want in (('Encrypted', dbus.Boolean), ('Hostname', dbus.String),
                           ('LibVersion', dbus.UInt64), ('Secure', dbus.Boolean),
                           ('Version', dbus.UInt64)):
            with self.subTest(property=name):
                self.assertIsInstance(props[name], want)

    def test_connect_get_sysinfo(self):
        self.assertIsInstance(self.connect.GetSysinfo(0), dbus.String)

    def test_connect_interface_define_xml(self):
        path = self.connect.InterfaceDefineXML(libvirttest.INTERFACE_XML, 0)
        self.addCleanup(self.remove_interface, path)
        self.assertIsInstance(path, dbus.ObjectPath)

    def test_connect_interface_lookup_by_property(self):
        path, _ = self.define_interface()
        for method, item in (('InterfaceLookupByName', 'Name'), ('InterfaceLookupByMAC', 'MAC')):
            with self.subTest(method=method):
                value = self.prop(path, 'org.libvirt.Interface', item)
                self.assertEqual(getattr(self.connect, method)(value), path)

    def test_connect_list_networks(self):
        mine = self.define_network('vu-listnet', 'vu-ln0', '198.51.100')
        networks = self.connect.ListNetworks(0)
        self.assertIsInstance(networks, dbus.Array)
        self.assertIn(mine, networks)
        for path in networks:
            self.assertIsInstance(path, dbus.ObjectPath)
            self.obj(path).Introspect(dbus_interface=dbus.INTROSPECTABLE_IFACE)

    def test_connect_get_capabilities(self):
        self.assertIsInstance(self.connect.GetCapabilities(), dbus.String)

    def test_connect_get_cpu_model_names(self):
        self.assertNotSupported('virConnectGetCPUModelNames', self.connect.GetCPUModelNames, 'x86_64', 0)

    def test_connect_list_storage_pools(self):
        mine = self.define_pool('vu-lpool')
        pools = self.connect.ListStoragePools(0)
        self.assertIsInstance(pools, dbus.Array)
        self.assertIn(mine, pools)
        for path in pools:
            self.assertIsInstance(path, dbus.ObjectPath)
            self.obj(path).Introspect(dbus_interface=dbus.INTROSPECTABLE_IFACE)

    def test_connect_network_create_xml(self):
        started = self.expect('NetworkEvent', NetworkEvent.STARTED)
        path = self.connect.NetworkCreateXML(libvirttest.network_xml('vu-cnet', 'vu-cn0', '192.0.2'))
        self.addCleanup(self.remove_network, path)
        self.assertIsInstance(path, dbus.ObjectPath)
        self.assertEqual(self.wait(started), path)

    def test_connect_network_define_xml(self):
        defined = self.expect('NetworkEvent', NetworkEvent.DEFINED)
        path = self.define_network('vu-dnet', 'vu-dn0', '192.0.2')
        self.assertIsInstance(path, dbus.ObjectPath)
        self.assertEqual(self.wait(defined), path)

    def test_connect_node_device_lookup_by_property(self):
        path = self.connect.NodeDeviceLookupByName('computer')
        name = self.prop(path, 'org.libvirt.NodeDevice', 'Name')
        self.assertEqual(self.connect.NodeDeviceLookupByName(name), path)

    def test_connect_network_lookup_by_property(self):
        path = self.define_network('vu-lnet', 'vu-lk0', '192.0.2')
        for method, item in (('NetworkLookupByName', 'Name'), ('NetworkLookupByUUID', 'UUID')):
            with self.subTest(method=method):
                value = self.prop(path, 'org.libvirt.Network', item)
                self.assertEqual(getattr(self.connect, method)(value), path)

    def test_connect_node_device_create_xml(self):
        # libvirt-dbus creates a vHBA under the test driver's scsi_host2; virtunit's
        # node device driver creates no devices (nor does a host without FC HBAs).
        self.assertNotSupported('virNodeDeviceCreateXML', self.connect.NodeDeviceCreateXML,
                                '<device><name>scsi_host22</name></device>', 0)

    def test_connect_node_get_cpu_stats(self):
        stats = self.connect.NodeGetCPUStats(0, 0)
        self.assertIsInstance(stats, dbus.Dictionary)
        self.assertEqual(sorted(stats), ['idle', 'iowait', 'kernel', 'user'])

    def test_connect_node_get_free_memory(self):
        self.assertIsInstance(self.connect.NodeGetFreeMemory(), dbus.UInt64)

    def test_connect_node_get_cpumap(self):
        self.assertIsInstance(self.connect.NodeGetCPUMap(0), dbus.Array)

    def test_connect_storage_pool_create_xml(self):
        started = self.expect('StoragePoolEvent', libvirttest.StoragePoolEvent.STARTED)
        path = self.connect.StoragePoolCreateXML(libvirttest.pool_xml('vu-cpool', self.pool_dir()), 0)
        self.addCleanup(self.remove_pool, path)
        self.assertIsInstance(path, dbus.ObjectPath)
        self.assertEqual(self.wait(started), path)

    def test_connect_storage_pool_define_xml(self):
        defined = self.expect('StoragePoolEvent', libvirttest.StoragePoolEvent.DEFINED)
        path = self.define_pool('vu-dpool')
        self.assertIsInstance(path, dbus.ObjectPath)
        self.assertEqual(self.wait(defined), path)

    def test_connect_storage_pool_lookup_by_property(self):
        path = self.define_pool('vu-kpool')
        for method, item in (('StoragePoolLookupByName', 'Name'), ('StoragePoolLookupByUUID', 'UUID')):
            with self.subTest(method=method):
                value = self.prop(path, 'org.libvirt.StoragePool', item)
                self.assertEqual(getattr(self.connect, method)(value), path)

    def test_connect_storage_vol_lookup_by_property(self):
        _, vol = self.create_volume('vu-vpool')
        for method, item in (('StorageVolLookupByKey', 'Key'), ('StorageVolLookupByPath', 'Path')):
            with self.subTest(method=method):
                value = self.prop(vol, 'org.libvirt.StorageVol', item)
                self.assertEqual(getattr(self.connect, method)(value), vol)


if __name__ == '__main__':
    unittest.main()
