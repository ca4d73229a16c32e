#!/usr/bin/env bash
# bench/migration-interop.sh - issue 15's stretch goal, checked by hand: live
# migration between virtunit's libvirtd and Debian's libvirtd 9.0, both directions,
# peer-to-peer and direct, with shared-nothing disks (--copy-storage-all/-inc). Two
# hosts as network and mount namespaces of their own (bench/lib.sh) joined by a veth
# pair, 198.51.100.2 (virtunit) and .3 (libvirtd 9.0), qemu+tcp without auth. Each
# step prints its command and exit status; the script exits 1 if any step failed.
#
#   usage: sudo bench/migration-interop.sh        (from the project root)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
[ -x /usr/sbin/libvirtd ] || { echo "Debian's libvirtd is not installed (BENCH_INSTALL=1 installs it)" >&2; exit 1; }
for c in tini virsh qemu-img qemu-io; do command -v $c >/dev/null || { echo "$c is not installed" >&2; exit 1; }; done
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/libvirtd || exit 1

host() { # NS ADDR UUID
	makens "$1"
	inns "$1" sh -c "cat >>/etc/libvirt/libvirtd.conf <<CONF
listen_tls = 0
listen_tcp = 1
auth_tcp = \"none\"
host_uuid = \"$3\"
CONF
echo 'migration_host = \"$2\"' >>/etc/libvirt/qemu.conf"
}
host vu 198.51.100.2 7d3c0c1e-0000-4000-8000-00000000000a
host lv 198.51.100.3 7d3c0c1e-0000-4000-8000-00000000000b
joinhosts vu lv vio
startlisten vu "$TMP/bin/libvirtd"
startlisten lv /usr/sbin/libvirtd
VU=qemu+tcp://198.51.100.2/system LV=qemu+tcp://198.51.100.3/system
failed=0
step() { echo "== $*"; "$@" 2>&1 | sed 's/^/   /'; local rc=${PIPESTATUS[0]}; echo "   -> exit $rc"; [ "$rc" = 0 ] || failed=1; }
vu() { inns vu virsh -q -c $VU "$@"; }
lv() { inns lv virsh -q -c $LV "$@"; }

cat >"$TMP/idle.xml" <<'XML'
<domain type='qemu'>
  <name>idle</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>/usr/share/qemu/qboot.rom</loader></os>
  <devices><controller type='usb' model='none'/><memballoon model='none'/></devices>
</domain>
XML
vu define "$TMP/idle.xml" >/dev/null && vu start idle >/dev/null || exit 1
step vu migrate --live --p2p idle $LV
step lv migrate --live --p2p idle $VU
step vu migrate --live idle $LV --migrateuri tcp://198.51.100.3
step lv migrate --live idle $VU --migrateuri tcp://198.51.100.2
step vu domstate idle

# Shared-nothing disks: each namespace has its own /var/lib/libvirt/images.
for ns in vu lv; do inns $ns sh -c 'mkdir -p /var/lib/libvirt/images && qemu-img create -q -f qcow2 /var/lib/libvirt/images/s.qcow2 8M && qemu-img create -q -f qcow2 /var/lib/libvirt/images/t.qcow2 8M'; done
inns vu qemu-io -f qcow2 -c 'write -P 0xab 1M 1M' /var/lib/libvirt/images/s.qcow2 >/dev/null
inns lv qemu-io -f qcow2 -c 'write -P 0xee 1M 1M' /var/lib/libvirt/images/t.qcow2 >/dev/null
disk() { sed -e "s/<name>idle/<name>$1/" -e "s|<memballoon model='none'/>|<memballoon model='none'/><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/$1.qcow2'/><target dev='hda' bus='ide'/></disk>|" "$TMP/idle.xml" >"$TMP/$1.xml"; }
disk s && disk t
vu create "$TMP/s.xml" >/dev/null || exit 1
step vu migrate --live --p2p --copy-storage-all s $LV
step lv qemu-monitor-command --hmp s 'qemu-io -d ide0-0-0 "write -P 0xcd 2M 1M"'
step lv migrate --live --copy-storage-inc s $VU --migrateuri tcp://198.51.100.2
vu destroy s >/dev/null
step inns vu qemu-io -f qcow2 -c 'read -P 0xab 1M 1M' -c 'read -P 0xcd 2M 1M' /var/lib/libvirt/images/s.qcow2
lv create "$TMP/t.xml" >/dev/null || exit 1
step lv migrate --live --p2p --copy-storage-all t $VU
vu destroy t >/dev/null
step inns vu qemu-io -f qcow2 -c 'read -P 0xee 1M 1M' /var/lib/libvirt/images/t.qcow2

# The guests go before their daemons: libvirtd's QEMUs outlive libvirtd by design.
for g in idle s t; do vu destroy $g >/dev/null 2>&1; lv destroy $g >/dev/null 2>&1; done
for p in $(cat "$TMP"/*.pid); do kill -TERM "$p" 2>/dev/null; done
sleep 1
exit $failed
