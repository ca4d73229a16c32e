#!/usr/bin/env bash
# bench/percall.sh - what one call costs the daemon, virtunit's libvirtd beside Debian's
# libvirtd 9.0: daemon CPU per call (its threads' schedstat, so the client's speed does not
# enter) and calls per second, for GetVersion, ListAllDomains and DomainGetXMLDesc,
# with libvirt's own C client (python3-libvirt, bench/percall.py) and with a client that
# costs next to nothing per call (bench/rawrpc: pre-encoded requests, one write and one
# read each), over one connection and over 4 at once, with each client's own CPU per
# call and the ceiling it sets. Both
# daemons are up at once and take turns run by run; the medians and the spread
# (min-max) of BENCH_RUNS runs are printed with the load.
#
#   usage: sudo bench/percall.sh        (from the project root)
#   BENCH_RUNS (default 5), BENCH_CALLS (calls per connection, default 5000)
set -u
RUNS=${BENCH_RUNS:-5}
CALLS=${BENCH_CALLS:-5000}
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import libvirt' 2>/dev/null ||
	{ echo "python3-libvirt is needed (apt-get install python3-libvirt)" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/libvirtd ./bench/rawrpc || exit 1
CLIENTS=(python raw)

DAEMONS=(virtunit)
declare -A BIN=([virtunit]="$TMP/bin/libvirtd" [libvirtd-9.0]=/usr/sbin/libvirtd)
[ -x /usr/sbin/libvirtd ] && DAEMONS+=(libvirtd-9.0)
cat >"$TMP/dom.xml" <<'XML'
<domain type='qemu'>
  <name>percall</name>
  <memory unit='MiB'>32</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><controller type='usb' model='none'/><memballoon model='none'/></devices>
</domain>
XML
declare -A SOCKS PIDS
for d in "${DAEMONS[@]}"; do
	makens "$d"
	start "$d" "${BIN[$d]}"
	waitsock || { echo "$d did not start" >&2; exit 1; }
	SOCKS[$d]=$SOCK PIDS[$d]="$PID $DPID"
	virsh -q -c "qemu:///system?socket=$SOCK" define "$TMP/dom.xml" >/dev/null || { echo "$d: define failed" >&2; exit 1; }
done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$RUNS"); do
	for call in version list xml; do
		for k in 1 4; do
			for c in "${CLIENTS[@]}"; do
				for d in "${DAEMONS[@]}"; do
					read -r _ dpid <<<"${PIDS[$d]}"
					if [ "$c" = python ]; then
						/usr/bin/python3 bench/percall.py "${SOCKS[$d]}" "$dpid" "$call" $((CALLS / k)) "$k"
					else
						"$TMP/bin/rawrpc" -socket "${SOCKS[$d]}" -pid "$dpid" -call "$call" -n $((CALLS / k)) -k "$k"
					fi | awk -v f="$TMP/$d.$c.$call.$k" '{print $4 >> (f ".cpu"); print $6 >> (f ".rate"); print $8 >> (f ".client")}'
				done
			done
		done
	done
done
for d in "${DAEMONS[@]}"; do
	read -r PID DPID <<<"${PIDS[$d]}"
	stop
done
spread() { sort -g "$1" | awk '{v[NR]=$1} END {printf "%s-%s", v[1], v[NR]}'; }
{
	echo "daemon client call connections cpu_us_per_call(median) spread calls_per_s(median) spread client_cpu_us_per_call(median)"
	for d in "${DAEMONS[@]}"; do
		for c in "${CLIENTS[@]}"; do
			for call in version list xml; do
				for k in 1 4; do
					f="$TMP/$d.$c.$call.$k"
					echo "$d $c $call $k $(median <"$f.cpu") $(spread "$f.cpu") $(median <"$f.rate") $(spread "$f.rate") $(median <"$f.client")"
				done
			done
		done
	done
} | column -t | tee "$TMP/results"
# The ceiling of the calls/s ratio: the rate the client's own CPU per call allows (on
# virtunit's side), with one connection 1/client, with 4 on the machine's CPUs
# ncpu/client: what a daemon that cost nothing and woke at once would reach.
awk -v ncpu="$(nproc)" '$1 == "virtunit" {k=$2" "$3" "$4; c[k]=$5; r[k]=$7; cl[k]=$9} $1 == "libvirtd-9.0" && c[$2" "$3" "$4] {
	k = $2" "$3" "$4; par = $4 < ncpu ? $4 : ncpu
	printf "%s %s x%s: CPU per call %.2f of libvirtd, calls/s %.2fx (ceiling %.2fx: the client alone, %.1f us per call)\n", $2, $3, $4, c[k]/$5, r[k]/$7, par * 1e6 / cl[k] / $7, cl[k] }' "$TMP/results"
echo "load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
