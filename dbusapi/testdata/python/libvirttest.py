"""What the ports of libvirt-dbus 1.4.1's tests share.

libvirt-dbus's own suite (tests/libvirttest.py) runs against libvirt's test:///default
driver, which comes with one domain, one network, one pool and a vHBA-capable SCSI
host. Against a real QEMU connection there is no such fixture, so each test here makes
the objects it needs on /org/libvirt/QEMU and removes them after. The Go test that runs
these files provides the bus (VU_DBUS_ADDRESS), a guest kernel (VU_KERNEL) and a
network namespace to run in.
"""

import os
import shutil
import subprocess
import tempfile
import time
import unittest
from enum import IntEnum

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

DBusGMainLoop(set_as_default=True)

NOT_SUPPORTED = 'this function is not supported by the connection driver: '


TINY_READY = 'virtunit-tiny ready'


def serial_log(name):
    return os.path.join(os.environ['VU_SERIAL_DIR'], name + '.serial')


def disk_image(name):
    """A 16 MiB qcow2 image QEMU may write, beside the serial logs."""
    path = os.path.join(os.environ['VU_SERIAL_DIR'], name + '.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path, '16M'], check=True)
    os.chmod(path, 0o666)
    return path


def domain_xml(name, disk=None):
    """A tiny multiboot guest that powers off on the ACPI power button; it writes a
    ready line to its serial port, kept in serial_log(name), once it listens. A disk
    is a qcow2 image to give it as vda (where internal snapshots are kept)."""
    vda = ''
    if disk:
        vda = (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
               f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>")
    return f'''<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>16</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{os.environ['VU_KERNEL']}</kernel></os>
  <features><acpi/></features>
  <devices>{vda}
    <controller type='usb' model='none'/><memballoon model='none'/>
    <serial type='file'><source path='{serial_log(name)}'/></serial>
  </devices>
</domain>'''


def network_xml(name, bridge, net):
    """An isolated network with DHCP on 192.0.2.0/24 or 198.51.100.0/24 (net)."""
    return f'''<network>
  <name>{name}</name>
  <bridge name='{bridge}' stp='off'/>
  <ip address='{net}.1' prefix='24'>
    <dhcp><range start='{net}.128' end='{net}.253'/></dhcp>
  </ip>
</network>'''


def pool_xml(name, target):
    """A directory pool at target."""
    return f"<pool type='dir'><name>{name}</name><target><path>{target}</path></target></pool>"


VOLUME_XML = "<volume><name>vu-vol.img</name><capacity unit='M'>1</capacity></volume>"


# A host bridge; libvirt-dbus's fixture is an ethernet interface with MAC
# 11:22:33:44:55:66, which a real host cannot create (and which is a multicast address).
INTERFACE_MAC = '52:54:00:44:55:66'
INTERFACE_XML = f'''<interface type='bridge' name='vu-ifc0'>
  <start mode='onboot'/>
  <mac address='{INTERFACE_MAC}'/>
  <protocol family='ipv4'><ip address='198.51.100.5' prefix='24'/></protocol>
  <bridge stp='off'/>
</interface>'''


class BaseTestClass(unittest.TestCase):
    """One bus connection per test, and helpers to make and wait for things."""

    def setUp(self):
        self.bus = dbus.bus.BusConnection(os.environ['VU_DBUS_ADDRESS'])
        self.connect_obj = self.bus.get_object('org.libvirt', '/org/libvirt/QEMU')
        self.connect = dbus.Interface(self.connect_obj, 'org.libvirt.Connect')
        self.loop = None
        self.addCleanup(self.bus.close)

    def obj(self, path):
        return self.bus.get_object('org.libvirt', path)

    def iface(self, path, name):
        return dbus.Interface(self.obj(path), name)

    def props(self, path, iface):
        return self.obj(path).GetAll(iface, dbus_interface=dbus.PROPERTIES_IFACE)

    def prop(self, path, iface, name):
        return self.obj(path).Get(iface, name, dbus_interface=dbus.PROPERTIES_IFACE)

    def main_loop(self, timeout=20):
        """Runs until a signal handler calls self.loop.quit(); fails after timeout s."""
        self.loop = GLib.MainLoop()
        expired = []

        def expire():
            expired.append(True)
            self.loop.quit()
            return False
        source = GLib.timeout_add(timeout * 1000, expire)
        self.loop.run()
        if not expired:
            GLib.source_remove(source)
        self.loop = None
        if expired:
            self.fail('no signal within %d s' % timeout)

    def expect(self, signal, *want, path=None):
        """Listens for a Connect signal whose arguments after the object path start
        with want (and whose path is path(), if given); wait() returns that path.
        Listen first, then act."""
        got = []

        def handler(p, *rest):
            if not got and tuple(rest[:len(want)]) == tuple(want) and (path is None or p == path()):
                self.assertIsInstance(p, dbus.ObjectPath)
                got.append(p)
                if self.loop:
                    self.loop.quit()
        self.connect.connect_to_signal(signal, handler)
        return got

    def wait(self, got, timeout=20):
        if not got:
            self.main_loop(timeout)
        return got[0]

    def assertNotSupported(self, fn, call, *args):
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            call(*args)
        self.assertEqual(cm.exception.get_dbus_name(), 'org.libvirt.Error')
        self.assertEqual(cm.exception.get_dbus_message(), NOT_SUPPORTED + fn)

    def define_domain(self, name, start=False, disk=False):
        path = self.connect.DomainDefineXML(domain_xml(name, disk_image(name) if disk else None))
        self.addCleanup(self.remove_domain, path)
        if start:
            self.iface(path, 'org.libvirt.Domain').Create(0)
            self.wait_ready(name)
        return path

    def wait_ready(self, name, count=1, timeout=20):
        """Waits for the guest's count-th ready line: until then it would miss the
        power button."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(serial_log(name)) as f:
                    if f.read().count(TINY_READY) >= count:
                        return
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        self.fail('guest %s printed no ready line #%d within %d s' % (name, count, timeout))

    @staticmethod
    def try_all(*calls):
        """Makes each call, whether or not the ones before failed (for cleanups)."""
        for call in calls:
            try:
                call()
            except dbus.exceptions.DBusException:
                pass

    def remove_domain(self, path):
        d = self.iface(path, 'org.libvirt.Domain')
        # With its managed save image and snapshot metadata, if it has them.
        self.try_all(lambda: d.Destroy(0), lambda: d.Undefine(1 | 2))

    def wait_state(self, path, state, timeout=20):
        d = self.iface(path, 'org.libvirt.Domain')
        ctx = GLib.MainContext.default()
        deadline = GLib.get_monotonic_time() + timeout * 1000000
        while GLib.get_monotonic_time() < deadline:
            if d.GetState(0)[0] == state:
                return
            ctx.iteration(False)
            GLib.usleep(20000)
        self.fail('domain %s not in state %d after %d s' % (path, state, timeout))

    def define_network(self, name, bridge, net, start=False):
        path = self.connect.NetworkDefineXML(network_xml(name, bridge, net))
        self.addCleanup(self.remove_network, path)
        if start:
            self.iface(path, 'org.libvirt.Network').Create()
        return path

    def remove_network(self, path):
        n = self.iface(path, 'org.libvirt.Network')
        self.try_all(n.Destroy, n.Undefine)

    def define_interface(self, start=True):
        path = self.connect.InterfaceDefineXML(INTERFACE_XML, 0)
        self.addCleanup(self.remove_interface, path)
        i = self.iface(path, 'org.libvirt.Interface')
        if start:
            i.Create(0)
        return path, i

    def remove_interface(self, path):
        i = self.iface(path, 'org.libvirt.Interface')
        self.try_all(lambda: i.Destroy(0), i.Undefine)

    def pool_dir(self):
        """A directory for a pool, removed after the test."""
        d = tempfile.mkdtemp(prefix='vu-pool-')
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def define_pool(self, name, start=False):
        """A directory pool (built and started if start), removed after the test."""
        path = self.connect.StoragePoolDefineXML(pool_xml(name, self.pool_dir()), 0)
        self.addCleanup(self.remove_pool, path)
        if start:
            p = self.iface(path, 'org.libvirt.StoragePool')
            p.Build(0)
            p.Create(0)
        return path

    def remove_pool(self, path):
        p = self.iface(path, 'org.libvirt.StoragePool')
        self.try_all(p.Destroy, p.Undefine)

    def create_volume(self, pool_name):
        """A started pool and a 1 MiB volume in it: their paths."""
        pool = self.define_pool(pool_name, start=True)
        vol = self.iface(pool, 'org.libvirt.StoragePool').StorageVolCreateXML(VOLUME_XML, 0)
        return pool, vol

    @staticmethod
    def ip(*args):
        subprocess.run(['ip'] + list(args), check=True)


def encode(name):
    """A name as libvirt-dbus puts it in an object path: bytes outside [A-Za-z0-9]
    as _xx."""
    return ''.join(c if c.isascii() and c.isalnum() else '_%02x' % ord(c) for c in name)


class DomainEvent(IntEnum):
    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    SUSPENDED = 3
    RESUMED = 4
    STOPPED = 5
    SHUTDOWN = 6


class DomainEventDefinedDetailType(IntEnum):
    ADDED = 0


class DomainEventResumedDetailType(IntEnum):
    UNPAUSED = 0


class DomainEventStartedDetailType(IntEnum):
    BOOTED = 0


class DomainEventStoppedDetailType(IntEnum):
    SHUTDOWN = 0
    DESTROYED = 1
    SAVED = 4


class DomainEventSuspendedDetailType(IntEnum):
    PAUSED = 0


class DomainEventUndefinedDetailType(IntEnum):
    REMOVED = 0


class DomainState(IntEnum):
    RUNNING = 1
    PAUSED = 3
    SHUTOFF = 5


class NetworkEvent(IntEnum):
    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    STOPPED = 3


class NodeDeviceEvent(IntEnum):
    CREATED = 0
    DELETED = 1


class StoragePoolEvent(IntEnum):
    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    STOPPED = 3
