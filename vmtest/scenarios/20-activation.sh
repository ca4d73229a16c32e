# Socket activation: the first virsh call starts the daemon, which reports READY=1; idle,
# it exits after its timeout, and the next call starts it again. D-Bus activation of
# org.libvirt starts it too.
. /in/scenarios/lib.sh

check "enable the sockets" systemctl enable --now virtqemud.socket virtnetworkd.socket
[ "$(systemctl is-active virtqemud.service)" = inactive ] || fail "virtqemud runs before any client" virtqemud.service
check "first call" virsh list --all
[ "$(systemctl is-active virtqemud.service)" = active ] || fail "virtqemud not active after the first call" virtqemud.service
[ "$(systemctl show -p StatusText --value virtqemud.service)" = "Accepting connections" ] ||
	fail "no READY status: $(systemctl show -p StatusText virtqemud.service)" virtqemud.service
for s in virtqemud-ro.socket virtqemud-admin.socket; do
	[ "$(systemctl is-active $s)" = active ] || fail "$s not active with the service" virtqemud.service
done
[ "$(stat -c %a /run/libvirt/virtqemud-sock)" = 600 ] || fail "socket mode $(stat -c %a /run/libvirt/virtqemud-sock)"

# The EnvironmentFile's VIRTQEMUD_ARGS replaces the unit's --timeout 120.
echo 'VIRTQEMUD_ARGS="--timeout 2"' > /etc/default/virtqemud
restart virtqemud.service
systemctl show -p MainPID --value virtqemud.service > /tmp/pid
wait_for 15 "virtqemud exits when idle" sh -c '[ "$(systemctl is-active virtqemud.service)" = inactive ]'
systemctl show -p Result --value virtqemud.service | grep -qx success || fail "idle exit not clean" virtqemud.service
check "call after the idle exit" virsh list --all
[ "$(systemctl is-active virtqemud.service)" = active ] || fail "not activated again" virtqemud.service
[ "$(systemctl show -p MainPID --value virtqemud.service)" != "$(cat /tmp/pid)" ] || fail "same process"
rm /etc/default/virtqemud
restart virtqemud.service

# A call to org.libvirt on the system bus starts virtqemud.service.
check "stop virtqemud" systemctl stop virtqemud.service
busctl --system --timeout=3 call org.libvirt / org.freedesktop.DBus.Peer Ping >/dev/null 2>&1 || true
wait_for 10 "D-Bus activation starts virtqemud" sh -c '[ "$(systemctl is-active virtqemud.service)" = active ]'
echo ok
