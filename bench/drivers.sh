#!/usr/bin/env bash
# bench/drivers.sh - the drivers' performance figures, virtunit's libvirtd beside
# Debian's libvirtd 9.0 on the same machine (issues 4 and 6):
#   * define+start+destroy+undefine of a minimal guest (no disk, 64 MiB), median of 10
#     over one go-libvirt connection (bench/cycle), and the destroy step of it alone
#   * daemon RSS with 20 guests running
#   * restart with 5 guests running: SIGTERM, then from the new daemon's exec until a
#     client sees all 5 listed running (median of 3), and whether their QEMU pids
#     survived
#   * net-define+net-start+net-destroy+net-undefine of a NAT network with DHCP in
#     TEST-NET-1, with virsh, median of 5
# Guests are type='qemu' (TCG) for both daemons: virtunit refuses type='kvm' where KVM
# is not usable, as on the test machines. Both daemons run under `tini -s` in
# namespaces of their own (bench/lib.sh); nothing reaches the host's network.
#
#   usage: sudo bench/drivers.sh        (from the project root)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REAPER=1
command -v tini >/dev/null || { echo "tini is not installed" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/... ./bench/cycle || exit 1
cat >"$TMP/net.xml" <<'XML'
<network>
  <name>bench-net</name>
  <forward mode='nat'/>
  <bridge name='virbr-bench' stp='on' delay='0'/>
  <ip address='192.0.2.1' netmask='255.255.255.0'>
    <dhcp><range start='192.0.2.100' end='192.0.2.200'/></dhcp>
  </ip>
</network>
XML

cyc() { "$TMP/bin/cycle" -socket "$SOCK" "$@"; }
qemu_pids() { pgrep -f "qemu-system.*-name guest=bench-" | sort | tr '\n' ' '; }

# measure NAME BIN: prints "NAME cycle_ms destroy_ms rss20_kib restart_ms pids_kept net_cycle_ms"
measure() {
	local name=$1 bin=$2 c des rss restart=() kept=yes before after net=() t0 t1
	start "$name" "$bin"
	waitsock || { echo "$name did not start" >&2; return; }
	read -r c des < <(cyc -n 10 domains | awk '$1 == "cycle_median_ms" {c=$2} $1 == "destroy_median_ms" {d=$2} END {print c, d}')

	cyc -n 20 -prefix bench start || echo "$name: starting 20 guests failed" >&2
	sleep 3 # firmware boot over
	rss=$(ps -o rss= -p "$DPID")
	cyc -prefix bench cleanup
	for _ in 1 2 3; do
		cyc -n 5 -prefix bench start
		sleep 1
		before=$(qemu_pids)
		stop
		t0=$(now_us)
		start "$name" "$bin"
		cyc -n 5 wait >/dev/null
		t1=$(now_us)
		restart+=("$(( (t1 - t0) / 1000 ))")
		after=$(qemu_pids)
		[ "$before" = "$after" ] || kept=no
		cyc -prefix bench cleanup
	done

	for _ in 1 2 3 4 5; do
		t0=$(now_us)
		virsh -q -c "qemu:///system?socket=$SOCK" net-define "$TMP/net.xml" >/dev/null &&
			virsh -q -c "qemu:///system?socket=$SOCK" net-start bench-net >/dev/null &&
			virsh -q -c "qemu:///system?socket=$SOCK" net-destroy bench-net >/dev/null &&
			virsh -q -c "qemu:///system?socket=$SOCK" net-undefine bench-net >/dev/null
		t1=$(now_us)
		net+=("$(( (t1 - t0) / 1000 ))")
	done
	stop
	printf '%s %s %s %s %s %s %s\n' "$name" "$c" "$des" "$rss" "$(printf '%s\n' "${restart[@]}" | median)" "$kept" \
		"$(printf '%s\n' "${net[@]}" | median)"
}

makens virtunit
[ -x /usr/sbin/libvirtd ] && makens libvirtd-9.0
{
	echo "daemon guest_cycle_ms destroy_ms rss_20_guests_kib restart_5_running_ms qemu_pids_kept net_cycle_ms"
	measure virtunit "$TMP/bin/libvirtd"
	if [ -x /usr/sbin/libvirtd ]; then
		measure libvirtd-9.0 /usr/sbin/libvirtd
	else
		echo "libvirtd-9.0 not-installed - - - - -"
	fi
} | column -t | tee "$TMP/results"
awk 'NR==2 {c=$2; d=$3; r=$4; s=$5; n=$7} NR==3 && $2+0 > 0 {
	printf "ratios (virtunit/libvirtd): guest cycle %.2f, destroy %.2f, RSS with 20 guests %.2f, restart %.2f, network cycle %.2f\n", c/$2, d/$3, r/$4, s/$5, n/$7 }' "$TMP/results"
