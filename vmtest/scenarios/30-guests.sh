# Guests as machine scopes: in machine.slice, known to machined, ordered as libvirt
# orders them, surviving a daemon restart with the same QEMU; systemctl stop of a scope
# shuts its guest down gracefully, also after the daemon restarted and after systemd
# re-executed; the journal has per-guest fields.
. /in/scenarios/lib.sh

# Info lines reach the journal, for the DOMAIN fields below.
echo 'log_level = 2' >> /etc/libvirt/virtqemud.conf
check "reload the config" systemctl reload virtqemud.service
tiny_guest vm1
check "start vm1" virsh start vm1
sc=$(scope vm1 1)
[ "$(systemctl show -p Slice --value "$sc")" = machine.slice ] || fail "$sc not in machine.slice" "$sc" virtqemud.service
systemctl show -p After --value "$sc" | grep -q virtqemud.service || fail "scope not After=virtqemud.service: $(systemctl show -p After "$sc")"
systemctl show -p Before --value "$sc" | grep -q virt-guest-shutdown.target || fail "scope not Before=virt-guest-shutdown.target"
machinectl list --no-legend | grep -q '^qemu-1-vm1 *vm *libvirt-qemu' || fail "machinectl list: $(machinectl list)"
machinectl status qemu-1-vm1 | grep -qF "Unit: $sc" || fail "machinectl status: $(machinectl status qemu-1-vm1 2>&1)"
pid=$(pgrep -f 'guest=vm1,') || fail "no QEMU for vm1"
[ "$(ps -o user= -p "$pid")" = libvirt-qemu ] || fail "QEMU runs as $(ps -o user= -p "$pid")"
ready vm1

restart virtqemud.service
virsh list | grep -Eq '^ *1 +vm1 +running' || fail "after the restart: $(virsh list)" virtqemud.service
[ "$(pgrep -f 'guest=vm1,')" = "$pid" ] || fail "QEMU of vm1 changed over the restart" virtqemud.service
uuid=$(virsh domuuid vm1)
journalctl -b -u virtqemud.service DOMAIN=vm1 DOMAIN_UUID="$uuid" --no-pager -o cat | grep -q 'guest started' ||
	fail "no journal line with DOMAIN=vm1 DOMAIN_UUID=$uuid" virtqemud.service

# The adopted guest: systemctl stop asks the daemon, which powers the guest down.
check "systemctl stop of the adopted scope" systemctl stop "$sc"
state=$(virsh domstate --reason vm1)
[ "$state" = "shut off (shutdown)" ] || fail "after systemctl stop: $state" virtqemud.service "$sc"
! systemctl is-active -q "$sc" || fail "scope still active"

# After systemd re-executes, the daemon still hears of the stop.
check "start vm1 again" virsh start vm1
ready vm1 2
check "daemon-reexec" systemctl daemon-reexec
check "systemctl stop after daemon-reexec" systemctl stop "$(scope vm1 2)"
state=$(virsh domstate --reason vm1)
[ "$state" = "shut off (shutdown)" ] || fail "after daemon-reexec and systemctl stop: $state" virtqemud.service
echo ok
