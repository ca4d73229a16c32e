"""libvirt-dbus 1.4.1's tests/test_nodedev.py, ported: libvirt-dbus creates and
destroys a vHBA under the test driver's SCSI host; a real host without FC has none,
and virtunit's node device driver creates and destroys no devices. The device here is
one half of a veth pair the test adds to its network namespace, and its events come
from adding and deleting the pair."""

import subprocess
import unittest

import dbus

import libvirttest
from libvirttest import NodeDeviceEvent


class TestNodeDevice(libvirttest.BaseTestClass):
    def setUp(self):
        super().setUp()
        self.path = None
        created = self.expect('NodeDeviceEvent', NodeDeviceEvent.CREATED, path=lambda: self.path)
        self.ip('link', 'add', 'vu-nd0', 'type', 'veth', 'peer', 'name', 'vu-nd1')
        self.addCleanup(subprocess.run, ['ip', 'link', 'del', 'vu-nd0'], stderr=subprocess.DEVNULL)
        mac = open('/sys/class/net/vu-nd0/address').read().strip()
        # libvirt's name of a net device: net_IFNAME_MAC, non-alphanumerics as '_'.
        self.name = 'net_vu_nd0_' + mac.replace(':', '_')
        self.path = '/org/libvirt/QEMU/nodedev/' + libvirttest.encode(self.name)
        self.assertEqual(self.wait(created), self.path)
        self.assertEqual(self.connect.NodeDeviceLookupByName(self.name), self.path)
        self.device = self.iface(self.path, 'org.libvirt.NodeDevice')

    def test_node_device_destroy(self):
        self.assertNotSupported('virNodeDeviceDestroy', self.device.Destroy)
        deleted = self.expect('NodeDeviceEvent', NodeDeviceEvent.DELETED, path=lambda: self.path)
        self.ip('link', 'del', 'vu-nd0')
        self.assertEqual(self.wait(deleted), self.path)

    def test_node_device_get_xml_description(self):
        xml = self.device.GetXMLDesc(0)
        self.assertIsInstance(xml, dbus.String)
        self.assertIn('<interface>vu-nd0</interface>', xml)

    def test_node_device_list_caps(self):
        caps = self.device.ListCaps()
        self.assertIsInstance(caps, dbus.Array)
        self.assertEqual(list(caps), ['net'])

    def test_node_device_properties_type(self):
        props = self.props(self.path, 'org.libvirt.NodeDevice')
        self.assertIsInstance(props['Name'], dbus.String)
        self.assertIsInstance(props['Parent'], dbus.String)
        self.assertEqual(props['Parent'], 'computer')


if __name__ == '__main__':
    unittest.main()
