"""libvirt-dbus 1.4.1's tests/test_domain.py, ported to a tiny QEMU guest the test
defines and starts. The calls whose libvirt function virtunit's QEMU driver does not
implement yet (managed save, metadata, vCPU counts and pinning, snapshots, scheduler
type) check libvirt's "not supported" answer."""

import unittest

import dbus

import libvirttest
from libvirttest import DomainEvent, DomainState


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
                           ('UUID', dbus.String)):
            with self.subTest(property=name):
                self.assertIsInstance(props[name], want)
        # GetAll leaves out what cannot be read, as libvirt-dbus does on a host without
        # the scheduler type; Get says why.
        self.assertNotIn('SchedulerType', props)
        self.assertNotSupported('virDomainGetSchedulerType', self.prop, self.path,
                                'org.libvirt.Domain', 'SchedulerType')

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
        self.assertNotSupported('virDomainManagedSave', self.domain.ManagedSave, 0)
        self.assertEqual(self.domain.HasManagedSaveImage(0), dbus.Boolean(False))
        self.assertNotSupported('virDomainManagedSaveRemove', self.domain.ManagedSaveRemove, 0)

    def test_domain_metadata(self):
        self.assertNotSupported('virDomainSetMetadata', self.domain.SetMetadata, 0, 'This is the Test domain', '', '', 0)
        self.assertNotSupported('virDomainGetMetadata', self.domain.GetMetadata, 0, '', 0)

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
        self.assertNotSupported('virDomainSetVcpusFlags', self.domain.SetVcpus, 2, 0)
        self.assertNotSupported('virDomainGetVcpusFlags', self.domain.GetVcpus, 0)

    def test_domain_vcpu_pin_info(self):
        self.assertNotSupported('virDomainGetVcpuPinInfo', self.domain.GetVcpuPinInfo, 0)

    def test_snapshot(self):
        xml = '<domainsnapshot><name>my_snapshot</name></domainsnapshot>'
        self.assertNotSupported('virDomainSnapshotCreateXML', self.domain.SnapshotCreateXML, xml, 0)
        self.assertNotSupported('virDomainSnapshotCurrent', self.domain.SnapshotCurrent, 0)
        self.assertNotSupported('virDomainSnapshotLookupByName', self.domain.SnapshotLookupByName, 'my_snapshot', 0)
        self.assertNotSupported('virDomainListAllSnapshots', self.domain.ListDomainSnapshots, 0)


if __name__ == '__main__':
    unittest.main()
