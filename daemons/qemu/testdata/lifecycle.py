# lifecycle.py URI FIRMWARE: a guest's life through python3-libvirt, as a management
# application sees it: define, start, state, suspend/resume, the console stream,
# destroy, undefine, and libvirt's error codes for what must fail. Exits non-zero on the
# first surprise.
import sys
import threading

import libvirt

uri, firmware = sys.argv[1], sys.argv[2]
XML = """<domain type='qemu'>
  <name>py1</name>
  <memory unit='MiB'>32</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>%s</loader></os>
  <devices><controller type='usb' model='none'/><memballoon model='none'/><serial type='pty'/></devices>
</domain>""" % firmware

libvirt.registerErrorHandler(lambda ctx, err: None, None)


def fails(what, fn, code, domain, text):
    try:
        fn()
    except libvirt.libvirtError as e:
        got = (e.get_error_code(), e.get_error_domain(), str(e))
        if got != (code, domain, text):
            sys.exit("%s: got %r, want %r" % (what, got, (code, domain, text)))
        return
    sys.exit("%s: succeeded, want error %d" % (what, code))


def want(what, got, expected):
    if got != expected:
        sys.exit("%s: got %r, want %r" % (what, got, expected))


conn = libvirt.open(uri)
dom = conn.defineXML(XML)
want("persistent", dom.isPersistent(), 1)
want("inactive id", dom.ID(), -1)
want("state", dom.state(), [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_UNKNOWN])
fails("lookup missing", lambda: conn.lookupByName("nope"), libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_QEMU,
      "Domain not found: no domain with matching name 'nope'")
fails("lookup id", lambda: conn.lookupByID(4711), libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_QEMU,
      "Domain not found: no domain with matching id 4711")
fails("define twice", lambda: conn.defineXML(XML), libvirt.VIR_ERR_OPERATION_FAILED, libvirt.VIR_FROM_DOMAIN,
      "operation failed: domain 'py1' already exists with uuid %s" % dom.UUIDString())
fails("destroy stopped", dom.destroy, libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_DOMAIN,
      "Requested operation is not valid: domain is not running")

dom.create()
dom = conn.lookupByUUID(dom.UUID())
if dom.ID() < 1:
    sys.exit("running guest has id %d" % dom.ID())
want("state", dom.state(), [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED])
want("info", dom.info()[0:4], [libvirt.VIR_DOMAIN_RUNNING, 32768, 32768, 1])
fails("start running", dom.create, libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_QEMU,
      "Requested operation is not valid: domain is already running")
dom.suspend()
want("paused", dom.state(), [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER])
dom.resume()
want("resumed", dom.state(), [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNPAUSED])
if "id='%d'" % dom.ID() not in dom.XMLDesc(0):
    sys.exit("live XML without the id")

# The console: a stream that stays open until we end it.
st = conn.newStream(0)
dom.openConsole(None, st, 0)
fails("second console", lambda: dom.openConsole(None, conn.newStream(0), 0), libvirt.VIR_ERR_OPERATION_FAILED,
      libvirt.VIR_FROM_QEMU, "operation failed: Active console session exists for this domain")
st.send(b"\r")
st.finish()
forced = conn.newStream(0)
dom.openConsole(None, forced, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
forced.abort()

events = []
done = threading.Event()


def on_lifecycle(conn, d, event, detail, opaque):
    events.append((event, detail))
    if event == libvirt.VIR_DOMAIN_EVENT_STOPPED:
        done.set()


libvirt.virEventRegisterDefaultImpl()
conn2 = libvirt.open(uri)
conn2.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)


def loop():
    while not done.is_set():
        libvirt.virEventRunDefaultImpl()


t = threading.Thread(target=loop, daemon=True)
t.start()
dom.destroy()
done.wait(10)
want("events", events, [(libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)])
want("destroyed", dom.state(), [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED])
dom.undefine()
fails("gone", lambda: conn.lookupByName("py1"), libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_QEMU,
      "Domain not found: no domain with matching name 'py1'")
print("OK")
