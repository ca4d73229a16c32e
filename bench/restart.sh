#!/usr/bin/env bash
# bench/restart.sh - the spread of issue 17's absolute restart target (SIGKILL, then
# restart until all 100 guests are listed running, within 300 ms), which
# bench/scale.sh measures once beside libvirtd: virtunit's libvirtd only, with 100
# running guests (bench/cycle's minimal TCG guest) once the machine has settled
# (bench/lib.sh), then BENCH_RESTARTS times: SIGKILL of the daemon, exec of a new one,
# a client polling over new connections until all are listed running (the daemon's
# pid is looked for only after that: bench/lib.sh's launch). Prints each
# restart with the CPU the new daemon had used by then, the median, the spread and
# the machine's load.
#
#   usage: sudo bench/restart.sh      (from the project root)
#   BENCH_RUNNING (default 100), BENCH_RESTARTS (default 10)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REAPER=1
RUNNING=${BENCH_RUNNING:-100}
RESTARTS=${BENCH_RESTARTS:-10}
command -v tini >/dev/null || { echo "tini is not installed" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/libvirtd ./bench/cycle || exit 1
cyc() { "$TMP/bin/cycle" -socket "$SOCK" -mem 32 "$@"; }

makens virtunit
start virtunit "$TMP/bin/libvirtd"
waitsock || { echo "virtunit did not start" >&2; exit 1; }
cyc -n "$RUNNING" -prefix run define || exit 1
for i in $(seq 0 $((RUNNING - 1))); do
	virsh -q -c "qemu:///system?socket=$SOCK" start "$(printf 'run-%02d' "$i")" >/dev/null &
done
wait $(jobs -p | grep -v "^$PID\$") 2>/dev/null
cyc -n "$RUNNING" -timeout 120s wait >/dev/null || { echo "$RUNNING guests not running" >&2; exit 1; }
echo "the machine settled after $(settle)"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
times=()
for r in $(seq "$RESTARTS"); do
	sleep 3
	kill -KILL "$DPID"
	wait "$PID" 2>/dev/null
	t0=$(now_us)
	launch virtunit "$TMP/bin/libvirtd"
	cyc -n "$RUNNING" -timeout 120s wait >/dev/null || echo "restart $r: not all listed" >&2
	t1=$(now_us)
	findpid virtunit "$TMP/bin/libvirtd"
	times+=("$(( (t1 - t0) / 1000 ))")
	echo "restart $r: ${times[-1]} ms (the daemon's CPU so far: $(awk '{print ($14 + $15) * 10}' /proc/"$DPID"/stat) ms)"
done
cyc -prefix run cleanup
stop
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$RUNNING" '{v[NR] = $1; if ($1 > 300) over++}
	END {printf "restart until %d listed: median %s ms, min %s, max %s, %d of %d above 300 ms\n",
		n, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], over, NR}'
echo "load average before the restarts: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
