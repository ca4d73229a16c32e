#!/usr/bin/python3
"""percall.py - the daemon's CPU per call and the calls per second, measured with
libvirt's own C client (python3-libvirt): N calls over one connection, or over K
connections at once (K processes), the daemon's CPU time read from the scheduler's
account of its threads (/proc/PID/task/*/schedstat, in nanoseconds) before and after,
so the client's own speed does not enter the CPU figure. The clients' own CPU per call
(each process's, over its calls) is printed too: it bounds the rate whatever the
daemon costs.

usage: percall.py SOCKET DAEMON_PID CALL N K     CALL: version, list, xml
prints: CALL K cpu_us_per_call X calls_per_s Y client_cpu_us_per_call Z
"""
import multiprocessing as mp
import os
import sys
import time

import libvirt


def daemon_cpu(pid):
    """Seconds of CPU the threads of pid have run."""
    total = 0
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            total += int(open('/proc/%d/task/%s/schedstat' % (pid, tid)).read().split()[0])
        except FileNotFoundError:
            pass  # the thread ended meanwhile
    return total / 1e9


def call_of(conn, what):
    if what == 'version':
        return conn.getVersion
    if what == 'list':
        return lambda: conn.listAllDomains(0)
    if what == 'xml':
        dom = conn.lookupByName('percall')
        return lambda: dom.XMLDesc(0)
    raise SystemExit('unknown call ' + what)


def client(sock, what, n, ready, spent):
    conn = libvirt.open('qemu:///system?socket=' + sock)
    fn = call_of(conn, what)
    for _ in range(100):  # warm both sides up
        fn()
    ready.wait()
    c0 = time.process_time()
    for _ in range(n):
        fn()
    spent.put(time.process_time() - c0)
    conn.close()


def main():
    sock, pid, what, n, k = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    ready = mp.Barrier(k + 1)
    spent = mp.Queue()
    procs = [mp.Process(target=client, args=(sock, what, n, ready, spent)) for _ in range(k)]
    for p in procs:
        p.start()
    ready.wait()
    c0, t0 = daemon_cpu(pid), time.monotonic()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit('a client failed')
    c1, t1 = daemon_cpu(pid), time.monotonic()
    client_cpu = sum(spent.get() for _ in procs)
    print('%s %d cpu_us_per_call %.1f calls_per_s %.0f client_cpu_us_per_call %.1f' % (
        what, k, (c1 - c0) / (n * k) * 1e6, n * k / (t1 - t0), client_cpu / (n * k) * 1e6))


if __name__ == '__main__':
    main()
