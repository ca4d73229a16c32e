#!/usr/bin/env bash
# bench/dbus.sh - the org.libvirt D-Bus API: virtunit's libvirtd serving it in process
# beside libvirt-dbus 1.4.1 in front of Debian's libvirtd 9.0, on the same machine
# (issue 11), each on a private dbus-daemon, with bench/dbusrate as the client:
#   * 1000 Properties.Get of a domain property (Active) and 1000 Connect.ListDomains,
#     calls per second, one client and 4 clients at once
#   * event latency: Domain.Suspend/Resume sent to Connect.DomainEvent received, median
#     of 20 rounds
# Each rate comes with the CPU per call of the client, the bus daemon and the server
# (virtunit's daemon; libvirt-dbus and libvirtd together), and with the ceiling the
# client and the bus set: one client cannot call faster than its Peer.Ping round trip,
# and the 4 clients, with the machine's CPUs busy, not faster than the CPUs allow for
# the client's and the bus's CPU per call alone (a server that cost nothing).
# One running guest (qboot firmware, TCG) and 20 defined ones on each side. The sides
# take turns in every one of BENCH_RUNS (default 5) rounds; medians are reported.
# libvirt-dbus and libvirt-glib are unpacked from Debian's packages (apt-get
# download); libvirt-dbus runs in the namespace of its libvirtd (bench/lib.sh) with
# --system, its bus being the private one.
#
#   usage: sudo bench/dbus.sh        (from the project root)
set -u
RUNS=${BENCH_RUNS:-5}
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
[ -x /usr/sbin/libvirtd ] || { echo "Debian's libvirtd is not installed (BENCH_INSTALL=1 installs it)" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/... ./bench/dbusrate || exit 1
(cd "$TMP" && apt-get download -q libvirt-dbus libvirt-glib-1.0-0 >/dev/null 2>&1) ||
	{ echo "apt-get download libvirt-dbus libvirt-glib-1.0-0 failed" >&2; exit 1; }
for deb in "$TMP"/*.deb; do dpkg-deb -x "$deb" "$TMP/ldbus"; done

# bus NAME: a private dbus-daemon; sets ADDR.
bus() {
	mkdir -p "$TMP/bus-$1"
	cat >"$TMP/bus-$1/conf" <<CONF
<busconfig><type>session</type><listen>unix:dir=$TMP/bus-$1</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow eavesdrop="true"/></policy></busconfig>
CONF
	dbus-daemon --config-file="$TMP/bus-$1/conf" --nofork --nopidfile --print-address >"$TMP/bus-$1/addr" &
	echo $! >"$TMP/bus-$1.pid"
	for _ in $(seq 500); do [ -s "$TMP/bus-$1/addr" ] && break; sleep 0.01; done
	ADDR=$(head -1 "$TMP/bus-$1/addr")
}
owned() { # ADDR: until org.libvirt has an owner
	for _ in $(seq 1000); do
		busctl --address="$1" status org.libvirt >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	return 1
}
V() { virsh -q -c "qemu:///system?socket=$SOCK" "$@"; }
guests() {
	for i in $(seq 20); do
		cat >"$TMP/g.xml" <<XML
<domain type='qemu'><name>bench-$i</name><memory unit='MiB'>32</memory>
<os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>/usr/share/qemu/qboot.rom</loader></os>
<devices><controller type='usb' model='none'/><memballoon model='none'/></devices></domain>
XML
		V define "$TMP/g.xml" >/dev/null || return 1
	done
	V start bench-1 >/dev/null
}

# The guests outlive their daemons (virtunit's by design): destroy them on the way out.
SOCK_VU="" SOCK_LD=""
finish() {
	for SOCK in $SOCK_VU $SOCK_LD; do V destroy bench-1 >/dev/null 2>&1; done
	cleanup
}
trap finish EXIT

makens virtunit
makens libvirtd-9.0
bus virtunit
A_VU=$ADDR
DBUS_SYSTEM_BUS_ADDRESS=$A_VU start virtunit "$TMP/bin/libvirtd"
waitsock && owned "$A_VU" || { echo "virtunit's libvirtd did not take org.libvirt" >&2; cat "$TMP/out"; exit 1; }
SOCK_VU=$SOCK PIDS_VU=$DPID BUS_VU=$(cat "$TMP/bus-virtunit.pid")
guests || exit 1
bus libvirt-dbus
A_LD=$ADDR
start libvirtd-9.0 /usr/sbin/libvirtd
waitsock || { echo "libvirtd did not start" >&2; exit 1; }
SOCK_LD=$SOCK PID_LIBVIRTD=$DPID BUS_LD=$(cat "$TMP/bus-libvirt-dbus.pid")
guests || exit 1
inns libvirtd-9.0 env DBUS_SYSTEM_BUS_ADDRESS="$A_LD" VIRT_DBUS_INTERFACES_DIR="$TMP/ldbus/usr/share/dbus-1/interfaces" \
	LD_LIBRARY_PATH="$TMP/ldbus/usr/lib/x86_64-linux-gnu" "$TMP/ldbus/usr/sbin/libvirt-dbus" --system >>"$TMP/out" 2>&1 &
echo $! >"$TMP/libvirt-dbus.pid"
owned "$A_LD" || { echo "libvirt-dbus did not take org.libvirt" >&2; cat "$TMP/out"; exit 1; }
# $! is the subshell that runs inns; libvirt-dbus itself is the process nsenter and env
# became.
PID_LDBUS=$(pgrep -n -f -- "$TMP/ldbus/usr/sbin/libvirt-dbus --system") || { echo "no libvirt-dbus process" >&2; exit 1; }
echo "$PID_LDBUS" >"$TMP/libvirt-dbus.pid" # cleanup stops it
PIDS_LD="$PID_LDBUS,$PID_LIBVIRTD"

: >"$TMP/rounds"
for r in $(seq "$RUNS"); do
	for side in virtunit libvirt-dbus; do
		addr=$A_VU pids=$PIDS_VU bus=$BUS_VU
		[ $side = libvirt-dbus ] && addr=$A_LD pids=$PIDS_LD bus=$BUS_LD
		"$TMP/bin/dbusrate" -address "$addr" -domain bench-1 -server "$pids" -bus "$bus" | sed "s/^/$side /" >>"$TMP/rounds" || exit 1
	done
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) CPUs)"
med() { awk -v s="$1" -v m="$2" '$1 == s && $2 == m {print $3}' "$TMP/rounds" | median; }
{
	echo "side call calls_per_s cpu_us_client cpu_us_bus cpu_us_server"
	for side in virtunit libvirt-dbus; do
		for c in ping get list ping_x4 get_x4 list_x4; do
			echo "$side $c $(med $side ${c}_per_s) $(med $side ${c}_cpu_us_client) $(med $side ${c}_cpu_us_bus) $(med $side ${c}_cpu_us_server)"
		done
	done
} | column -t | tee "$TMP/results"
echo "(medians of $RUNS rounds; CPU per call from /proc/PID/task/*/schedstat)"
printf 'event latency (Suspend/Resume to DomainEvent): virtunit %s ms, libvirt-dbus %s ms\n' "$(med virtunit event_ms)" "$(med libvirt-dbus event_ms)"
# The ceiling of a call's ratio: one client, the fastest round trip the bus gives
# either server (Peer.Ping); 4 clients, the CPUs divided by the client's and the bus's
# CPU for that call on virtunit's side (what a server that cost nothing would leave).
awk -v ncpu="$(nproc)" '{r[$1, $2] = $3; cl[$1, $2] = $4; bu[$1, $2] = $5}
	END {
		ping = r["virtunit", "ping"]; if (r["libvirt-dbus", "ping"] > ping) ping = r["libvirt-dbus", "ping"]
		for (i = 1; i <= 4; i++) {
			split("get list get_x4 list_x4", cs, " "); c = cs[i]
			ceil = ping
			if (c ~ /_x4$/) ceil = ncpu * 1e6 / (cl["virtunit", c] + bu["virtunit", c])
			printf "%-8s virtunit/libvirt-dbus %.1fx; ceiling %.1fx (%.0f calls/s)\n", c, r["virtunit", c] / r["libvirt-dbus", c], ceil / r["libvirt-dbus", c], ceil
		}
	}' "$TMP/results"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
