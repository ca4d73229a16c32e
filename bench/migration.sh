#!/usr/bin/env bash
# bench/migration.sh - issue 15's figures, virtunit's libvirtd beside Debian's
# libvirtd 9.0 on the same machine:
#   * 1000 calls (virDomainLookupByName) over one qemu+tls connection, as a rate, with
#     python3-libvirt (libvirt's C client) and with bench/tlsrate (Go's crypto/tls, a
#     client that costs less per call, so that the daemon sets the rate); tlsrate also
#     prints its own CPU per call
#   * connect + TLS handshake + CONNECT_OPEN (python3-libvirt's libvirt.open), latency
#   * live peer-to-peer migration of an idle 256 MiB firmware-only guest between two
#     hosts over qemu+tcp: virsh migrate's wall time and the downtime QEMU measured
#     (the destination's domjobinfo --completed)
# Each implementation gets two hosts: network and mount namespaces of their own
# (bench/lib.sh) joined by a veth pair, 198.51.100.2 and .3; certificates are made
# here with openssl. Runs are interleaved round by round; nothing reaches the host's
# network.
#
#   usage: sudo bench/migration.sh        (from the project root; ROUNDS=5 MIGRATIONS=4)
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
[ -x /usr/sbin/libvirtd ] || { echo "Debian's libvirtd is not installed (BENCH_INSTALL=1 installs it)" >&2; exit 1; }
for c in openssl virsh tini; do command -v $c >/dev/null || { echo "$c is not installed" >&2; exit 1; }; done
/usr/bin/python3 -c 'import libvirt' || { echo "python3-libvirt is not installed" >&2; exit 1; }
CGO_ENABLED=0 go build -o "$TMP/bin/" ./cmd/libvirtd ./bench/tlsrate || exit 1
ROUNDS=${ROUNDS:-5}
MIGRATIONS=${MIGRATIONS:-4}

# A CA, one server certificate for every host address, one client certificate.
P=$TMP/pki && mkdir -p "$P" && chmod 755 "$TMP" "$P"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/cakey.pem" \
	-out "$P/cacert.pem" -days 2 -subj "/O=Bench/CN=Bench CA" 2>/dev/null || exit 1
cert() { # NAME EKU SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$1key.pem" -out "$P/$1.csr" \
		-subj "/O=Bench/CN=$1" 2>/dev/null &&
		printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' "$2" "$3" >"$P/$1.ext" &&
		openssl x509 -req -in "$P/$1.csr" -CA "$P/cacert.pem" -CAkey "$P/cakey.pem" -CAcreateserial \
			-out "$P/$1cert.pem" -days 2 -extfile "$P/$1.ext" 2>/dev/null
}
cert server serverAuth "subjectAltName=IP:127.0.0.1,IP:198.51.100.2,IP:198.51.100.3" || exit 1
cert client clientAuth "" || exit 1
chmod 644 "$P"/*.pem

# host NS ADDR UUID: a host's namespaces, its TLS/TCP config and qemu.conf's migration_host.
host() {
	makens "$1"
	inns "$1" sh -c "cat >>/etc/libvirt/libvirtd.conf <<CONF
listen_tls = 1
listen_tcp = 1
auth_tcp = \"none\"
auth_tls = \"none\"
ca_file = \"$P/cacert.pem\"
cert_file = \"$P/servercert.pem\"
key_file = \"$P/serverkey.pem\"
host_uuid = \"$3\"
CONF
echo 'migration_host = \"$2\"' >>/etc/libvirt/qemu.conf"
}
host vu-a 198.51.100.2 7d3c0c1e-0000-4000-8000-000000000001
host vu-b 198.51.100.3 7d3c0c1e-0000-4000-8000-000000000002
host lv-a 198.51.100.2 7d3c0c1e-0000-4000-8000-000000000003
host lv-b 198.51.100.3 7d3c0c1e-0000-4000-8000-000000000004
joinhosts vu-a vu-b vbm
joinhosts lv-a lv-b vbm
startlisten vu-a "$TMP/bin/libvirtd"
startlisten vu-b "$TMP/bin/libvirtd"
startlisten lv-a /usr/sbin/libvirtd
startlisten lv-b /usr/sbin/libvirtd

cat >"$TMP/idle.xml" <<'XML'
<domain type='qemu'>
  <name>idle</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>/usr/share/qemu/qboot.rom</loader></os>
  <devices><controller type='usb' model='none'/><memballoon model='none'/></devices>
</domain>
XML
cat >"$TMP/tls.py" <<'PY'
import sys, time, libvirt
uri, mode = sys.argv[1], sys.argv[2]
libvirt.registerErrorHandler(lambda *a: None, None)
if mode == "open":
    ts = []
    for _ in range(int(sys.argv[3])):
        t = time.perf_counter(); c = libvirt.open(uri); ts.append(time.perf_counter() - t); c.close()
    ts.sort(); print("%.3f" % (ts[len(ts) // 2] * 1000))
else:
    c = libvirt.open(uri)
    c.lookupByName("idle")
    t = time.perf_counter()
    for _ in range(1000):
        c.lookupByName("idle")
    print("%.0f" % (1000 / (time.perf_counter() - t)))
PY
TLS="qemu+tls://127.0.0.1/system?pkipath=$P"
for ns in vu-a lv-a; do inns $ns virsh -q -c qemu+tcp://127.0.0.1/system define "$TMP/idle.xml" >/dev/null || exit 1; done

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	for ns in vu-a lv-a; do
		echo "rate $ns $(inns $ns /usr/bin/python3 "$TMP/tls.py" "$TLS" rate)" >>"$TMP/results"
		inns $ns "$TMP/bin/tlsrate" -uri "$TLS" -domain idle -n 1000 |
			awk -v ns=$ns '{print "rate-go " ns " " $1; print "rate-go-client-cpu-us " ns " " $2}' >>"$TMP/results"
		echo "open $ns $(inns $ns /usr/bin/python3 "$TMP/tls.py" "$TLS" open 20)" >>"$TMP/results"
	done
done
echo "load after the TLS rounds: $(cut -d' ' -f1-3 /proc/loadavg)"

for ns in vu-a lv-a; do inns $ns virsh -q -c qemu+tcp://127.0.0.1/system start idle >/dev/null || exit 1; done
sleep 1
# migrate IMPL FROM TO: one p2p migration; records wall ms and downtime ms.
migrate() {
	local from=$2 to=$3 src dst
	[ "$from" = a ] && src=198.51.100.2 dst=198.51.100.3 || src=198.51.100.3 dst=198.51.100.2
	local t0 t1
	t0=$(now_us)
	inns "$1-$from" virsh -q -c "qemu+tcp://$src/system" migrate --live --p2p idle "qemu+tcp://$dst/system" || { echo "migration failed ($1 $from->$to)" >&2; return 1; }
	t1=$(now_us)
	local down
	down=$(inns "$1-$to" virsh -q -c "qemu+tcp://$dst/system" domjobinfo --completed idle | awk '/Total downtime/ {print $3}')
	echo "migrate-total $1 $(((t1 - t0) / 1000))" >>"$TMP/results"
	echo "migrate-downtime $1 ${down:-NA}" >>"$TMP/results"
}
for m in $(seq "$MIGRATIONS"); do
	if [ $((m % 2)) = 1 ]; then f=a t=b; else f=b t=a; fi
	migrate vu $f $t
	migrate lv $f $t
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
sed -e 's/ vu-a / virtunit /; s/ lv-a / libvirtd-9.0 /; s/ vu / virtunit /; s/ lv / libvirtd-9.0 /' "$TMP/results" >"$TMP/named"
awk '{k=$1" "$2; v[k]=v[k]" "$3} END {for (k in v) print k":"v[k]}' "$TMP/named" | sort
for k in rate rate-go rate-go-client-cpu-us open migrate-total migrate-downtime; do
	a=$(awk -v k=$k '$1==k && $2=="virtunit" && $3!="NA" {print $3}' "$TMP/named" | median)
	b=$(awk -v k=$k '$1==k && $2=="libvirtd-9.0" && $3!="NA" {print $3}' "$TMP/named" | median)
	echo "$k median: virtunit $a, libvirtd-9.0 $b, ratio virtunit/libvirtd $(awk -v a="$a" -v b="$b" 'BEGIN {if (b > 0) printf "%.3f", a/b; else print "NA"}')"
done
# The guests go before their daemons: libvirtd's QEMUs outlive libvirtd by design.
for ns in vu-a vu-b lv-a lv-b; do
	inns $ns virsh -q -c qemu+tcp://127.0.0.1/system destroy idle >/dev/null 2>&1
done
for p in $(cat "$TMP"/*.pid); do kill -TERM "$p" 2>/dev/null; done
sleep 1
