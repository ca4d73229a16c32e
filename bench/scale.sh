#!/usr/bin/env bash
# bench/scale.sh - virtunit's libvirtd beside Debian's libvirtd 9.0 at scale (issue 17):
#   * 1000 defined domains: `virsh list --all` (median of 5) with the CPU the daemon
#     spent answering it (all its threads, from /proc/PID/task/*/schedstat) and the CPU
#     virsh spent itself, and daemon exec to the first answered ConnectListAllDomains
#     (bench/firstcall, median of 3)
#   * 100 running guests (the minimal TCG guest of bench/cycle, 32 MiB): wall time of
#     100 concurrent `virsh start`, daemon RSS with them running, and after a SIGKILL
#     of the daemon, exec of a new one until a client sees all 100 listed running; both
#     once the machine is quiet again (the guests' firmware has run: `settle`)
# The daemons run one after the other (each test holds the whole machine), both under
# `tini -s` in namespaces of their own (bench/lib.sh); the machine's load is printed.
#
#   usage: sudo bench/scale.sh        (from the project root)
#   BENCH_DEFINED (default 1000), BENCH_RUNNING (default 100), BENCH_SMAPS (a path:
#   the daemons' /proc/PID/smaps with the guests running are copied to PATH.NAME),
#   BENCH_PPROF (a directory: virtunit's heap profile then, from a -tags pprof build),
#   BENCH_ONLY=virtunit (libvirtd is left out: for profiling, never for a ratio)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REAPER=1
DEFINED=${BENCH_DEFINED:-1000}
RUNNING=${BENCH_RUNNING:-100}
command -v tini >/dev/null || { echo "tini is not installed" >&2; exit 1; }
# BENCH_PPROF=DIR: virtunit's daemon is built with -tags pprof and leaves a heap
# profile in DIR (daemons/daemon/profile.go) where its RSS is read.
tags=()
[ -n "${BENCH_PPROF:-}" ] && tags=(-tags pprof) && export VIRTUNIT_PPROF_DIR=$BENCH_PPROF
CGO_ENABLED=0 go build "${tags[@]}" -o "$TMP/bin/" ./cmd/libvirtd ./bench/cycle ./bench/firstcall || exit 1
cyc() { "$TMP/bin/cycle" -socket "$SOCK" -mem 32 "$@"; }
vsh() { virsh -q -c "qemu:///system?socket=$SOCK" "$@"; }
# cpu_ns PID: CPU time of all of the process's threads, in ns.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'; }

# measure NAME BIN: prints "NAME list_all_ms daemon_cpu_ms virsh_cpu_ms first_call_ms
# concurrent_start_ms rss_kib restart_listed_ms"
measure() {
	local name=$1 bin=$2 lists=() dcpu=() vcpu=() firsts=() t0 t1 c0 c1 cs rss rl
	start "$name" "$bin"
	waitsock || { echo "$name did not start" >&2; return; }
	cyc -n "$DEFINED" -prefix def define || echo "$name: defining $DEFINED domains failed" >&2
	for _ in 1 2 3 4 5; do
		c0=$(cpu_ns "$DPID")
		t0=$(now_us)
		/usr/bin/time -f '%U %S' -o "$TMP/vtime" virsh -q -c "qemu:///system?socket=$SOCK" list --all >/dev/null
		t1=$(now_us)
		c1=$(cpu_ns "$DPID")
		lists+=("$(( (t1 - t0) / 1000 ))")
		dcpu+=("$(( (c1 - c0) / 1000000 ))")
		vcpu+=("$(awk '{printf "%d\n", ($1 + $2) * 1000}' "$TMP/vtime")")
	done
	stop
	for _ in 1 2 3; do
		firsts+=("$(inns "$name" "$TMP/bin/firstcall" -socket /run/libvirt/libvirt-sock -- \
			"$bin" -f /etc/libvirt/libvirtd.conf 2>>"$TMP/out" | awk '$1 == "list_ms" {print $2}')")
	done
	start "$name" "$bin"
	waitsock
	cyc -prefix def cleanup

	cyc -n "$RUNNING" -prefix run define
	t0=$(now_us)
	for i in $(seq 0 $((RUNNING - 1))); do
		vsh start "$(printf 'run-%02d' "$i")" >/dev/null &
	done
	wait $(jobs -p | grep -v "^$PID\$") 2>/dev/null
	t1=$(now_us)
	cs=$(( (t1 - t0) / 1000 ))
	cyc -n "$RUNNING" -timeout 120s wait >/dev/null || echo "$name: $RUNNING guests not running" >&2
	echo "$name: the machine settled after $(settle)" >&2
	sleep 3
	rss=$(ps -o rss= -p "$DPID")
	# What the RSS is made of: anonymous memory, and pages of files (the binary, libraries).
	awk -v n="$name" '$1 == "Rss:" {r = $2} $1 == "Anonymous:" {a = $2}
		END {printf "%s: RSS %d KiB = %d anonymous + %d of files\n", n, r, a, r - a}' \
		/proc/"$DPID"/smaps_rollup >&2
	[ -n "${BENCH_SMAPS:-}" ] && cp /proc/"$DPID"/smaps "$BENCH_SMAPS.$name"
	[ -n "${BENCH_PPROF:-}" ] && [ "$name" = virtunit ] && kill -USR1 "$DPID" && sleep 0.5
	kill -KILL "$DPID"
	wait "$PID" 2>/dev/null
	t0=$(now_us)
	launch "$name" "$bin"
	cyc -n "$RUNNING" -timeout 120s wait >/dev/null
	t1=$(now_us)
	findpid "$name" "$bin"
	rl=$(( (t1 - t0) / 1000 ))
	cyc -prefix run cleanup
	stop
	printf '%s %s %s %s %s %s %s %s\n' "$name" "$(printf '%s\n' "${lists[@]}" | median)" \
		"$(printf '%s\n' "${dcpu[@]}" | median)" "$(printf '%s\n' "${vcpu[@]}" | median)" \
		"$(printf '%s\n' "${firsts[@]}" | median)" "$cs" "$rss" "$rl"
}

makens virtunit
[ -x /usr/sbin/libvirtd ] && makens libvirtd-9.0
load0=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "daemon list_all_${DEFINED}_ms list_daemon_cpu_ms list_virsh_cpu_ms first_call_${DEFINED}_ms start_${RUNNING}_concurrent_ms rss_${RUNNING}_running_kib sigkill_to_${RUNNING}_listed_ms"
	measure virtunit "$TMP/bin/libvirtd"
	if [ "${BENCH_ONLY:-}" = virtunit ]; then
		echo "libvirtd-9.0 not-measured - - - - - - -"
	elif [ -x /usr/sbin/libvirtd ]; then
		measure libvirtd-9.0 /usr/sbin/libvirtd
	else
		echo "libvirtd-9.0 not-installed - - - - - - -"
	fi
} | column -t | tee "$TMP/results"
awk 'NR==2 {l=$2; dc=$3; f=$5; s=$6; r=$7; k=$8} NR==3 && $2+0 > 0 {
	printf "ratios (virtunit/libvirtd): list --all %.2f (daemon CPU %.2f), first call %.2f, concurrent starts %.2f, RSS %.2f, restart until listed %.2f\n", l/$2, ($3 > 0 ? dc/$3 : 0), f/$5, s/$6, r/$7, k/$8 }' "$TMP/results"
echo "load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
