# Shared by the scenarios, which run inside the container as root under systemd.
set -eu
export LC_ALL=C

# fail MESSAGE [UNIT...]: report the failure with the journal of the units concerned.
fail() {
	msg=$1
	shift
	echo "FAIL: $msg"
	for u in "$@"; do
		echo "--- journal of $u:"
		journalctl -b --no-pager -n 60 -u "$u" || true
	done
	exit 1
}

# check DESCRIPTION COMMAND...: run COMMAND; fail with its output unless it succeeds.
check() {
	what=$1
	shift
	if ! out=$("$@" 2>&1); then
		fail "$what: $* failed:
$out" virtqemud.service virtnetworkd.service
	fi
}

# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND until it succeeds.
wait_for() {
	limit=$1 what=$2
	shift 2
	end=$(( $(date +%s) + limit ))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || fail "$what (not within ${limit}s)" virtqemud.service virtnetworkd.service
		sleep 0.05
	done
}

virsh() { command virsh -c qemu:///system "$@"; }
netvirsh() { command virsh -c network:///system "$@"; }

# scope NAME ID: the unit of a running guest, as libvirt names it.
scope() { echo "machine-qemu\\x2d$2\\x2d$1.scope"; }

# tiny_guest NAME: define a guest booting the tiny ACPI image, which powers off on
# the power button.
tiny_guest() {
	cat > "/tmp/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>16</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>/in/tiny.elf</kernel></os>
  <features><acpi/></features>
  <devices><controller type='usb' model='none'/><memballoon model='none'/><serial type='pty'/></devices>
</domain>
XML
	virsh define "/tmp/$1.xml" >/dev/null
}

# ready NAME [N]: wait until the tiny guest listens to its power button, for the Nth
# time it booted (its console log keeps every boot).
ready() {
	wait_for 20 "guest $1 booted" sh -c "[ \$(grep -c 'virtunit-tiny ready' /var/log/libvirt/qemu/$1-console.log) -ge ${2:-1} ]"
}

# restart UNIT: systemctl restart, after clearing the unit's start counter: the
# scenarios restart daemons more often than systemd's default start limit (5 in 10 s)
# allows, which no administrator would.
restart() {
	systemctl reset-failed "$1" 2>/dev/null || true
	check "restart $1" systemctl restart "$1"
}
