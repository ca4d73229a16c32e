#!/usr/bin/env bash
# bench/dbus.sh - the org.libvirt D-Bus API: virtunit's libvirtd serving it in process
# beside libvirt-dbus 1.4.1 in front of Debian's libvirtd 9.0, on the same machine
# (issue 11), each on a private dbus-daemon, with bench/dbusrate as the client:
#   * 1000 Properties.Get of a domain property (Active) and 1000 Connect.ListDomains,
#     calls per second, one client and 4 clients at once
#   * event latency: Domain.Suspend/Resume sent to Connect.DomainEvent received, median
#     of 20 rounds
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
SOCK_VU=$SOCK
guests || exit 1
bus libvirt-dbus
A_LD=$ADDR
start libvirtd-9.0 /usr/sbin/libvirtd
waitsock || { echo "libvirtd did not start" >&2; exit 1; }
SOCK_LD=$SOCK
guests || exit 1
inns libvirtd-9.0 env DBUS_SYSTEM_BUS_ADDRESS="$A_LD" VIRT_DBUS_INTERFACES_DIR="$TMP/ldbus/usr/share/dbus-1/interfaces" \
	LD_LIBRARY_PATH="$TMP/ldbus/usr/lib/x86_64-linux-gnu" "$TMP/ldbus/usr/sbin/libvirt-dbus" --system >>"$TMP/out" 2>&1 &
echo $! >"$TMP/libvirt-dbus.pid"
owned "$A_LD" || { echo "libvirt-dbus did not take org.libvirt" >&2; cat "$TMP/out"; exit 1; }

: >"$TMP/rounds"
for r in $(seq "$RUNS"); do
	for side in virtunit libvirt-dbus; do
		addr=$A_VU
		[ $side = libvirt-dbus ] && addr=$A_LD
		"$TMP/bin/dbusrate" -address "$addr" -domain bench-1 | sed "s/^/$side /" >>"$TMP/rounds" || exit 1
	done
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) CPUs)"
{
	echo "side metric median_of_$RUNS"
	for side in virtunit libvirt-dbus; do
		for m in ping_per_s get_per_s get_per_s_x4 list_per_s list_per_s_x4 event_ms; do
			printf '%s %s %s\n' $side $m "$(awk -v s=$side -v m=$m '$1 == s && $2 == m {print $3}' "$TMP/rounds" | median)"
		done
	done
} | column -t | tee "$TMP/results"
awk '$1 == "virtunit" {v[$2] = $3} $1 == "libvirt-dbus" {l[$2] = $3}
	END { printf "ratios (virtunit/libvirt-dbus): Get %.1fx, Get x4 %.1fx, ListDomains %.1fx, ListDomains x4 %.1fx; event latency %.2f ms vs %.2f ms\n",
		v["get_per_s"] / l["get_per_s"], v["get_per_s_x4"] / l["get_per_s_x4"], v["list_per_s"] / l["list_per_s"], v["list_per_s_x4"] / l["list_per_s_x4"], v["event_ms"], l["event_ms"] }' "$TMP/results"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
