#!/usr/bin/env bash
# bench/storage.sh - the storage driver's figures, virtunit's libvirtd beside Debian's
# libvirtd 9.0 on the same machine (issue 14), both running at once and measured in
# turns:
#   * vol-upload and vol-download of a 1 GiB raw volume (random data), median of 3, as
#     throughput: with virsh (what users run) and with go-libvirt's streams (a client
#     that costs less per byte, bench/storagebench), beside cp of the same file on the
#     same filesystem
#   * StoragePoolRefresh of a dir pool of 1000 volumes (qcow2 and raw files), the call
#     alone over one connection (bench/storagebench), median of 20
# virsh's own CPU for each transfer (user and system time) is printed beside it, and
# that of its busiest thread: a transfer cannot end before that thread has done its
# share of the work, whatever the daemon does.
# Pools and files are on /dev/shm (tmpfs), so the disk's write-back does not decide
# the figures. Both daemons run in namespaces of their own (bench/lib.sh).
#
#   usage: sudo bench/storage.sh        (from the project root)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
[ -x /usr/sbin/libvirtd ] || { echo "Debian's libvirtd is not installed (BENCH_INSTALL=1 installs it)" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/libvirtd ./bench/storagebench || exit 1
SHM=$(mktemp -d /dev/shm/vubench-XXXXXX)
trap 'rm -rf "$SHM"; cleanup' EXIT
REPS=${REPS:-3}

head -c 1G /dev/urandom >"$SHM/src"
for d in virtunit libvirtd-9.0; do
	mkdir -p "$SHM/$d/big"
	for i in $(seq 500); do
		qemu-img create -q -f qcow2 "$SHM/$d/big/q$i.qcow2" 1M
		truncate -s 1M "$SHM/$d/big/r$i.img"
	done
done

declare -A SOCKS PIDS
for d in virtunit libvirtd-9.0; do
	makens "$d"
	bin=$TMP/bin/libvirtd
	[ "$d" = libvirtd-9.0 ] && bin=/usr/sbin/libvirtd
	start "$d" "$bin"
	waitsock || { echo "$d did not start" >&2; exit 1; }
	SOCKS[$d]=$SOCK
	PIDS[$d]=$DPID
	v() { virsh -q -c "qemu:///system?socket=${SOCKS[$d]}" "$@"; }
	v pool-create-as up dir --target "$SHM/$d/up" --build >/dev/null || exit 1
	v vol-create-as up v 1G --allocation 0 >/dev/null || exit 1
	v pool-create-as big dir --target "$SHM/$d/big" >/dev/null || exit 1
done

ms() { echo $(( ($2 - $1) / 1000 )); }
# cputime FILE CMD...: runs CMD, appending its user+system CPU in ms to FILE.
cputime() {
	local f=$1 TIMEFORMAT='%3U %3S'
	shift
	{ time "$@" 2>&3; } 3>&2 2>"$TMP/time"
	awk '{printf "%d\n", ($1 + $2) * 1000}' "$TMP/time" >>"$f"
}
# busiest FILE CMD...: runs CMD, sampling its threads' CPU (schedstat) every 0.1 s, and
# appends the busiest thread's ms to FILE: a lower bound, since the last tenth of a
# second before the exit goes unseen. Bash builtins only (the pause is a read that
# times out on a FIFO nobody writes), so the sampling adds nothing to cputime's figure
# but its own few reads.
mkfifo "$TMP/never"
exec 9<>"$TMP/never"
busiest() {
	local f=$1 pid t v top=0
	shift
	"$@" &
	pid=$!
	declare -A seen=()
	while kill -0 "$pid" 2>/dev/null; do
		for t in /proc/"$pid"/task/*; do
			read -r v _ <"$t/schedstat" 2>/dev/null && seen[${t##*/}]=$v
		done
		read -r -t 0.1 -u 9 _ || true
	done
	for v in "${seen[@]}"; do ((v > top)) && top=$v; done
	echo $((top / 1000000)) >>"$f"
	wait "$pid"
}
declare -A UP DOWN GUP GDOWN
CP=()
for _ in $(seq "$REPS"); do
	t0=$(now_us); cp "$SHM/src" "$SHM/cp"; t1=$(now_us); rm -f "$SHM/cp"
	CP+=("$(ms "$t0" "$t1")")
	for d in virtunit libvirtd-9.0; do
		uri="qemu:///system?socket=${SOCKS[$d]}"
		t0=$(now_us); cputime "$TMP/$d.upcpu" busiest "$TMP/$d.upthread" virsh -q -c "$uri" vol-upload --pool up v "$SHM/src"; t1=$(now_us)
		UP[$d]+="$(ms "$t0" "$t1") "
		t0=$(now_us); cputime "$TMP/$d.downcpu" busiest "$TMP/$d.downthread" virsh -q -c "$uri" vol-download --pool up v "$SHM/dl"; t1=$(now_us)
		DOWN[$d]+="$(ms "$t0" "$t1") "
		cmp -s "$SHM/src" "$SHM/dl" || echo "$d: the downloaded volume differs from the upload" >&2
		rm -f "$SHM/dl"
		sb=("$TMP/bin/storagebench" -socket "${SOCKS[$d]}" -pool up -vol v)
		GUP[$d]+="$("${sb[@]}" -upload "$SHM/src" | awk '{print $2}') "
		GDOWN[$d]+="$("${sb[@]}" -download "$SHM/dl" | awk '{print $2}') "
		cmp -s "$SHM/src" "$SHM/dl" || echo "$d: the downloaded volume differs from the upload (go-libvirt)" >&2
		rm -f "$SHM/dl"
	done
done
declare -A REFRESH
for _ in 1 2; do
	for d in virtunit libvirtd-9.0; do
		REFRESH[$d]+="$("$TMP/bin/storagebench" -socket "${SOCKS[$d]}" -pool big -n 20 | awk '$1 == "refresh_median_ms" {print $2}') "
	done
done

med() { tr ' ' '\n' | grep . | median; }
cpms=$(printf '%s\n' "${CP[@]}" | median)
mibs() { awk -v ms="$1" 'BEGIN { printf "%.0f", 1024 / (ms / 1000) }'; }
{
	echo "daemon client upload_ms upload_MiB/s download_ms download_MiB/s refresh_1000_ms"
	for d in virtunit libvirtd-9.0; do
		u=$(echo "${UP[$d]}" | med); w=$(echo "${DOWN[$d]}" | med); r=$(echo "${REFRESH[$d]}" | med)
		echo "$d virsh $u $(mibs "$u") $w $(mibs "$w") $r"
		u=$(echo "${GUP[$d]}" | med); w=$(echo "${GDOWN[$d]}" | med)
		echo "$d go-libvirt $u $(mibs "$u") $w $(mibs "$w") -"
	done
	echo "cp - $cpms $(mibs "$cpms") - - -"
} | column -t | tee "$TMP/results"
awk -v cp="$cpms" '$1 == "virtunit" && $2 == "virsh" {u=$3; w=$5; r=$7} $1 == "virtunit" && $2 == "go-libvirt" {gu=$3; gw=$5}
	$1 == "libvirtd-9.0" && $2 == "virsh" {lu=$3; lw=$5; lr=$7} $1 == "libvirtd-9.0" && $2 == "go-libvirt" {lgu=$3; lgw=$5}
	END { printf "virtunit/libvirtd time: upload %.2f (go-libvirt %.2f), download %.2f (go-libvirt %.2f), refresh %.2f\n", u/lu, gu/lgu, w/lw, gw/lgw, r/lr
	      printf "virtunit/cp time: upload %.2f (go-libvirt %.2f), download %.2f (go-libvirt %.2f)\n", u/cp, gu/cp, w/cp, gw/cp }' "$TMP/results"
for d in virtunit libvirtd-9.0; do
	echo "$d: virsh's own CPU, upload $(median <"$TMP/$d.upcpu") ms (busiest thread at least $(median <"$TMP/$d.upthread")), download $(median <"$TMP/$d.downcpu") ms (busiest thread at least $(median <"$TMP/$d.downthread"))"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
