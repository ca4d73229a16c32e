#!/usr/bin/env bash
# bench/guestcalls.sh - what pollers and virt-manager ask of running guests, virtunit's
# libvirtd beside Debian's libvirtd 9.0 on the same machine (issue 13):
#   * virConnectGetAllDomainStats of 50 running guests, every group
#   * the same for one guest (virsh domstats NAME)
#   * a live attach and detach of a SCSI disk
# interleaved call by call over one connection to each (bench/guestcalls). Guests are
# firmware-only (qboot), type='qemu', each with a qcow2 disk on virtio-scsi and a
# virtio balloon. Both daemons run under `tini -s` in namespaces of their own
# (bench/lib.sh); nothing reaches the host's network.
#
#   usage: sudo bench/guestcalls.sh        (from the project root; N=50 guests, ROUNDS=30)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REAPER=1
[ -x /usr/sbin/libvirtd ] || { echo "Debian's libvirtd is not installed (BENCH_INSTALL=1 installs it)" >&2; exit 1; }
command -v tini >/dev/null || { echo "tini is not installed" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/libvirtd ./bench/guestcalls || exit 1
mkdir -p "$TMP/images" && chmod 755 "$TMP" "$TMP/images"
makens virtunit
makens libvirtd-9.0
start virtunit "$TMP/bin/libvirtd"
waitsock || { echo "virtunit did not start" >&2; exit 1; }
SOCK_A=$SOCK
start libvirtd-9.0 /usr/sbin/libvirtd
waitsock || { echo "libvirtd did not start" >&2; exit 1; }
SOCK_B=$SOCK
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$TMP/bin/guestcalls" -a "$SOCK_A" -name-a virtunit -b "$SOCK_B" -name-b libvirtd-9.0 \
	-n "${N:-50}" -rounds "${ROUNDS:-30}" -disk-dir "$TMP/images" | tee "$TMP/results"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '$2 == "virtunit" {v[$1]=$3} $2 == "libvirtd-9.0" {l[$1]=$3}
	END {for (k in v) printf "%s: virtunit/libvirtd median ratio %.3f\n", k, v[k]/l[k]}' "$TMP/results"
for p in $(cat "$TMP"/*.pid); do kill -TERM "$p" 2>/dev/null; done
sleep 1
