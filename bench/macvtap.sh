#!/usr/bin/env bash
# bench/macvtap.sh - guests with macvtap interfaces, virtunit's libvirtd beside Debian's
# libvirtd 9.0 on the same machine (issue 18):
#   * starting a guest with one <interface type='direct'> (macvtap in bridge mode on a
#     veth): the start call alone, median of BENCH_REPS (default 10)
#   * 20 guests on one macvtap network (forward mode bridge, a pool of two veths)
#     started at once, one connection each: wall time, median of BENCH_MANY_REPS
#     (default 3)
# Both daemons run at the same time, each under `tini -s` in namespaces of its own
# (bench/lib.sh) whose veth pairs stand in for uplinks, and take turns within every
# repetition, so that a busy moment of the machine weighs on both alike. Guests are
# firmware-only (qboot, TCG). The machine's load is printed before and after.
#
#   usage: sudo bench/macvtap.sh        (from the project root)
set -u
REPS=${BENCH_REPS:-10}
MANY_REPS=${BENCH_MANY_REPS:-3}
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REAPER=1
command -v tini >/dev/null || { echo "tini is not installed" >&2; exit 1; }
[ -x /usr/sbin/libvirtd ] || { echo "Debian's libvirtd is not installed (BENCH_INSTALL=1 installs it)" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/... ./bench/macvtap || exit 1

DAEMONS=(virtunit libvirtd-9.0)
declare -A BIN=([virtunit]="$TMP/bin/libvirtd" [libvirtd-9.0]=/usr/sbin/libvirtd) SOCKS=()
cat >"$TMP/mvnet.xml" <<'XML'
<network>
  <name>mvnet</name>
  <forward mode='bridge'><interface dev='up1'/><interface dev='up2'/></forward>
</network>
XML
for d in "${DAEMONS[@]}"; do
	makens "$d"
	for up in up0 up1 up2; do
		inns "$d" ip link add "$up" type veth peer name "${up}p" || exit 1
		inns "$d" ip link set "$up" up
		inns "$d" ip link set "${up}p" up
	done
	start "$d" "${BIN[$d]}"
	waitsock || { echo "$d did not start" >&2; exit 1; }
	SOCKS[$d]=$SOCK
	for _ in $(seq 500); do virsh -q -c "qemu:///system?socket=$SOCK" list >/dev/null 2>&1 && break; sleep 0.02; done
	virsh -q -c "qemu:///system?socket=$SOCK" net-define "$TMP/mvnet.xml" >/dev/null &&
		virsh -q -c "qemu:///system?socket=$SOCK" net-start mvnet >/dev/null || { echo "$d: mvnet did not start" >&2; exit 1; }
done

bm() { "$TMP/bin/macvtap" -socket "${SOCKS[$1]}" "${@:2}"; }
declare -A ONE=() MANY=()
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$REPS"); do
	order=("${DAEMONS[@]}")
	[ $((r % 2)) = 0 ] && order=("${DAEMONS[1]}" "${DAEMONS[0]}")
	for d in "${order[@]}"; do
		v=$(bm "$d" direct -dev up0 | awk '$1 == "start_ms" {print $2}')
		[ -n "$v" ] || { echo "$d: direct start failed" >&2; exit 1; }
		ONE[$d]+="$v "
	done
done
for r in $(seq "$MANY_REPS"); do
	order=("${DAEMONS[@]}")
	[ $((r % 2)) = 0 ] && order=("${DAEMONS[1]}" "${DAEMONS[0]}")
	for d in "${order[@]}"; do
		v=$(bm "$d" many -n 20 -network mvnet | awk '$1 == "wall_ms" {print $2}')
		[ -n "$v" ] || { echo "$d: 20 guests did not start" >&2; exit 1; }
		MANY[$d]+="$v "
		sleep 1
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
{
	echo "daemon direct_start_ms(median) 20_guests_wall_ms(median) direct_samples 20_guests_samples"
	for d in "${DAEMONS[@]}"; do
		printf '%s %s %s %s %s\n' "$d" "$(tr ' ' '\n' <<<"${ONE[$d]}" | grep . | median)" \
			"$(tr ' ' '\n' <<<"${MANY[$d]}" | grep . | median)" "$(tr ' ' , <<<"${ONE[$d]% }")" "$(tr ' ' , <<<"${MANY[$d]% }")"
	done
} | column -t | tee "$TMP/results"
awk 'NR==2 {a=$2; b=$3} NR==3 {printf "ratios (virtunit/libvirtd): direct start %.2f, 20 guests at once %.2f\n", a/$2, b/$3}' "$TMP/results"
