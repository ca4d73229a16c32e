#!/bin/sh
# Run by "meson install": on a live install (no DESTDIR) create virtunit's users,
# groups and directories and make systemd see the new units, as a package's
# maintainer scripts would. A staged install (DESTDIR set, e.g. for a package or an
# image) leaves this to the target: systemd-sysusers and systemd-tmpfiles run at boot.
set -eu
sysusersdir=$1 tmpfilesdir=$2
[ -z "${DESTDIR:-}" ] && [ "$(id -u)" = 0 ] || exit 0
if command -v systemd-sysusers >/dev/null; then
	systemd-sysusers "$sysusersdir/virtunit.conf"
fi
if command -v systemd-tmpfiles >/dev/null; then
	systemd-tmpfiles --create "$tmpfilesdir/virtunit.conf"
fi
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	systemctl daemon-reload
fi
