#!/usr/bin/python3
"""percall.py - the daemon's CPU per call and the calls per second, measured with
libvirt's own C client (python3-libvirt): N calls over one connection, or over K
connections at once (K processes), the daemon's utime+stime read from /proc/PID/stat
before and after, so the client's own speed does not enter the CPU figure.

usage: percall.py SOCKET DAEMON_PID CALL N K     CALL: version, list, xml
prints: CALL K cpu_us_per_call X calls_per_s Y
"""
import multiprocessing as mp
import os
import sys
import time

import libvirt


def daemon_cpu(pid):
    fields = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def call_of(conn, what):
    if what == 'version':
        return conn.getVersion
    if what == 'list':
        return lambda: conn.listAllDomains(0)
    if what == 'xml':
        dom = conn.lookupByName('percall')
        return lambda: dom.XMLDesc(0)
    raise SystemExit('unknown call ' + what)


def client(sock, what, n, ready):
    conn = libvirt.open('qemu:///system?socket=' + sock)
    fn = call_of(conn, what)
    for _ in range(100):  # warm both sides up
        fn()
    ready.wait()
    for _ in range(n):
        fn()
    conn.close()


def main():
    sock, pid, what, n, k = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    ready = mp.Barrier(k + 1)
    procs = [mp.Process(target=client, args=(sock, what, n, ready)) for _ in range(k)]
    for p in procs:
        p.start()
    ready.wait()
    c0, t0 = daemon_cpu(pid), time.monotonic()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit('a client failed')
    c1, t1 = daemon_cpu(pid), time.monotonic()
    print('%s %d cpu_us_per_call %.1f calls_per_s %.0f' % (what, k, (c1 - c0) / (n * k) * 1e6, n * k / (t1 - t0)))


if __name__ == '__main__':
    main()
