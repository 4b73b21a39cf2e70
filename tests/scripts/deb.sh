#!/bin/sh
# The Debian package (debian/, mk/deb.mk): "make deb" builds
# build/deb/mxallowd_VERSION_ARCH.deb; its files, conffiles, control data
# and unit are checked and lintian must report no error and no warning.
# Then it is installed on this machine with apt-get and checked (binary,
# manual pages, system user, state directory, inert configuration, unit
# not enabled), installed again over itself, removed (the configuration and
# the state directory stay) and purged (they go, the system user stays).
#
# Root on Debian only; it skips elsewhere, and on a machine where a
# package mxallowd is already known to dpkg.  The cleanup purges the
# package if this test installed it, and deletes the user and group
# mxallowd if this test created them (started as root, the daemon of the
# other tests changes to that user when it exists).
set -u
. "$(dirname "$0")/../tap.sh"
cd "$(dirname "$0")/../.." || exit 1

if [ "$(id -u)" -ne 0 ]; then
	skip "deb.sh installs the package: root only"
	exit 0
fi
if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1 ||
    ! command -v dpkg >/dev/null 2>&1; then
	skip "deb.sh: not a Debian system (no apt-get or dpkg)"
	exit 0
fi
status=$(dpkg-query -W -f='${db:Status-Abbrev}' mxallowd 2>/dev/null)
case $status in
"" | ?n*) ;;
*)
	skip "deb.sh: a package mxallowd is already here (dpkg status '$status'), not touching it; if an earlier deb.sh left it: apt-get purge mxallowd"
	exit 0
	;;
esac

. tests/lib/need.sh
need make dpkg-buildpackage dh lintian man timeout userdel

version=$(sed -n 's/^#define[[:space:]]*MXALLOWD_VERSION[[:space:]]*"\(.*\)"$/\1/p' \
    common/version.h)
deb=build/deb/mxallowd_${version}_$(dpkg --print-architecture).deb
unit=/lib/systemd/system/mxallowd.service
wants=/etc/systemd/system/multi-user.target.wants/mxallowd.service
export DEBIAN_FRONTEND=noninteractive

tmp=$(mktemp -d) || exit 1
installed=no
user_before=no
group_before=no
getent passwd mxallowd >/dev/null && user_before=yes
getent group mxallowd >/dev/null && group_before=yes

cleanup() {
	if [ "$installed" = yes ]; then
		timeout 120 dpkg --purge mxallowd >/dev/null 2>&1 ||
		    echo "# cleanup: dpkg --purge mxallowd failed"
	fi
	if [ "$user_before" = no ] && getent passwd mxallowd >/dev/null; then
		userdel mxallowd >/dev/null 2>&1 ||
		    echo "# cleanup: userdel mxallowd failed"
	fi
	if [ "$group_before" = no ] && getent group mxallowd >/dev/null; then
		groupdel mxallowd >/dev/null 2>&1 ||
		    echo "# cleanup: groupdel mxallowd failed"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
# A reader that went away (| head) must not stop the cleanup.
trap 'trap "" PIPE; exit 1' PIPE

# --- The package file -----------------------------------------------------

build() {
	timeout 600 make -s deb && [ -f "$deb" ]
}
check "make deb builds $deb" build
if [ ! -f "$deb" ]; then
	exit 1
fi

dpkg-deb -c "$deb" | awk '{ print $1, $2, $NF }' >"$tmp/contents"
dpkg-deb -x "$deb" "$tmp/pkg"

# has MODE PATH...: the package holds one of the PATHs, with MODE, owned
# by root.
has() {
	mode=$1
	shift
	for p in "$@"; do
		grep -Fqx -- "$mode root/root .$p" "$tmp/contents" && return 0
	done
	echo "not in the package with $mode root/root: $*; it holds:"
	cat "$tmp/contents"
	return 1
}
for f in /usr/sbin/mxallowd /usr/sbin/mxallowctl; do
	check "the package holds $f, mode 755" has -rwxr-xr-x "$f"
done
for f in /usr/share/man/man8/mxallowd.8.gz \
    /usr/share/man/man8/mxallowctl.8.gz \
    /usr/share/man/man5/mxallowd.conf.5.gz "$unit" /etc/mxallowd.conf \
    /usr/share/doc/mxallowd/copyright /usr/share/doc/mxallowd/changelog.gz; do
	check "the package holds $f, mode 644" has -rw-r--r-- "$f"
done
# dh_compress compresses documents above 4 kB.
for f in README.md README.Debian; do
	check "the package holds /usr/share/doc/mxallowd/$f, mode 644" \
	    has -rw-r--r-- "/usr/share/doc/mxallowd/$f" \
	    "/usr/share/doc/mxallowd/$f.gz"
done
nothing_else() {
	! grep -E ' \./(usr/local|var|etc/mxallowd\.conf\.sample|usr/lib/systemd)' \
	    "$tmp/contents"
}
check "nothing under /usr/local, /var or /usr/lib/systemd, no .sample" \
    nothing_else
check "conffiles lists /etc/mxallowd.conf alone" \
    test "$(dpkg-deb -I "$deb" conffiles)" = /etc/mxallowd.conf
check "the package's version is common/version.h's ($version)" \
    test "$(dpkg-deb -f "$deb" Version)" = "$version"
depends() {
	d=$(dpkg-deb -f "$deb" Depends)
	echo "Depends: $d"
	echo "$d" | grep -q 'libnetfilter-queue1' &&
	    echo "$d" | grep -q 'libmnl0' && echo "$d" | grep -q 'adduser'
}
check "Depends names the libraries and adduser" depends
check "/etc/mxallowd.conf is etc/mxallowd.conf" \
    cmp etc/mxallowd.conf "$tmp/pkg/etc/mxallowd.conf"
# Every line a comment or empty.
inert() {
	! grep -v '^[[:space:]]*#' "$1" | grep '[^[:space:]]'
}
check "every line of /etc/mxallowd.conf is a comment" \
    inert "$tmp/pkg/etc/mxallowd.conf"

# The unit: rc.d/linux/mxallowd.service with ExecStart at /usr/sbin and
# User= and Group= in [Service]; the comments are the package's own.
unit_settings() {
	grep -v '^#'
}
packaged_unit() {
	u=$tmp/pkg$unit
	sed 's|^ExecStart=/usr/local/sbin/|ExecStart=/usr/sbin/|' \
	    rc.d/linux/mxallowd.service | unit_settings >"$tmp/unit.want"
	sed -n '/^\[Service\]$/,/^\[/p' "$u" | grep -x 'User=mxallowd' &&
	    sed -n '/^\[Service\]$/,/^\[/p' "$u" | grep -x 'Group=mxallowd' &&
	    grep -x 'ExecStart=/usr/sbin/mxallowd --control-socket /run/mxallowd/mxallowd.sock --pidfile /run/mxallowd/mxallowd.pid' "$u" &&
	    unit_settings <"$u" | grep -vx 'User=mxallowd\|Group=mxallowd' |
	    diff -u "$tmp/unit.want" - &&
	    ! grep -n 'stays root\|make install\|/usr/local' "$u"
}
check "the unit runs /usr/sbin/mxallowd as User=mxallowd, Group=mxallowd, otherwise as rc.d/linux" \
    packaged_unit

lint() {
	timeout 300 lintian "$deb" >"$tmp/lintian" 2>&1
	rc=$?
	cat "$tmp/lintian"
	[ "$rc" -eq 0 ] && ! grep -q '^[EW]: ' "$tmp/lintian"
}
check "lintian reports no error and no warning" lint

# --- Installed ------------------------------------------------------------

installed=yes
check "apt-get install ./$deb" \
    timeout 300 apt-get install -y --no-install-recommends "./$deb"
check "dpkg: mxallowd is installed" \
    test "$(dpkg-query -W -f='${Status}' mxallowd)" = "install ok installed"
runs() {
	out=$(/usr/sbin/mxallowd -V) || return 1
	echo "$out"
	case $out in "mxallowd $version "* | "mxallowd $version") ;; *) return 1 ;; esac
}
check "/usr/sbin/mxallowd -V prints $version" runs
ctl_unreached() {
	/usr/sbin/mxallowctl -s "$tmp/no.sock" show stats
	[ $? -eq 2 ]
}
check "/usr/sbin/mxallowctl runs (exit 2: no daemon)" ctl_unreached
if grep -rqs '^path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d; then
	skip "dpkg excludes /usr/share/man on this machine"
else
	check "man -w finds mxallowd(8)" \
	    sh -c 'man -aw mxallowd | grep -x /usr/share/man/man8/mxallowd.8.gz'
	check "man -w finds mxallowd.conf(5)" \
	    sh -c 'man -aw 5 mxallowd.conf | grep -x /usr/share/man/man5/mxallowd.conf.5.gz'
	check "man -w finds mxallowctl(8)" \
	    sh -c 'man -aw mxallowctl | grep -x /usr/share/man/man8/mxallowctl.8.gz'
fi
system_user() {
	pw=$(getent passwd mxallowd) || { echo "no user mxallowd"; return 1; }
	gid=$(getent group mxallowd | cut -d: -f3) ||
	    { echo "no group mxallowd"; return 1; }
	echo "$pw"
	uid=$(echo "$pw" | cut -d: -f3)
	[ "$(echo "$pw" | cut -d: -f4)" = "$gid" ] && [ "$uid" -gt 0 ] &&
	    [ "$uid" -lt 1000 ] &&
	    [ "$(echo "$pw" | cut -d: -f6)" = /var/lib/mxallowd ]
}
check "the system user mxallowd exists, in group mxallowd" system_user
state_dir() {
	s=$(stat -c '%U:%G %a' /var/lib/mxallowd) || return 1
	echo "/var/lib/mxallowd: $s"
	[ "$s" = "mxallowd:mxallowd 700" ]
}
check "/var/lib/mxallowd is mxallowd's, mode 700" state_dir
refuses() {
	timeout 10 /usr/sbin/mxallowd -F -s -c /etc/mxallowd.conf \
	    >"$tmp/run.out" 2>&1
	rc=$?
	cat "$tmp/run.out"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
	    [ "$(cat "$tmp/run.out")" = "mxallowd: no fake-mailserver given (-f)" ]
}
check "the installed configuration is inert: mxallowd refuses to start" \
    refuses
not_enabled() {
	[ ! -e "$wants" ] || { echo "$wants exists"; return 1; }
	if command -v systemctl >/dev/null 2>&1; then
		s=$(systemctl is-enabled mxallowd.service 2>&1)
		echo "systemctl is-enabled: $s"
		[ "$s" = disabled ]
	fi
}
check "the unit is installed: $unit" test -f "$unit"
check "the unit is not enabled" not_enabled
if command -v systemd-analyze >/dev/null 2>&1; then
	verify() {
		systemd-analyze verify "$unit" >"$tmp/verify" 2>&1
		rc=$?
		cat "$tmp/verify"
		[ "$rc" -eq 0 ] && ! [ -s "$tmp/verify" ]
	}
	check "systemd-analyze verify $unit" verify
else
	skip "systemd-analyze is not installed"
fi

# An administrator's edit and the daemon's state, which remove must keep.
echo "# edited by deb.sh" >>/etc/mxallowd.conf
cp /etc/mxallowd.conf "$tmp/conf.edited"
echo "deb.sh" >/var/lib/mxallowd/deb-sh-marker
check "dpkg -i over the installed package (postinst again)" \
    timeout 120 dpkg -i "$deb"
check "an edited /etc/mxallowd.conf survives reinstalling" \
    cmp "$tmp/conf.edited" /etc/mxallowd.conf
check "/var/lib/mxallowd is still mxallowd's, mode 700" state_dir

# --- Removed --------------------------------------------------------------

check "apt-get remove -y mxallowd" timeout 120 apt-get remove -y mxallowd
check "dpkg: mxallowd removed, its configuration kept" \
    test "$(dpkg-query -W -f='${Status}' mxallowd)" = "deinstall ok config-files"
gone() {
	for f in "$@"; do
		if [ -e "$f" ]; then
			echo "$f is still there"
			return 1
		fi
	done
}
check "remove takes away the binary, the unit and the manual pages" \
    gone /usr/sbin/mxallowd /usr/sbin/mxallowctl "$unit" \
    /usr/share/man/man8/mxallowd.8.gz /usr/share/man/man8/mxallowctl.8.gz \
    /usr/share/man/man5/mxallowd.conf.5.gz
check "remove keeps the edited /etc/mxallowd.conf" \
    cmp "$tmp/conf.edited" /etc/mxallowd.conf
check "remove keeps /var/lib/mxallowd and what is in it" \
    test -f /var/lib/mxallowd/deb-sh-marker

# --- Purged ---------------------------------------------------------------

check "apt-get purge -y mxallowd" timeout 120 apt-get purge -y mxallowd
check "purge takes away /etc/mxallowd.conf and /var/lib/mxallowd" \
    gone /etc/mxallowd.conf /var/lib/mxallowd
not_installed() {
	if dpkg -s mxallowd >"$tmp/dpkg-s" 2>&1; then
		cat "$tmp/dpkg-s"
		return 1
	fi
}
check "dpkg -s: mxallowd is not installed" not_installed
no_state() {
	! find /var/lib/systemd/deb-systemd-helper-enabled \
	    /var/lib/systemd/deb-systemd-helper-masked -name 'mxallowd*' \
	    2>/dev/null | grep .
}
check "no deb-systemd-helper state is left for the unit" no_state
check "purge keeps the system user mxallowd (README.Debian)" \
    getent passwd mxallowd
if ! dpkg -s mxallowd >/dev/null 2>&1; then
	installed=no
fi
tap_done
