#!/usr/bin/env bash
# bench/foundation.sh - the foundation's performance figures, virtunit's libvirtd beside
# Debian's libvirtd 9.0 on the same machine:
#   * cold start: daemon exec to the first answered `virsh list` (median of BENCH_REPS,
#     default 10)
#   * first call: daemon exec to the first answered ConnectListAllDomains with a go-libvirt
#     client (bench/firstcall), the daemon's part of the cold start without virsh's own
#     start-up (median of BENCH_REPS)
#   * idle RSS one second after start
#   * the floor under the cold start: the same `virsh list` against a daemon already
#     up (median of BENCH_REPS), which no daemon's start can take away
#   * ConnectGetVersion and ConnectListAllDomains calls per second, 1000 calls over one
#     go-libvirt connection (bench/rpcrate), median of BENCH_RATE_RUNS (default 9) runs
#     each
# The daemons take turns within every repetition, so that a busy moment of the machine
# weighs on both alike.
# Both daemons run in namespaces of their own (bench/lib.sh). Debian's libvirtd is
# measured when installed (BENCH_INSTALL=1 installs it).
#
#   usage: sudo bench/foundation.sh        (from the project root)
set -u
REPS=${BENCH_REPS:-10}
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/... ./bench/rpcrate ./bench/firstcall || exit 1

DAEMONS=(virtunit)
declare -A BIN=([virtunit]="$TMP/bin/libvirtd" [libvirtd-9.0]=/usr/sbin/libvirtd)
[ -x /usr/sbin/libvirtd ] && DAEMONS+=(libvirtd-9.0)
for d in "${DAEMONS[@]}"; do makens "$d"; done
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# `virsh list` needs the QEMU driver; until a build has one, probe with `hostname`.
probe=list
start virtunit "$TMP/bin/libvirtd"
waitsock
virsh -q -c "qemu:///system?socket=$SOCK" $probe >/dev/null 2>&1 || probe=hostname
stop
echo "probe command: virsh $probe" >&2

# coldstart NAME: starts the daemon, appends exec-to-answered-probe milliseconds and,
# a second later, its RSS to $TMP/NAME.cs and $TMP/NAME.rss, and stops it.
coldstart() {
	local name=$1 t0 t1
	t0=$(now_us)
	start "$name" "${BIN[$name]}"
	for _ in $(seq 5000); do
		virsh -q -c "qemu:///system?socket=$SOCK" $probe >/dev/null 2>&1 && break
		sleep 0.002
	done
	t1=$(now_us)
	echo "$(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 ))" >>"$TMP/$name.cs"
	sleep 1
	ps -o rss= -p "$DPID" >>"$TMP/$name.rss"
	stop
}
# firstcall NAME: appends exec-to-answered-listing milliseconds to $TMP/NAME.first.
firstcall() {
	inns "$1" "$TMP/bin/firstcall" -socket /run/libvirt/libvirt-sock -- \
		"${BIN[$1]}" -f /etc/libvirt/libvirtd.conf 2>>"$TMP/out" | awk '$1 == "list_ms" {print $2}' >>"$TMP/$1.first"
}
for _ in $(seq "$REPS"); do
	for d in "${DAEMONS[@]}"; do
		coldstart "$d"
		firstcall "$d"
	done
done

# Calls per second: both daemons up at once, runs alternating between them.
declare -A SOCKS PIDS
for d in "${DAEMONS[@]}"; do
	start "$d" "${BIN[$d]}"
	waitsock
	SOCKS[$d]=$SOCK PIDS[$d]="$PID $DPID"
done
sleep 0.5
for _ in $(seq "$REPS"); do
	for d in "${DAEMONS[@]}"; do
		t0=$(now_us)
		virsh -q -c "qemu:///system?socket=${SOCKS[$d]}" $probe >/dev/null 2>&1
		t1=$(now_us)
		echo "$(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 ))" >>"$TMP/$d.warm"
	done
done
rate() { "$TMP/bin/rpcrate" -socket "$1" -uri qemu:///system -n 1000 -call "$2" | awk '$1 == "calls_per_s" {print $2}'; }
for _ in $(seq "${BENCH_RATE_RUNS:-9}"); do
	for d in "${DAEMONS[@]}"; do
		rate "${SOCKS[$d]}" version >>"$TMP/$d.version"
		rate "${SOCKS[$d]}" list >>"$TMP/$d.list"
	done
done
for d in "${DAEMONS[@]}"; do
	read -r PID DPID <<<"${PIDS[$d]}"
	stop
done

{
	echo "daemon coldstart_ms firstcall_ms idle_rss_kib getversion_calls_per_s listalldomains_calls_per_s warm_virsh_ms"
	for d in "${DAEMONS[@]}"; do
		printf '%s %s %s %s %s %s %s\n' "$d" "$(median <"$TMP/$d.cs")" "$(median <"$TMP/$d.first")" "$(median <"$TMP/$d.rss")" \
			"$(median <"$TMP/$d.version")" "$(median <"$TMP/$d.list")" "$(median <"$TMP/$d.warm")"
	done
	[ -x /usr/sbin/libvirtd ] || echo "libvirtd-9.0 not-installed - - - - -"
} | column -t | tee "$TMP/results"
awk 'NR==2 {c=$2; f=$3; r=$4; q=$5; l=$6; w=$7} NR==3 && $2+0 > 0 {
	printf "ratios (virtunit/libvirtd): cold start %.2f, first call %.2f, RSS %.2f, GetVersion calls/s %.2f, ListAllDomains calls/s %.2f\n", c/$2, f/$3, r/$4, q/$5, l/$6
	if ($7 < w) w = $7
	printf "cold start floor: virsh alone takes %.1f ms, %.2f of libvirtd'"'"'s cold start\n", w, w/$2 }' "$TMP/results"
echo "load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
