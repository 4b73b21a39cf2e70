#!/bin/sh
# The service files: shellcheck on the rc.d scripts and on every shell
# script of the tests, systemd-analyze verify on the systemd unit (with
# ExecStart pointing at build/mxallowd, which must exist, and the manual
# pages it names findable), and the unit's promises: CAP_NET_ADMIN as the
# only capability, no User= (mxallowd runs as root on Linux), reload by
# SIGHUP, a pidfile in a runtime directory the read-only system leaves
# writable.
set -u
. "$(dirname "$0")/../tap.sh"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/need.sh
need shellcheck systemd-analyze

UNIT=rc.d/linux/mxallowd.service
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

scripts="rc.d/openbsd/mxallowd rc.d/freebsd/mxallowd .ci/run"
for f in tests/*.sh tests/*/*.sh bench/*.sh; do
	[ -f "$f" ] && scripts="$scripts $f"
done

for f in $scripts; do
	check "shellcheck $f" shellcheck "$f"
done

for f in rc.d/openbsd/mxallowd rc.d/freebsd/mxallowd; do
	check "$f parses as sh" sh -n "$f"
done

# rc.subr(8) on both systems drives a script by these names.
openbsd_names() {
	grep -qx 'daemon="/usr/local/sbin/mxallowd"' "$1" &&
	    grep -qx "rc_cmd \"\$1\"" "$1"
}

freebsd_stats() {
	grep -q '^extra_commands=.*stats' "$1" && grep -q 'kill -USR1' "$1"
}

no_user() {
	! grep -q '^User=\|^DynamicUser=' "$1"
}

reload_hup() {
	grep -qx "ExecReload=/bin/kill -HUP \$MAINPID" "$1"
}

pidfile_in_runtime_dir() {
	pid=$(sed -n 's/^PIDFile=//p' "$1")
	dir=$(sed -n 's/^RuntimeDirectory=//p' "$1")
	[ -n "$dir" ] && [ "$pid" = "/run/$dir/mxallowd.pid" ] &&
	    grep -q "^ExecStart=.* --pidfile $pid\$" "$1"
}

# systemd-analyze verify exits 0 on unknown keys and bad values too: any
# word from it is a failure.
verify() {
	if env MANPATH="$tmp/man" systemd-analyze verify "$1" \
	    >"$tmp/verify" 2>&1 && ! [ -s "$tmp/verify" ]; then
		return 0
	fi
	cat "$tmp/verify"
	return 1
}

check "the OpenBSD script sets daemon and calls rc_cmd" \
    openbsd_names rc.d/openbsd/mxallowd
check "the FreeBSD script defines stats as SIGUSR1" \
    freebsd_stats rc.d/freebsd/mxallowd

# The unit's own promises.
check "the unit keeps CAP_NET_ADMIN only" \
    grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$UNIT"
check "the unit sets no User= (mxallowd runs as root on Linux)" \
    no_user "$UNIT"
check "the unit reloads with SIGHUP" reload_hup "$UNIT"
check "the unit's pidfile is the one ExecStart passes, in RuntimeDirectory" \
    pidfile_in_runtime_dir "$UNIT"

if [ -x build/mxallowd ]; then
	mkdir -p "$tmp/man/man8" "$tmp/man/man5"
	cp man/mxallowd.8 "$tmp/man/man8/"
	cp man/mxallowd.conf.5 "$tmp/man/man5/"
	sed "s|/usr/local/sbin/mxallowd|$(pwd)/build/mxallowd|" \
	    "$UNIT" >"$tmp/mxallowd.service"
	check "systemd-analyze verify $UNIT" \
	    verify "$tmp/mxallowd.service"
else
	not_ok "systemd-analyze verify: build/mxallowd is missing (make)"
fi
tap_done
