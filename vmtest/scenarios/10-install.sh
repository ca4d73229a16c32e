# What meson installed: valid units, man pages, users, directories, the bus policy.
. /in/scenarios/lib.sh

units=$(cd /usr/lib/systemd/system && ls libvirtd*.s* virtqemud*.s* virtnetworkd*.s* virtinterfaced*.s* \
	virtnodedevd*.s* virtproxyd*.s* virt-guest-shutdown.target)
[ "$(echo "$units" | wc -l)" = 29 ] || fail "expected 29 unit files, got:
$units"
cd /usr/lib/systemd/system
if ! out=$(systemd-analyze verify $units 2>&1) || [ -n "$out" ]; then
	fail "systemd-analyze verify:
$out"
fi
cd /
for d in libvirtd virtqemud virtnetworkd virtinterfaced virtnodedevd virtproxyd; do
	man -w "$d" >/dev/null || fail "no man page for $d"
	[ "$($d --version)" = "$d (virtunit) $VERSION" ] || fail "$d --version: $($d --version)"
	[ -f "/etc/libvirt/$d.conf" ] && [ -f "/etc/default/$d" ] || fail "config files of $d missing"
done
[ -f /etc/libvirt/qemu.conf ] || fail "qemu.conf missing"
grep -q '^#listen_tcp' /etc/libvirt/libvirtd.conf || fail "libvirtd.conf lacks the TCP settings"
! grep -q '^#listen_tcp' /etc/libvirt/virtqemud.conf || fail "virtqemud.conf has TCP settings"

id libvirt-qemu | grep -q '(kvm)' || fail "user libvirt-qemu: $(id libvirt-qemu 2>&1)"
getent group libvirt >/dev/null || fail "no group libvirt"
for d in /run/libvirt /var/lib/libvirt/dnsmasq /var/log/libvirt/qemu /var/cache/libvirt; do
	[ -d "$d" ] || fail "tmpfiles.d did not create $d"
done
[ "$(stat -c %a /var/log/libvirt/qemu)" = 711 ] || fail "/var/log/libvirt/qemu mode $(stat -c %a /var/log/libvirt/qemu)"

# Root may own org.libvirt on the system bus (Debian's policy denies it otherwise);
# the name is activatable and starts virtqemud.service.
out=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus RequestName su org.libvirt 4 2>&1) ||
	fail "root cannot own org.libvirt: $out"
busctl --system list --activatable --no-legend | grep -q '^org.libvirt ' || fail "org.libvirt is not activatable"
grep -qx 'SystemdService=virtqemud.service' /usr/share/dbus-1/system-services/org.libvirt.service ||
	fail "activation file"
echo ok
