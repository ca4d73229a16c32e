"""libvirt-dbus 1.4.1's tests/test_interface.py, ported to a host bridge the test
defines and starts in its network namespace."""

import unittest

import dbus

import libvirttest


class TestInterface(libvirttest.BaseTestClass):
    def setUp(self):
        super().setUp()
        self.path, self.interface = self.define_interface()

    def test_interface_undefine(self):
        self.interface.Destroy(0)
        self.interface.Undefine()
        self.assertNotIn(self.path, self.connect.ListInterfaces(0))

    def test_interface_destroy(self):
        self.interface.Destroy(0)
        self.assertEqual(self.prop(self.path, 'org.libvirt.Interface', 'Active'), dbus.Boolean(False))

    def test_interface_create(self):
        self.interface.Destroy(0)
        self.interface.Create(0)
        self.assertEqual(self.prop(self.path, 'org.libvirt.Interface', 'Active'), dbus.Boolean(True))

    def test_interface_get_xml_description(self):
        self.assertIsInstance(self.interface.GetXMLDesc(0), dbus.String)

    def test_interface_properties_type(self):
        props = self.props(self.path, 'org.libvirt.Interface')
        self.assertIsInstance(props['Name'], dbus.String)
        self.assertIsInstance(props['MAC'], dbus.String)
        self.assertIsInstance(props['Active'], dbus.Boolean)
        self.assertEqual(props['MAC'], libvirttest.INTERFACE_MAC)


if __name__ == '__main__':
    unittest.main()
