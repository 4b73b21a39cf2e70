#!/bin/sh
# make install and make uninstall into a scratch DESTDIR: the files land
# where mk/install.mk says, with the right modes and contents, the unit
# starts the installed binary, an existing mxallowd.conf is left alone,
# and uninstall takes away everything install put there.  Installs the
# binary already built (make -o keeps make from rebuilding it).
set -u
. "$(dirname "$0")/../tap.sh"
cd "$(dirname "$0")/../.." || exit 1

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# Every file under a directory, relative to it, with its mode.
tree() {
	(cd "$1" && find . -type f -exec ls -l {} + |
	    awk '{ print substr($1, 1, 10), $NF }' | sort)
}

same_tree() {
	tree "$1" >"$tmp/have"
	if diff -u "$2" "$tmp/have" >"$tmp/diff"; then
		return 0
	fi
	cat "$tmp/diff"
	return 1
}

make_() {
	make -s -o build/mxallowd -o build/mxallowctl "$@"
}

for b in build/mxallowd build/mxallowctl; do
	if [ ! -x "$b" ]; then
		not_ok "$b is missing: run make first"
		exit 1
	fi
done

# The defaults, with a configuration already in place.
dest=$tmp/root
mkdir -p "$dest/etc"
echo "fake-mailserver 192.0.2.99" >"$dest/etc/mxallowd.conf"
cp "$dest/etc/mxallowd.conf" "$tmp/conf.before"

check "make install DESTDIR=..." make_ install DESTDIR="$dest"
cat >"$tmp/want" <<'EOF'
-rw-r--r-- ./etc/mxallowd.conf
-rw-r--r-- ./etc/mxallowd.conf.sample
-rw-r--r-- ./usr/local/lib/systemd/system/mxallowd.service
-rw-r--r-- ./usr/local/share/man/man5/mxallowd.conf.5
-rw-r--r-- ./usr/local/share/man/man8/mxallowctl.8
-rw-r--r-- ./usr/local/share/man/man8/mxallowd.8
-rwxr-xr-x ./usr/local/sbin/mxallowctl
-rwxr-xr-x ./usr/local/sbin/mxallowd
EOF
check "the installed tree is as documented" same_tree "$dest" "$tmp/want"
check "the binary is the build's" cmp build/mxallowd "$dest/usr/local/sbin/mxallowd"
check "the installed binary runs" "$dest/usr/local/sbin/mxallowd" -V
check "mxallowctl is the build's" \
    cmp build/mxallowctl "$dest/usr/local/sbin/mxallowctl"
check "mxallowctl.8 is the source" \
    cmp man/mxallowctl.8 "$dest/usr/local/share/man/man8/mxallowctl.8"
check "mxallowd.8 is the source" \
    cmp man/mxallowd.8 "$dest/usr/local/share/man/man8/mxallowd.8"
check "mxallowd.conf.5 is the source" \
    cmp man/mxallowd.conf.5 "$dest/usr/local/share/man/man5/mxallowd.conf.5"
check "the sample is etc/mxallowd.conf" \
    cmp etc/mxallowd.conf "$dest/etc/mxallowd.conf.sample"
check "an existing mxallowd.conf is left alone" \
    cmp "$tmp/conf.before" "$dest/etc/mxallowd.conf"
check "the unit starts /usr/local/sbin/mxallowd" \
    grep -qx 'ExecStart=/usr/local/sbin/mxallowd --control-socket /run/mxallowd/mxallowd.sock --pidfile /run/mxallowd/mxallowd.pid' \
    "$dest/usr/local/lib/systemd/system/mxallowd.service"
check "installing again over the same tree works" \
    make_ install DESTDIR="$dest"

check "make uninstall DESTDIR=..." make_ uninstall DESTDIR="$dest"
echo "-rw-r--r-- ./etc/mxallowd.conf" >"$tmp/want"
check "uninstall leaves only the configuration that was there" \
    same_tree "$dest" "$tmp/want"
check "uninstall does not touch mxallowd.conf" \
    cmp "$tmp/conf.before" "$dest/etc/mxallowd.conf"

# Another layout: a distribution's prefix and a configuration elsewhere.
dest=$tmp/root2
vars="PREFIX=/usr MANDIR=/usr/share/man SYSCONFDIR=/opt/mx/etc"
# shellcheck disable=SC2086
check "make install $vars" make_ install DESTDIR="$dest" $vars
cat >"$tmp/want" <<'EOF'
-rw-r--r-- ./opt/mx/etc/mxallowd.conf.sample
-rw-r--r-- ./usr/lib/systemd/system/mxallowd.service
-rw-r--r-- ./usr/share/man/man5/mxallowd.conf.5
-rw-r--r-- ./usr/share/man/man8/mxallowctl.8
-rw-r--r-- ./usr/share/man/man8/mxallowd.8
-rwxr-xr-x ./usr/sbin/mxallowctl
-rwxr-xr-x ./usr/sbin/mxallowd
EOF
check "PREFIX, MANDIR and SYSCONFDIR are honoured" same_tree "$dest" "$tmp/want"
check "the unit starts /usr/sbin/mxallowd with -c SYSCONFDIR/mxallowd.conf" \
    grep -qx 'ExecStart=/usr/sbin/mxallowd -c /opt/mx/etc/mxallowd.conf --control-socket /run/mxallowd/mxallowd.sock --pidfile /run/mxallowd/mxallowd.pid' \
    "$dest/usr/lib/systemd/system/mxallowd.service"
check "and names no other mxallowd, not even in a comment" \
    sh -c "grep -q '^#ExecStopPost=/usr/sbin/mxallowd -c /opt/mx/etc/mxallowd.conf --backend nftables --remove-table\$' '$dest/usr/lib/systemd/system/mxallowd.service' &&
    ! grep -q /usr/local '$dest/usr/lib/systemd/system/mxallowd.service'"
# shellcheck disable=SC2086
check "make uninstall $vars" make_ uninstall DESTDIR="$dest" $vars
: >"$tmp/want"
check "uninstall removes every file" same_tree "$dest" "$tmp/want"
tap_done
