#!/usr/bin/env bash
# bench/foundation.sh - the foundation's performance figures, virtunit's libvirtd beside
# Debian's libvirtd 9.0 on the same machine:
#   * cold start: daemon exec to the first answered `virsh list` (median of BENCH_REPS)
#   * idle RSS one second after start
#   * ConnectGetVersion and ConnectListAllDomains calls per second, 1000 calls over one
#     go-libvirt connection (bench/rpcrate), median of 5 runs each
# Both daemons run in namespaces of their own (bench/lib.sh). Debian's libvirtd is
# measured when installed (BENCH_INSTALL=1 installs it).
#
#   usage: sudo bench/foundation.sh        (from the project root)
set -u
REPS=${BENCH_REPS:-10}
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/... ./bench/rpcrate || exit 1

# measure NAME BIN PROBE (NAME is also the namespace): prints "NAME coldstart_ms
# rss_kib version_calls_per_s list_calls_per_s"
measure() {
	local name=$1 bin=$2 probe=$3 t0 t1 i cs=() rss=() rate=() lrate=()
	for _ in $(seq "$REPS"); do
		t0=$(now_us)
		start "$name" "$bin"
		for i in $(seq 5000); do
			virsh -q -c "qemu:///system?socket=$SOCK" $probe >/dev/null 2>&1 && break
			sleep 0.002
		done
		t1=$(now_us)
		cs+=("$(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 ))")
		sleep 1
		rss+=("$(ps -o rss= -p "$DPID")")
		stop
	done
	start "$name" "$bin"
	waitsock
	sleep 0.2
	for _ in 1 2 3 4 5; do
		rate+=("$("$TMP/bin/rpcrate" -socket "$SOCK" -uri qemu:///system -n 1000 -call version | awk '$1 == "calls_per_s" {print $2}')")
		lrate+=("$("$TMP/bin/rpcrate" -socket "$SOCK" -uri qemu:///system -n 1000 -call list | awk '$1 == "calls_per_s" {print $2}')")
	done
	stop
	printf '%s %s %s %s %s\n' "$name" "$(printf '%s\n' "${cs[@]}" | median)" \
		"$(printf '%s\n' "${rss[@]}" | median)" "$(printf '%s\n' "${rate[@]}" | median)" \
		"$(printf '%s\n' "${lrate[@]}" | median)"
}

# `virsh list` needs the QEMU driver; until a build has one, probe with `hostname`.
makens virtunit
[ -x /usr/sbin/libvirtd ] && makens libvirtd-9.0
probe=list
start virtunit "$TMP/bin/libvirtd"
waitsock
virsh -q -c "qemu:///system?socket=$SOCK" list >/dev/null 2>&1 || probe=hostname
stop
echo "probe command: virsh $probe" >&2

{
	echo "daemon coldstart_ms idle_rss_kib getversion_calls_per_s listalldomains_calls_per_s"
	measure virtunit "$TMP/bin/libvirtd" "$probe"
	if [ -x /usr/sbin/libvirtd ]; then
		measure libvirtd-9.0 /usr/sbin/libvirtd "$probe"
	else
		echo "libvirtd-9.0 not-installed - - -"
	fi
} | column -t | tee "$TMP/results"
awk 'NR==2 {c=$2; r=$3; q=$4; l=$5} NR==3 && $2+0 > 0 {
	printf "ratios (virtunit/libvirtd): cold start %.2f, RSS %.2f, GetVersion calls/s %.2f, ListAllDomains calls/s %.2f\n", c/$2, r/$3, q/$4, l/$5 }' "$TMP/results"
