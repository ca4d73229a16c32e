# stats.py URI DOMAIN DISK IFACE: the statistics calls of python3-libvirt against a
# running guest; prints OK, or what was wrong.
import sys
import libvirt

uri, name, disk, iface = sys.argv[1:5]
conn = libvirt.open(uri)
dom = conn.lookupByName(name)
bad = []

recs = conn.getAllDomainStats(0, 0)
mine = [s for d, s in recs if d.name() == name]
if len(mine) != 1:
    bad.append("getAllDomainStats has %d records of %s" % (len(mine), name))
else:
    s = mine[0]
    for k in ("state.state", "cpu.time", "balloon.current", "balloon.maximum", "vcpu.current",
              "vcpu.maximum", "vcpu.0.time", "net.count", "net.0.name", "net.0.rx.bytes",
              "block.count", "block.0.name", "block.0.rd.reqs", "block.0.capacity"):
        if k not in s:
            bad.append("getAllDomainStats lacks " + k)
    if s.get("state.state") != libvirt.VIR_DOMAIN_RUNNING:
        bad.append("state.state = %r" % s.get("state.state"))
    if s.get("block.0.name") != disk:
        bad.append("block.0.name = %r" % s.get("block.0.name"))

only = conn.domainListGetStats([dom], libvirt.VIR_DOMAIN_STATS_STATE)
if len(only) != 1 or set(only[0][1]) != {"state.state", "state.reason"}:
    bad.append("domainListGetStats(state) = %r" % (only,))
try:
    conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_PERF, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS)
    bad.append("ENFORCE_STATS with perf succeeded")
except libvirt.libvirtError as e:
    if e.get_error_code() != libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED:
        bad.append("ENFORCE_STATS perf: %s" % e)

mem = dom.memoryStats()
for k in ("actual", "rss"):
    if k not in mem:
        bad.append("memoryStats lacks %s: %r" % (k, mem))

rd_req, rd_bytes, wr_req, wr_bytes, errs = dom.blockStats(disk)
if rd_req <= 0 or rd_bytes <= 0 or errs != -1:
    bad.append("blockStats(%s) = %r" % (disk, (rd_req, rd_bytes, wr_req, wr_bytes, errs)))
flags = dom.blockStatsFlags(disk)
if set(flags) != {"rd_operations", "rd_bytes", "rd_total_times", "wr_operations", "wr_bytes",
                  "wr_total_times", "flush_operations", "flush_total_times"}:
    bad.append("blockStatsFlags = %r" % flags)
try:
    dom.blockStats("nosuchdisk")
    bad.append("blockStats of an unknown disk succeeded")
except libvirt.libvirtError as e:
    if e.get_error_code() != libvirt.VIR_ERR_INVALID_ARG:
        bad.append("blockStats unknown disk: %s" % e)

st = dom.interfaceStats(iface)
if len(st) != 8:
    bad.append("interfaceStats = %r" % (st,))

info, maps = dom.vcpus()
if len(info) != 1 or info[0][0] != 0 or info[0][1] != libvirt.VIR_VCPU_RUNNING or info[0][2] <= 0:
    bad.append("vcpus info = %r" % (info,))
if len(maps) != 1 or not any(maps[0]):
    bad.append("vcpus maps = %r" % (maps,))
if dom.vcpusFlags(libvirt.VIR_DOMAIN_VCPU_MAXIMUM) != 2:
    bad.append("vcpusFlags(maximum) = %r" % dom.vcpusFlags(libvirt.VIR_DOMAIN_VCPU_MAXIMUM))

total = dom.getCPUStats(True)
if len(total) != 1 or total[0].get("cpu_time", 0) <= 0:
    bad.append("getCPUStats(total) = %r" % (total,))
cap, alloc, phys = dom.blockInfo(disk)
if cap != 64 << 20:
    bad.append("blockInfo = %r" % ((cap, alloc, phys),))
if dom.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE:
    bad.append("jobInfo = %r" % (dom.jobInfo(),))

if conn.getFreeMemory() <= 0:
    bad.append("getFreeMemory = %r" % conn.getFreeMemory())
cpus = conn.getCPUStats(libvirt.VIR_NODE_CPU_STATS_ALL_CPUS)
if set(cpus) != {"kernel", "user", "idle", "iowait"}:
    bad.append("node getCPUStats = %r" % cpus)
mem = conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS)
if set(mem) != {"total", "free", "buffers", "cached"}:
    bad.append("node getMemoryStats = %r" % mem)
n, cpumap, online = conn.getCPUMap()
if n <= 0 or len(cpumap) != n or online <= 0:
    bad.append("getCPUMap = %r" % ((n, cpumap, online),))
if conn.getMaxVcpus("qemu") != 16:
    bad.append("getMaxVcpus(qemu) = %r" % conn.getMaxVcpus("qemu"))

print("OK" if not bad else "\n".join(bad))
