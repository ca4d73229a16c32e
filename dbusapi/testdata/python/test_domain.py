"""libvirt-dbus 1.4.1's tests/test_domain.py, ported to a tiny QEMU guest the test
defines and starts. The calls whose libvirt function virtunit's QEMU driver does not
implement yet (vCPU pinning) check libvirt's "not supported" answer."""

import unittest

import dbus

import libvirttest
from libvirttest import DomainEvent, DomainEventStoppedDetailType, DomainState


class TestDomain(libvirttest.BaseTestClass):
    def setUp(self):
        super().setUp()
        self.path = self.define_domain('vu-dom', start=True)
        self.domain = self.iface(self.path, 'org.libvirt.Domain')

    def test_api(self):
        props = self.props(self.path, 'org.libvirt.Domain')
        for name, want in (('Active', dbus.Boolean), ('Autostart', dbus.Boolean),
                           ('Id', dbus.UInt32), ('Name', dbus.String), ('OSType', dbus.String),
                           ('Persistent', dbus.Boolean), ('Updated', dbus.Boolean),
                           ('UUID', dbus.String), ('SchedulerType', dbus.Struct)):
            with self.subTest(property=name):
                self.assertIsInstance(props[name], want)
        # libvirt's QEMU driver: the posix scheduler and its nine parameters.
        self.assertEqual(props['SchedulerType'], ('posix', 9))

        self.assertIsInstance(self.domain.GetXMLDesc(0), dbus.String)
        self.domain.Reboot(0)
        self.wait_ready('vu-dom', count=2)
        self.domain.Shutdown(0)
        self.wait_state(self.path, DomainState.SHUTOFF)
        self.domain.Create(0)
        self.domain.Destroy(0)
        self.domain.Undefine(0)

    def test_domain_autostart(self):
        self.obj(self.path).Set('org.libvirt.Domain', 'Autostart', True, dbus_interface=dbus.PROPERTIES_IFACE)
        self.assertEqual(self.prop(self.path, 'org.libvirt.Domain', 'Autostart'), dbus.Boolean(True))

    def test_domain_managed_save(self):
        stopped = self.expect('DomainEvent', DomainEvent.STOPPED, DomainEventStoppedDetailType.SAVED)
        self.domain.ManagedSave(0)
        self.assertEqual(self.wait(stopped), self.path)
        self.assertEqual(self.domain.HasManagedSaveImage(0), dbus.Boolean(True))
        self.domain.ManagedSaveRemove(0)
        self.assertEqual(self.domain.HasManagedSaveImage(0), dbus.Boolean(False))

    def test_domain_metadata(self):
        description = 'This is the Test domain'
        self.domain.SetMetadata(0, description, '', '', 0)
        self.assertEqual(self.domain.GetMetadata(0, '', 0), description)

    def test_resume(self):
        resumed = self.expect('DomainEvent', DomainEvent.RESUMED,
                              libvirttest.DomainEventResumedDetailType.UNPAUSED)
        self.domain.Suspend()
        self.domain.Resume()
        self.assertEqual(self.domain.GetState(0)[0], DomainState.RUNNING)
        self.assertEqual(self.wait(resumed), self.path)

    def test_shutdown(self):
        stopped = self.expect('DomainEvent', DomainEvent.STOPPED,
                              libvirttest.DomainEventStoppedDetailType.SHUTDOWN)
        self.domain.Shutdown(0)
        # The guest powers off on the ACPI button: the state follows the event.
        self.assertEqual(self.wait(stopped), self.path)
        self.assertEqual(self.domain.GetState(0)[0], DomainState.SHUTOFF)

    def test_suspend(self):
        suspended = self.expect('DomainEvent', DomainEvent.SUSPENDED,
                                libvirttest.DomainEventSuspendedDetailType.PAUSED)
        self.domain.Suspend()
        self.assertEqual(self.domain.GetState(0)[0], DomainState.PAUSED)
        self.assertEqual(self.wait(suspended), self.path)

    def test_undefine(self):
        undefined = self.expect('DomainEvent', DomainEvent.UNDEFINED,
                                libvirttest.DomainEventUndefinedDetailType.REMOVED)
        self.domain.Shutdown(0)
        self.wait_state(self.path, DomainState.SHUTOFF)
        self.domain.Undefine(0)
        self.assertEqual(self.wait(undefined), self.path)

    def test_domain_vcpus(self):
        # libvirt-dbus's test domain may have 2; the tiny guest has room for one vCPU.
        config = 2  # VIR_DOMAIN_AFFECT_CONFIG
        self.domain.SetVcpus(1, config)
        self.assertEqual(self.domain.GetVcpus(config), dbus.UInt32(1))
        self.assertEqual(self.domain.GetVcpus(0), dbus.UInt32(1))

    def test_domain_vcpu_pin_info(self):
        self.assertNotSupported('virDomainGetVcpuPinInfo', self.domain.GetVcpuPinInfo, 0)

    def test_snapshot(self):
        # Internal snapshots live in a qcow2 image, which this test's guest has.
        domain = self.iface(self.define_domain('vu-dsnap', start=True, disk=True), 'org.libvirt.Domain')
        xml = '<domainsnapshot><name>my_snapshot</name></domainsnapshot>'
        snapshot = domain.SnapshotCreateXML(xml, 0)
        self.assertIsInstance(snapshot, dbus.ObjectPath)
        self.assertEqual(domain.SnapshotCurrent(0), snapshot)
        self.assertEqual(domain.SnapshotLookupByName('my_snapshot', 0), snapshot)
        self.assertEqual(domain.ListDomainSnapshots(0), [snapshot])


if __name__ == '__main__':
    unittest.main()
