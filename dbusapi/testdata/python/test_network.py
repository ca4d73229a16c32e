"""libvirt-dbus 1.4.1's tests/test_network.py, ported to an isolated network the test
defines and starts in its network namespace."""

import unittest

import dbus

import libvirttest
from libvirttest import NetworkEvent


class TestNetwork(libvirttest.BaseTestClass):
    ip_dhcp_host_xml = "<host mac='00:16:3e:77:e2:ed' name='foo.example.com' ip='192.0.2.10'/>"

    def setUp(self):
        super().setUp()
        self.path = self.define_network('vu-net', 'vu-net0', '192.0.2', start=True)
        self.network = self.iface(self.path, 'org.libvirt.Network')

    def test_network_properties_type(self):
        props = self.props(self.path, 'org.libvirt.Network')
        for name, want in (('Active', dbus.Boolean), ('Autostart', dbus.Boolean), ('Name', dbus.String),
                           ('Persistent', dbus.Boolean), ('UUID', dbus.String)):
            with self.subTest(property=name):
                self.assertIsInstance(props[name], want)

    def test_network_autostart(self):
        self.network.Set('org.libvirt.Network', 'Autostart', True, dbus_interface=dbus.PROPERTIES_IFACE)
        got = self.network.Get('org.libvirt.Network', 'Autostart', dbus_interface=dbus.PROPERTIES_IFACE)
        self.assertEqual(got, dbus.Boolean(True))

    def test_network_create(self):
        started = self.expect('NetworkEvent', NetworkEvent.STARTED)
        self.network.Destroy()
        self.network.Create()
        self.assertEqual(self.wait(started), self.path)

    def test_network_destroy(self):
        stopped = self.expect('NetworkEvent', NetworkEvent.STOPPED)
        self.network.Destroy()
        self.assertEqual(self.wait(stopped), self.path)

    def test_network_get_xml_description(self):
        self.assertIsInstance(self.network.GetXMLDesc(0), dbus.String)

    def test_network_undefine(self):
        undefined = self.expect('NetworkEvent', NetworkEvent.UNDEFINED)
        self.network.Destroy()
        self.network.Undefine()
        self.assertEqual(self.wait(undefined), self.path)

    def test_network_update(self):
        # add-first (4), ip-dhcp-host (4), parent index 0, the live network (0)
        self.network.Update(4, 4, 0, self.ip_dhcp_host_xml, 0)
        self.assertIn(self.ip_dhcp_host_xml, self.network.GetXMLDesc(0))


if __name__ == '__main__':
    unittest.main()
