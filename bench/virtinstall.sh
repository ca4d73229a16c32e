#!/usr/bin/env bash
# bench/virtinstall.sh - the calls virt-install waits for, virtunit's libvirtd beside
# Debian's libvirtd 9.0 on the same machine (issue 12): virConnectGetDomainCapabilities
# and virDomainDefineXML of the guest virt-install writes by default
# (daemons/qemu/testdata/virtinst/import-generic.xml), interleaved call by call over
# one connection to each (bench/toolcalls), after a warm-up call that lets each daemon
# probe QEMU. Both daemons run in namespaces of their own (bench/lib.sh).
#
#   usage: sudo bench/virtinstall.sh        (from the project root; N=200 calls;
#          XML=daemons/qemu/testdata/virtinst/q35-uefi.xml for another of virt-install's
#          guests)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
[ -x /usr/sbin/libvirtd ] || { echo "Debian's libvirtd is not installed (BENCH_INSTALL=1 installs it)" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/libvirtd ./bench/toolcalls || exit 1
makens virtunit
makens libvirtd-9.0
start virtunit "$TMP/bin/libvirtd"
waitsock || { echo "virtunit did not start" >&2; exit 1; }
SOCK_A=$SOCK
start libvirtd-9.0 /usr/sbin/libvirtd
waitsock || { echo "libvirtd did not start" >&2; exit 1; }
SOCK_B=$SOCK
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$TMP/bin/toolcalls" -a "$SOCK_A" -name-a virtunit -b "$SOCK_B" -name-b libvirtd-9.0 \
	-xml "${XML:-daemons/qemu/testdata/virtinst/import-generic.xml}" -n "${N:-200}" | tee "$TMP/results"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '$2 == "virtunit" {v[$1]=$3} $2 == "libvirtd-9.0" {l[$1]=$3}
	END {for (k in v) printf "%s: virtunit/libvirtd median ratio %.3f\n", k, v[k]/l[k]}' "$TMP/results"
for p in $(cat "$TMP"/*.pid); do kill -TERM "$p" 2>/dev/null; done
sleep 1
