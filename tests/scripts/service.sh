#!/bin/sh
# The service files: shellcheck on the rc.d scripts and on every shell
# script of the tests, systemd-analyze verify on the systemd unit (with
# ExecStart pointing at build/mxallowd, which must exist, and the manual
# pages it names findable), and the unit's promises: CAP_NET_ADMIN as the
# only capability, no User= (mxallowd runs as root on Linux), reload by
# SIGHUP, a pidfile in a runtime directory the read-only system leaves
# writable.  The rc.d scripts' reload (and OpenBSD's stop) run against a
# stand-in for each system's rc.subr(8): the signal must reach the pf
# port's privileged parent alone, the process the pidfile names.
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

# ProtectSystem=strict leaves /run read-only: the control socket must be in
# RuntimeDirectory, where mxallowctl looks when the default is not there.
control_socket_in_runtime_dir() {
	dir=$(sed -n 's/^RuntimeDirectory=//p' "$1")
	sock=/run/$dir/mxallowd.sock
	[ -n "$dir" ] &&
	    grep -q "^ExecStart=.* --control-socket $sock " "$1" &&
	    grep -q "^#define UNIT_SOCKET[[:space:]]*\"$sock\"" ctl/mxallowctl.c
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

# OpenBSD's rc.subr, as far as reload and stop go: an action set to NO is
# not supported; by default rc_reload and rc_stop pkill every process
# whose command line is pexp, which matches all three of the pf port's
# processes (forked, not executed).  The privileged parent detached, so
# its parent is init.  pkill here only says what it was asked.
cat >"$tmp/openbsd.rc.subr" <<'EOF'
daemon_rtable=0
pexp="${daemon}${daemon_flags:+ ${daemon_flags}}"
pkill() { echo "pkill $*"; }
rc_reload() { pkill -HUP -T "${daemon_rtable}" -xf "${pexp}"; }
rc_stop() { pkill -T "${daemon_rtable}" -xf "${pexp}"; }
rc_cmd() {
	eval "_enotsup=\${rc_$1}"
	if [ "$_enotsup" = NO ]; then
		echo "$1 is not supported"
		return 1
	fi
	"rc_$1"
}
EOF

# FreeBSD's rc.subr, as far as reload goes: a command other than start,
# stop, restart and status must be in extra_commands; reload sends
# sig_reload (default HUP) to rc_pid, the pid in pidfile.  mxallowd must
# be told the same pidfile (--pidfile): its configuration may name
# another.
cat >"$tmp/freebsd.rc.subr" <<'EOF'
load_rc_config() { :; }
run_rc_command() {
	case " $extra_commands " in
	*" $1 "*) ;;
	*) echo "$1 is not in extra_commands"; return 1 ;;
	esac
	case " $command_args " in
	*" --pidfile $pidfile "*) ;;
	*) echo "command_args do not pass --pidfile $pidfile"; return 1 ;;
	esac
	echo "kill -${sig_reload:-HUP} (the pid in $pidfile)"
}
EOF

# run_rc SYSTEM SCRIPT ACTION: the script, with the stand-in for its
# system's rc.subr.
run_rc() {
	sed -e "s|^\. /etc/rc\.d/rc\.subr\$|. $tmp/$1.rc.subr|" \
	    -e "s|^\. /etc/rc\.subr\$|. $tmp/$1.rc.subr|" "$2" >"$tmp/rc.script"
	if ! grep -qx "\. $tmp/$1\.rc\.subr" "$tmp/rc.script"; then
		echo "$2 does not source rc.subr"
		return 1
	fi
	sh "$tmp/rc.script" "$3"
}

# rc_does WANT SYSTEM SCRIPT ACTION: what the action does, exactly.
rc_does() {
	want=$1
	shift
	got=$(run_rc "$@") || { echo "$got"; return 1; }
	[ "$got" = "$want" ] && return 0
	echo "got:  $got"
	echo "want: $want"
	return 1
}

ob_parent="-P 1 -T 0 -xf /usr/local/sbin/mxallowd"
fb_hup="kill -HUP (the pid in /var/run/mxallowd.pid)"
check "rcctl reload sends SIGHUP to the OpenBSD privileged parent only" \
    rc_does "pkill -HUP $ob_parent" openbsd rc.d/openbsd/mxallowd reload
check "rcctl stop sends SIGTERM to the OpenBSD privileged parent only" \
    rc_does "pkill $ob_parent" openbsd rc.d/openbsd/mxallowd stop
check "service reload sends SIGHUP to the pid of the FreeBSD pidfile" \
    rc_does "$fb_hup" freebsd rc.d/freebsd/mxallowd reload

# The reload checks catch what they are there for.
sed -e '/^rc_reload() {/,/^}/d' -e 's/^rc_cmd /rc_reload=NO; rc_cmd /' \
    rc.d/openbsd/mxallowd >"$tmp/ob-noreload"
must_fail "an OpenBSD script with rc_reload=NO" \
    rc_does "pkill -HUP $ob_parent" openbsd "$tmp/ob-noreload" reload
sed '/^rc_reload() {/,/^}/d' rc.d/openbsd/mxallowd >"$tmp/ob-all"
must_fail "an OpenBSD script whose reload signals all three processes" \
    rc_does "pkill -HUP $ob_parent" openbsd "$tmp/ob-all" reload
sed '/^rc_stop() {/,/^}/d' rc.d/openbsd/mxallowd >"$tmp/ob-all"
must_fail "an OpenBSD script whose stop signals all three processes" \
    rc_does "pkill $ob_parent" openbsd "$tmp/ob-all" stop
sed 's/^extra_commands=.*/extra_commands="stats"/' rc.d/freebsd/mxallowd \
    >"$tmp/fb-broken"
must_fail "a FreeBSD script without reload in extra_commands" \
    rc_does "$fb_hup" freebsd "$tmp/fb-broken" reload
sed 's/^sig_reload=.*/sig_reload="USR1"/' rc.d/freebsd/mxallowd \
    >"$tmp/fb-broken"
must_fail "a FreeBSD script whose reload sends another signal" \
    rc_does "$fb_hup" freebsd "$tmp/fb-broken" reload
sed '/^command_args=/s/ --pidfile [^"]*//' rc.d/freebsd/mxallowd \
    >"$tmp/fb-broken"
must_fail "a FreeBSD script that does not pass its pidfile" \
    rc_does "$fb_hup" freebsd "$tmp/fb-broken" reload

# The unit's own promises.
check "the unit keeps CAP_NET_ADMIN only" \
    grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$UNIT"
check "the unit sets no User= (mxallowd runs as root on Linux)" \
    no_user "$UNIT"
check "the unit reloads with SIGHUP" reload_hup "$UNIT"
check "the unit's pidfile is the one ExecStart passes, in RuntimeDirectory" \
    pidfile_in_runtime_dir "$UNIT"
check "the unit's control socket is in RuntimeDirectory, where mxallowctl looks" \
    control_socket_in_runtime_dir "$UNIT"

if [ -x build/mxallowd ]; then
	mkdir -p "$tmp/man/man8" "$tmp/man/man5"
	cp man/mxallowd.8 man/mxallowctl.8 "$tmp/man/man8/"
	cp man/mxallowd.conf.5 "$tmp/man/man5/"
	sed "s|/usr/local/sbin/mxallowd|$(pwd)/build/mxallowd|" \
	    "$UNIT" >"$tmp/mxallowd.service"
	check "systemd-analyze verify $UNIT" \
	    verify "$tmp/mxallowd.service"
else
	not_ok "systemd-analyze verify: build/mxallowd is missing (make)"
fi
tap_done
