#!/usr/bin/env bash
# bench/foundation.sh - the foundation's performance figures, virtunit's libvirtd beside
# Debian's libvirtd 9.0 on the same machine:
#   * cold start: daemon exec to the first answered `virsh list` (median of BENCH_REPS)
#   * idle RSS one second after start
#   * ConnectGetVersion and ConnectListAllDomains calls per second, 1000 calls over one
#     go-libvirt connection (bench/rpcrate), median of 5 runs each
# Both daemons run as root with system paths inside a private mount and network
# namespace (tmpfs over /run, /etc/libvirt, /var/lib/libvirt, ...), so the host is not
# touched. Debian's libvirtd is measured when installed (BENCH_INSTALL=1 installs
# libvirt-daemon and libvirt-daemon-driver-qemu, as ../shared/bench/anchor-libvirt.sh
# does).
#
#   usage: sudo bench/foundation.sh        (from the project root)
set -u
REPS=${BENCH_REPS:-10}
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
TMP=$(mktemp -d)
export PATH="/usr/local/go/bin:$PATH"
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/... ./bench/rpcrate || exit 1

if [ "${BENCH_INSTALL:-0}" = 1 ] && [ ! -x /usr/sbin/libvirtd ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		libvirt-daemon libvirt-daemon-driver-qemu >/dev/null || exit 1
fi
# Debian's QEMU driver resolves its default user even when qemu.conf overrides it.
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
cat >"$TMP/qemu.conf" <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
CONF

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
median() { sort -g | awk '{v[NR]=$1} END {n=NR; if (n%2) print v[(n+1)/2]; else print (v[n/2]+v[n/2+1])/2}'; }

# Each daemon gets a mount and a network namespace of its own, made once and kept in
# files, with tmpfs over /run and libvirt's directories: a start is then nothing but
# nsenter and the daemon, the same few milliseconds for both.
# makens NAME: sets up namespace NAME.
makens() {
	local ns=$TMP/ns/$1
	mkdir -p "$ns" && touch "$ns/mnt" "$ns/net"
	unshare --mount="$ns/mnt" --net="$ns/net" --propagation private -- sh -c '
		for d in /run /etc/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
			[ -d "$d" ] && mount -t tmpfs -o mode=755 tmpfs "$d"
		done
		mkdir -p /run/libvirt /etc/libvirt/qemu/networks
		cp "$1/libvirtd.conf" "$1/qemu.conf" /etc/libvirt/' sh "$TMP"
}
mkdir -p "$TMP/ns"
mount --bind "$TMP/ns" "$TMP/ns" && mount --make-private "$TMP/ns"
cleanup() {
	for f in "$TMP"/ns/*/mnt "$TMP"/ns/*/net; do umount "$f" 2>/dev/null; done
	umount "$TMP/ns" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# start NS BIN: starts the daemon in namespace NS; sets PID and SOCK.
start() {
	nsenter --mount="$TMP/ns/$1/mnt" --net="$TMP/ns/$1/net" -- "$2" -f /etc/libvirt/libvirtd.conf >"$TMP/out" 2>&1 &
	PID=$!
	SOCK=/proc/$PID/root/run/libvirt/libvirt-sock
}
stop() {
	kill -TERM "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}

# measure NAME BIN PROBE (NAME is also the namespace): prints "NAME coldstart_ms rss_kib version_calls_per_s list_calls_per_s"
measure() {
	local name=$1 bin=$2 probe=$3 t0 t1 i cs=() rss=() rate=() lrate=()
	for _ in $(seq "$REPS"); do
		t0=$(now_us)
		start "$name" "$bin"
		for i in $(seq 5000); do
			virsh -q -c "qemu:///system?socket=$SOCK" $probe >/dev/null 2>&1 && break
			sleep 0.002
		done
		t1=$(now_us)
		cs+=("$(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 ))")
		sleep 1
		rss+=("$(ps -o rss= -p "$PID")")
		stop
	done
	start "$name" "$bin"
	for i in $(seq 5000); do [ -S "$SOCK" ] && break; sleep 0.002; done
	sleep 0.2
	for _ in 1 2 3 4 5; do
		rate+=("$("$TMP/bin/rpcrate" -socket "$SOCK" -uri qemu:///system -n 1000 -call version | awk '$1 == "calls_per_s" {print $2}')")
		lrate+=("$("$TMP/bin/rpcrate" -socket "$SOCK" -uri qemu:///system -n 1000 -call list | awk '$1 == "calls_per_s" {print $2}')")
	done
	stop
	printf '%s %s %s %s %s\n' "$name" "$(printf '%s\n' "${cs[@]}" | median)" \
		"$(printf '%s\n' "${rss[@]}" | median)" "$(printf '%s\n' "${rate[@]}" | median)" \
		"$(printf '%s\n' "${lrate[@]}" | median)"
}

# `virsh list` needs the QEMU driver; until a build has one, probe with `hostname`.
makens virtunit
[ -x /usr/sbin/libvirtd ] && makens libvirtd-9.0
probe=list
start virtunit "$TMP/bin/libvirtd"
for i in $(seq 2500); do [ -S "$SOCK" ] && break; sleep 0.002; done
virsh -q -c "qemu:///system?socket=$SOCK" list >/dev/null 2>&1 || probe=hostname
stop
echo "probe command: virsh $probe" >&2

{
	echo "daemon coldstart_ms idle_rss_kib getversion_calls_per_s listalldomains_calls_per_s"
	measure virtunit "$TMP/bin/libvirtd" "$probe"
	if [ -x /usr/sbin/libvirtd ]; then
		measure libvirtd-9.0 /usr/sbin/libvirtd "$probe"
	else
		echo "libvirtd-9.0 not-installed - - -"
	fi
} | column -t | tee "$TMP/results"
awk 'NR==2 {c=$2; r=$3; q=$4; l=$5} NR==3 && $2+0 > 0 {
	printf "ratios (virtunit/libvirtd): cold start %.2f, RSS %.2f, GetVersion calls/s %.2f, ListAllDomains calls/s %.2f\n", c/$2, r/$3, q/$4, l/$5 }' "$TMP/results"
