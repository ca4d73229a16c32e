#!/bin/sh
# Runs every virtunit test: formatting, go vet, staticcheck, the meson build, the whole
# test suite with the race detector (real virsh, virt-admin, QEMU, dnsmasq, nftables,
# systemd; vmtest boots the meson-installed tree with systemd as PID 1 in a Debian 12
# container, whose root filesystem it builds once and caches in
# /var/cache/virtunit-vmtest), and each fuzz target for a bounded number of inputs. On a fresh Debian 12 machine run as
# root, it first installs what the tests drive.
set -eu
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH"
# A count, not a duration: Go 1.26's fuzz coordinator can report its own -fuzztime
# deadline as a failure ("context deadline exceeded", golang/go#75804, fixed in 1.27).
# A hanging input still fails: the coordinator kills a worker stuck for 10 s.
FUZZTIME=${FUZZTIME:-200000x}

packages="libvirt-clients python3-libvirt python3-dbus python3-gi qemu-system-x86 qemu-utils dnsmasq-base nftables
  iproute2 dbus systemd systemd-container util-linux busybox-static binutils meson
  ninja-build tini procps virtinst ovmf debootstrap e2fsprogs prometheus-libvirt-exporter qemu-guest-agent
  sasl2-bin libsasl2-modules"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	# Always refreshed: the Linux test guest's kernel is fetched with apt-get download.
	echo "== apt-get update"
	apt-get update -q >/dev/null
	missing=""
	for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
	if [ -n "$missing" ]; then
		echo "== installing:$missing"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
	fi
fi
if [ "$(id -u)" = 0 ]; then
	# The users and groups an installed host has (root-mode guests run as libvirt-qemu).
	systemd-sysusers "$(pwd)/units/systemd/virtunit.sysusers.conf"
fi
command -v go >/dev/null || { echo "go is not installed (Go 1.26 is needed)" >&2; exit 1; }

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted" >&2; exit 1; }

echo "== go vet"
go vet ./...
# The benchmarks' profiling build (daemons/daemon/profile.go) is checked too.
go vet -tags pprof ./daemons/daemon

echo "== staticcheck"
go install honnef.co/go/tools/cmd/staticcheck@v0.7.0
staticcheck ./...

echo "== meson build"
builddir=$(mktemp -d)
trap 'rm -rf "$builddir"' EXIT
meson setup "$builddir" >/dev/null
meson compile -C "$builddir" >/dev/null

echo "== go test -race"
go test -race -timeout 25m ./...

echo "== fuzz (-fuzztime $FUZZTIME each)"
grep -H '^func Fuzz' $(git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go') |
	sed 's|^\(.*\)/[^/]*_test.go:func \(Fuzz[A-Za-z0-9_]*\).*|\1 \2|' | sort -u |
	while read -r dir fn; do
		echo "-- $dir $fn"
		go test -run '^$' -fuzz "^$fn\$" -fuzztime "$FUZZTIME" "./$dir"
	done
echo "== all tests passed"
