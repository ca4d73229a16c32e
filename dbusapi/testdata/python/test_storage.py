"""libvirt-dbus 1.4.1's tests/test_storage.py, ported to a directory pool the test
defines in a directory of its own (libvirt-dbus uses the test driver's default-pool),
served by virtstoraged behind virtqemud."""

import unittest

import dbus

import libvirttest
from libvirttest import StoragePoolEvent

POOL = 'org.libvirt.StoragePool'
VOL = 'org.libvirt.StorageVol'


class TestStoragePool(libvirttest.BaseTestClass):
    def setUp(self):
        super().setUp()
        self.path = self.define_pool('vu-spool', start=True)
        self.pool = self.iface(self.path, POOL)

    def test_storage_pool_autostart(self):
        self.obj(self.path).Set(POOL, 'Autostart', True, dbus_interface=dbus.PROPERTIES_IFACE)
        self.assertEqual(self.prop(self.path, POOL, 'Autostart'), dbus.Boolean(True))

    def test_storage_pool_build(self):
        self.pool.Destroy()
        self.pool.Build(0)

    def test_storage_pool_create(self):
        started = self.expect('StoragePoolEvent', StoragePoolEvent.STARTED)
        self.pool.Destroy()
        self.pool.Create(0)
        self.assertEqual(self.wait(started), self.path)

    def test_storage_pool_delete(self):
        self.pool.Destroy()
        self.pool.Delete(0)

    def test_storage_pool_destroy(self):
        stopped = self.expect('StoragePoolEvent', StoragePoolEvent.STOPPED)
        self.pool.Destroy()
        self.assertEqual(self.wait(stopped), self.path)

    def test_storage_pool_get_info(self):
        info = self.pool.GetInfo()
        self.assertIsInstance(info, dbus.Struct)
        self.assertEqual(info[0], 2)  # VIR_STORAGE_POOL_RUNNING

    def test_storage_pool_get_xml_description(self):
        self.assertIsInstance(self.pool.GetXMLDesc(0), dbus.String)

    def test_storage_pool_list_storage_volumes(self):
        vols = self.pool.ListStorageVolumes(0)
        self.assertIsInstance(vols, dbus.Array)
        self.assertEqual(len(vols), 0)

    def test_storage_pool_properties_type(self):
        props = self.props(self.path, POOL)
        for name, want in (('Active', dbus.Boolean), ('Autostart', dbus.Boolean), ('Name', dbus.String),
                           ('Persistent', dbus.Boolean), ('UUID', dbus.String)):
            with self.subTest(property=name):
                self.assertIsInstance(props[name], want)

    def test_storage_pool_undefine(self):
        undefined = self.expect('StoragePoolEvent', StoragePoolEvent.UNDEFINED)
        self.pool.Destroy()
        self.pool.Undefine()
        self.assertEqual(self.wait(undefined), self.path)

    def test_storage_pool_refresh(self):
        got = []
        self.pool.connect_to_signal('Refresh', lambda: (got.append(True), self.loop and self.loop.quit()))
        self.pool.Refresh(0)
        if not got:
            self.main_loop()

    def test_storage_pool_volume_create(self):
        vol = self.pool.StorageVolCreateXML(libvirttest.VOLUME_XML, 0)
        self.assertIsInstance(vol, dbus.ObjectPath)
        self.assertEqual(self.pool.StorageVolLookupByName('vu-vol.img'), vol)

    def test_storage_pool_volume_create_xml_from(self):
        vol = self.pool.StorageVolCreateXML(libvirttest.VOLUME_XML, 0)
        key = str(self.props(vol, VOL)['Key'])
        clone = self.pool.StorageVolCreateXMLFrom(
            "<volume><name>clone.img</name><capacity unit='M'>1</capacity></volume>", key, 0)
        self.assertIsInstance(clone, dbus.ObjectPath)
        self.assertEqual(len(self.pool.ListStorageVolumes(0)), 2)


class TestStorageVolume(libvirttest.BaseTestClass):
    def setUp(self):
        super().setUp()
        _, self.path = self.create_volume('vu-vpool')
        self.vol = self.iface(self.path, VOL)

    def test_storage_vol_delete(self):
        self.vol.Delete(0)

    def test_storage_vol_properties_type(self):
        props = self.props(self.path, VOL)
        for name in ('Key', 'Name', 'Path'):
            with self.subTest(property=name):
                self.assertIsInstance(props[name], dbus.String)

    def test_storage_vol_get_xml_description(self):
        self.assertIsInstance(self.vol.GetXMLDesc(0), dbus.String)


if __name__ == '__main__':
    unittest.main()
