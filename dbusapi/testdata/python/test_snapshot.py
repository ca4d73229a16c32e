"""libvirt-dbus 1.4.1's tests/test_snapshot.py, ported to a snapshot of a defined
(shut off) tiny guest with a qcow2 disk: libvirt-dbus snapshots the test driver's
running domain."""

import unittest

import dbus

import libvirttest

EXCEPTION_NO_PARENT = 'does not have a parent'
SNAP = 'org.libvirt.DomainSnapshot'


class TestSnapshot(libvirttest.BaseTestClass):
    def setUp(self):
        super().setUp()
        self.domain_path = self.define_domain('vu-snap', disk=True)
        domain = self.iface(self.domain_path, 'org.libvirt.Domain')
        path = domain.SnapshotCreateXML('<domainsnapshot><name>my_snapshot</name></domainsnapshot>', 0)
        self.assertEqual(path, self.domain_path.replace('/domain/', '/domainsnapshot/') + '_my_5fsnapshot')
        self.snapshot = self.iface(path, SNAP)

    def test_snapshot_delete(self):
        self.snapshot.Delete(0)

    def test_snapshot_get_parent(self):
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            self.snapshot.GetParent(0)
        self.assertIn(EXCEPTION_NO_PARENT, cm.exception.get_dbus_message())

    def test_snapshot_get_xml(self):
        self.assertIsInstance(self.snapshot.GetXMLDesc(0), dbus.String)

    def test_snapshot_get_is_current(self):
        self.assertIsInstance(self.snapshot.IsCurrent(0), dbus.Boolean)

    def test_snapshot_list_children(self):
        self.assertIsInstance(self.snapshot.ListChildren(0), dbus.Array)

    def test_snapshot_revert(self):
        self.snapshot.Revert(0)


if __name__ == '__main__':
    unittest.main()
