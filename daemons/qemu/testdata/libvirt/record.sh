#!/bin/sh
# record.sh - record what Debian 12's libvirt 9.0 says, as the golden files of the QEMU
# driver's tests:
#   domcapabilities.xml          virsh domcapabilities (qemu-system-x86_64, q35 and pc)
#   capabilities-machines.txt    the x86_64 <machine> list of virsh capabilities, in order
#   ../command/NAME.libvirt      virsh domxml-to-native qemu-argv of ../command/NAME.xml
#   ../command/NAME.defined      virsh dumpxml --inactive after virsh define of NAME.xml
#   ../virtinst/NAME.xml         virt-install --print-xml of each recipe in virtinst.txt
#   ../virtinst/NAME.defined     virsh dumpxml --inactive after virsh define of NAME.xml
#   ../virtinst/NAME.libvirt     virsh domxml-to-native qemu-argv of NAME.xml
#   ../defaults/NAME.defined     virsh dumpxml --inactive after virsh define of
#                                ../defaults/NAME.xml (hand-written definitions that
#                                leave libvirt's defaults to libvirt)
#   ../defaults/NAME.libvirt     virsh domxml-to-native qemu-argv of NAME.xml
#   ../defaults/NAME.err         libvirt's error, for a definition it refuses
#
# usage (as root, Debian 12, packages libvirt-daemon libvirt-daemon-driver-qemu
# libvirt-clients qemu-system-x86 ovmf virtinst):
#   daemons/qemu/testdata/libvirt/record.sh
#
# libvirtd runs by hand in private mount and network namespaces, with its directories
# on a scratch directory, so the host's libvirt state is never read or written; guests
# run as root without sVirt or cgroups. Nothing is started: domxml-to-native only
# builds the command line. Tests compare virtunit's output with these files; rerun this
# script only when the recipes change, and check the diff.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
for b in /usr/sbin/libvirtd virsh virt-install qemu-system-x86_64; do
	command -v "$b" >/dev/null || { echo "missing $b" >&2; exit 1; }
done
getent group kvm >/dev/null || addgroup --quiet --system kvm
getent passwd libvirt-qemu >/dev/null ||
	adduser --quiet --system --ingroup kvm --disabled-login --disabled-password \
		--home /var/lib/libvirt --no-create-home --gecos "Libvirt Qemu" libvirt-qemu
getent group libvirt-qemu >/dev/null || { addgroup --quiet --system libvirt-qemu && adduser --quiet libvirt-qemu libvirt-qemu; }
W=$(mktemp -d /tmp/record-libvirt.XXXXXX)
# the images the recipes name (virt-install reads their format)
mkdir -p /var/lib/virtunit-test
[ -e /var/lib/virtunit-test/root.qcow2 ] || qemu-img create -q -f qcow2 /var/lib/virtunit-test/root.qcow2 64M
[ -e /var/lib/virtunit-test/data.raw ] || truncate -s 16M /var/lib/virtunit-test/data.raw
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/etc" "$W/run" "$W/lib" "$W/log" "$W/cache"
cat >"$W/etc/libvirtd.conf" <<'CONF'
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
CONF
cat >"$W/etc/qemu.conf" <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
CONF
export HERE W
timeout -k 5 600 unshare --mount --propagation private --net sh -eu -c '
	for pair in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
		mkdir -p "${pair#*:}"
		mount --bind "$W/${pair%%:*}" "${pair#*:}"
	done
	/usr/sbin/libvirtd -d -f /etc/libvirt/libvirtd.conf -p "$W/libvirtd.pid"
	U=qemu:///system
	i=0
	until virsh -q -c $U version >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 300 ] || { echo "libvirtd did not answer" >&2; exit 1; }
		sleep 0.1
	done
	virsh -c $U domcapabilities --virttype qemu --machine q35 >"$HERE/domcapabilities-q35.xml"
	virsh -c $U domcapabilities --virttype qemu --machine pc >"$HERE/domcapabilities-pc.xml"
	virsh -c $U capabilities | sed -n "/<arch name=.x86_64.>/,/<\/arch>/p" | grep "<machine" >"$HERE/capabilities-machines.txt"
	for x in "$HERE"/../command/*.xml; do
		case $x in */hostdev.xml) continue ;; esac
		n=${x%.xml}
		if virsh -c $U domxml-to-native qemu-argv --xml "$x" >"$n.libvirt.tmp" 2>"$n.libvirt.err"; then
			mv "$n.libvirt.tmp" "$n.libvirt"; rm -f "$n.libvirt.err"
			dom=$(virsh -c $U define "$x" | sed -n "s/^Domain .\\(.*\\). defined.*/\\1/p")
			virsh -c $U dumpxml --inactive "$dom" >"$n.defined"
			virsh -c $U undefine --nvram "$dom" >/dev/null
		else
			rm -f "$n.libvirt.tmp"
		fi
	done
	for x in "$HERE"/../defaults/*.xml; do
		n=${x%.xml}
		rm -f "$n.defined" "$n.libvirt" "$n.err"
		if dom=$(virsh -c $U define "$x" 2>"$n.err" | sed -n "s/^Domain .\(.*\). defined.*/\1/p") && [ -n "$dom" ]; then
			rm -f "$n.err"
			virsh -c $U dumpxml --inactive "$dom" >"$n.defined"
			# TCG cannot run every CPU mode: then there is no command line.
			if virsh -c $U domxml-to-native qemu-argv --xml "$x" >"$n.libvirt.tmp" 2>/dev/null; then
				mv "$n.libvirt.tmp" "$n.libvirt"
			else
				rm -f "$n.libvirt.tmp"
			fi
			virsh -c $U undefine --nvram "$dom" >/dev/null
		fi
	done
	mkdir -p "$HERE/../virtinst"
	while IFS="|" read -r name args; do
		case $name in ""|"#"*) continue ;; esac
		x=$HERE/../virtinst/$name
		eval "virt-install --connect $U --print-xml $args" >"$x.xml"
		virsh -c $U domxml-to-native qemu-argv --xml "$x.xml" >"$x.libvirt"
		dom=$(virsh -c $U define "$x.xml" | sed -n "s/^Domain .\(.*\). defined.*/\1/p")
		virsh -c $U dumpxml --inactive "$dom" >"$x.defined"
		virsh -c $U undefine --nvram "$dom" >/dev/null
	done <"$HERE/virtinst.txt"
	kill "$(cat "$W/libvirtd.pid")"
'
