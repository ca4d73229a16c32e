# bench/lib.sh - what the benchmark scripts share (sourced, not run): a scratch
# directory, the daemons' configs, private namespaces to start daemons in, timing.
# Both virtunit's libvirtd and Debian's run as root with system paths inside a mount and
# network namespace of their own (tmpfs over /run and libvirt's directories), so the
# host's files, interfaces and firewall are never touched.

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
TMP=$(mktemp -d)
export PATH="/usr/local/go/bin:$PATH"

# Debian's libvirtd (BENCH_INSTALL=1 installs it, as ../shared/bench/anchor-libvirt.sh
# does); its QEMU driver resolves its default user even when qemu.conf overrides it.
if [ "${BENCH_INSTALL:-0}" = 1 ] && [ ! -x /usr/sbin/libvirtd ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		libvirt-daemon libvirt-daemon-driver-qemu iptables >/dev/null || exit 1
fi
if [ -x /usr/sbin/libvirtd ]; then
	getent group kvm >/dev/null || addgroup --quiet --system kvm
	getent passwd libvirt-qemu >/dev/null || adduser --quiet --system --ingroup kvm \
		--disabled-login --disabled-password --home /var/lib/libvirt --no-create-home libvirt-qemu
	getent group libvirt-qemu >/dev/null || { addgroup --quiet --system libvirt-qemu && adduser --quiet libvirt-qemu libvirt-qemu; }
fi

cat >"$TMP/libvirtd.conf" <<'CONF'
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_level = 3
log_outputs = "3:file:/run/libvirt/daemon.log"
CONF
# Guests run as root, without sVirt or cgroups, QEMU's output to a plain file: the
# same for both daemons.
cat >"$TMP/qemu.conf" <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
CONF

# settle [MAX_S]: waits, at most MAX_S (default 120) seconds, until the machine's CPU
# use has come down to a plateau: six 1 s windows in a row, each within 3 points of
# the one before, below 50% busy (two in a row were seen to pass while guests still
# booted). Freshly started guests run their firmware for a while, and a
# figure taken meanwhile measures them, not the daemon; idle TCG guests keep some load
# of their own, hence a plateau rather than idle. Prints the seconds waited and the
# last window's busy share in %.
settle() {
	local max=${1:-120} t0=$SECONDS prev=-100 busy a b steady=0
	while :; do
		a=$(awk '$1 == "cpu" {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat)
		sleep 1
		b=$(awk '$1 == "cpu" {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat)
		busy=$(echo "$a $b" | awk '{printf "%d\n", 100 - 100 * ($3 - $1) / ($4 - $2)}')
		if [ "$busy" -lt 50 ] && [ $((busy - prev)) -lt 3 ] && [ $((prev - busy)) -lt 3 ]; then
			steady=$((steady + 1))
			[ "$steady" -ge 5 ] && break
		else
			steady=0
		fi
		prev=$busy
		[ $((SECONDS - t0)) -ge "$max" ] && break
	done
	echo "$((SECONDS - t0)) s, ${busy}% busy"
}

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
median() { sort -g | awk '{v[NR]=$1} END {n=NR; if (n%2) print v[(n+1)/2]; else print (v[n/2]+v[n/2+1])/2}'; }

# Each daemon gets namespaces of its own, made once and kept in files: a start is
# then nothing but nsenter and the daemon, the same few milliseconds for both.
# makens NAME: sets up namespace NAME.
makens() {
	local ns=$TMP/ns/$1
	mkdir -p "$ns" && touch "$ns/mnt" "$ns/net"
	unshare --mount="$ns/mnt" --net="$ns/net" --propagation private -- sh -c '
		set -e
		for d in /run /etc/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
			if [ ! -d "$d" ]; then
				# The host lacks it: cover its parent instead, in this namespace only.
				p=$(dirname "$d")
				grep -q " $p tmpfs " /proc/self/mounts || mount -t tmpfs -o mode=755 tmpfs "$p"
				mkdir -p "$d"
			fi
			mount -t tmpfs -o mode=755 tmpfs "$d"
		done
		ip link set lo up
		# sysfs of this network namespace, as `ip netns exec` gives (bridge settings
		# are written there).
		mount -t sysfs sysfs /sys
		mkdir -p /run/libvirt /etc/libvirt/qemu/networks
		cp "$1/libvirtd.conf" "$1/qemu.conf" /etc/libvirt/' sh "$TMP"
}
mkdir -p "$TMP/ns"
mount --bind "$TMP/ns" "$TMP/ns" && mount --make-private "$TMP/ns"
cleanup() {
	for p in $(cat "$TMP"/*.pid 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	for f in "$TMP"/ns/*/mnt "$TMP"/ns/*/net; do umount "$f" 2>/dev/null; done
	umount "$TMP/ns" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# inns NS CMD...: runs a command inside namespace NS.
inns() { local ns=$1; shift; nsenter --mount="$TMP/ns/$ns/mnt" --net="$TMP/ns/$ns/net" -- "$@"; }

# start NS BIN: starts the daemon in namespace NS; sets PID (what was started), DPID
# (the daemon) and SOCK. With REAPER=1 the daemon runs under `tini -s`, a subreaper that
# reaps at once as systemd would: libvirtd's QEMUs are re-parented and polled for.
start() {
	launch "$@"
	findpid "$@"
}
# launch NS BIN: start without looking for the daemon's pid, for a timed restart: the
# look is a pgrep every 2 ms over a /proc with a hundred QEMUs in it, work on the
# machine's two CPUs that is neither daemon's. Sets PID and SOCK; call findpid after.
launch() {
	local reaper=()
	[ "${REAPER:-0}" = 1 ] && reaper=(tini -s --)
	nsenter --mount="$TMP/ns/$1/mnt" --net="$TMP/ns/$1/net" -- \
		"${reaper[@]}" "$2" -f /etc/libvirt/libvirtd.conf >>"$TMP/out" 2>&1 &
	PID=$!
	SOCK=/proc/$PID/root/run/libvirt/libvirt-sock
}
# findpid NS BIN: sets DPID, the daemon that launch started (a child of tini with
# REAPER=1), and records it for cleanup.
findpid() {
	DPID=$PID
	if [ "${REAPER:-0}" = 1 ]; then
		for _ in $(seq 500); do
			DPID=$(pgrep -n -x -f "$2 -f /etc/libvirt/libvirtd.conf") && break
			sleep 0.002
		done
	fi
	echo "$DPID" >"$TMP/$1.pid"
}
# stop: SIGTERM the daemon and wait for it.
stop() {
	kill -TERM "$DPID" 2>/dev/null
	wait "$PID" 2>/dev/null
}
# waitsock: until the daemon's socket exists.
waitsock() { for _ in $(seq 5000); do [ -S "$SOCK" ] && return 0; sleep 0.002; done; return 1; }

# joinhosts A B IF: a veth pair IF0/IF1 between two hosts' namespaces, A=198.51.100.2,
# B=.3, for the benchmarks with two hosts. nsenter execs sleep: its pid is a process
# inside B's network namespace, which is checked before anything is made (never the
# host's).
joinhosts() {
	nsenter --net="$TMP/ns/$2/net" -- sleep 100000 </dev/null >/dev/null 2>&1 &
	local holder=$!
	for _ in $(seq 500); do
		[ "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.01
	done
	if [ "$(readlink /proc/$holder/ns/net)" = "$(readlink /proc/self/ns/net)" ]; then
		echo "the veth holder is not in $2's namespace" >&2; kill $holder; exit 1
	fi
	inns "$1" ip link add "${3}0" type veth peer name "${3}1" netns $holder || { kill $holder; exit 1; }
	inns "$1" ip addr add 198.51.100.2/24 dev "${3}0" && inns "$1" ip link set "${3}0" up
	inns "$2" ip addr add 198.51.100.3/24 dev "${3}1" && inns "$2" ip link set "${3}1" up
	kill $holder
}
# startlisten NS BIN: `BIN -l` (libvirtd with its TCP/TLS listeners) under tini in NS,
# waited for on its TCP port; its output goes to $TMP/out.NS.
startlisten() {
	nsenter --mount="$TMP/ns/$1/mnt" --net="$TMP/ns/$1/net" -- tini -s -- "$2" -l -f /etc/libvirt/libvirtd.conf >>"$TMP/out.$1" 2>&1 &
	echo $! >"$TMP/$1.pid"
	for _ in $(seq 3000); do
		inns "$1" virsh -q -c qemu+tcp://127.0.0.1/system uri >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	echo "$2 did not start in $1" >&2; cat "$TMP/out.$1" >&2; exit 1
}
