#!/bin/sh
# BSDmakefile (the pf port's build on OpenBSD and FreeBSD), checked with
# Debian's bmake in dry-run mode: it parses, compiles every file of common/
# and pf/ with the warnings as errors, links with libpcap, builds
# mxallowctl, installs both and the pages into DESTDIR and PREFIX and
# uninstalls them; Makefile (read by OpenBSD's make) includes it.
cd "$(dirname "$0")/../.." || exit 1

. tests/lib/need.sh
need bmake

obj=$(mktemp -d)
out=$(mktemp)
tmp=$(mktemp -d)
trap 'rm -rf "$obj" "$out" "$out.sync" "$out.install" "$out.uninstall" "$out.mk" "$tmp"' EXIT
. tests/tap.sh

bmake -n -f BSDmakefile O="$obj" >"$out" 2>&1
check "bmake -n -f BSDmakefile parses and runs" test $? -eq 0
for src in common/*.c common/sync/none.c pf/*.c; do
	obj_file="$obj/${src%.c}.o"
	check "compiles $src" \
	    grep -q -- "-c -o $obj_file $src\$" "$out"
done
check "compiles with -Wall -Wextra -Werror" \
    test "$(grep -c -- ' -c -o ' "$out")" -eq \
    "$(grep -- ' -c -o ' "$out" | grep -c -- '-Wall -Wextra -Werror')"
check "compiles with -Icommon -Ipf" \
    test "$(grep -c -- ' -c -o ' "$out")" -eq \
    "$(grep -- ' -c -o ' "$out" | grep -c -- '-Icommon -Ipf')"
link=$(grep -- "-o $obj/mxallowd " "$out")
check "links mxallowd" test -n "$link"
case "$link" in
*" -lpcap"*) ok "links with -lpcap" ;;
*) not_ok "links with -lpcap" ;;
esac
case "$link" in
*" -lpthread"*) ok "links with -lpthread (the resolver's threads)" ;;
*) not_ok "links with -lpthread (the resolver's threads)" ;;
esac
ctl=$(grep -- "-o $obj/mxallowctl ctl/mxallowctl.c\$" "$out")
check "builds mxallowctl from ctl/mxallowctl.c" test -n "$ctl"
case "$ctl" in
*"-Wall -Wextra -Werror"*) ok "builds mxallowctl with -Wall -Wextra -Werror" ;;
*) not_ok "builds mxallowctl with -Wall -Wextra -Werror" ;;
esac
for src in common/*.c common/sync/none.c pf/*.c; do
	case "$link" in
	*" $obj/${src%.c}.o"*) ;;
	*) not_ok "links ${src%.c}.o"; continue ;;
	esac
	ok "links ${src%.c}.o"
done

check "without SYNC=yes, no hiredis" sh -c "! grep -q hiredis '$out'"
bmake -n -f BSDmakefile O="$obj" SYNC=yes >"$out.sync" 2>&1
check "SYNC=yes compiles common/sync/redis.c instead of none.c" sh -c \
    "grep -q -- '-c -o $obj/common/sync/redis.o common/sync/redis.c\$' \
    '$out.sync' && ! grep -q 'sync/none' '$out.sync'"
check "SYNC=yes links with -lhiredis" sh -c \
    "grep -- '-o $obj/mxallowd ' '$out.sync' | grep -q -- ' -lhiredis'"

bmake -n -f BSDmakefile install O="$obj" DESTDIR=/stage PREFIX=/opt/mx \
    >"$out.install" 2>&1
check "make install runs" test $? -eq 0
check "installs into DESTDIR and PREFIX/sbin" \
    grep -q " $obj/mxallowd /stage/opt/mx/sbin/mxallowd\$" "$out.install"
check "installs mxallowctl into DESTDIR and PREFIX/sbin" \
    grep -q " $obj/mxallowctl /stage/opt/mx/sbin/mxallowctl\$" "$out.install"
for page in man8/mxallowd.8 man8/mxallowctl.8 man5/mxallowd.conf.5; do
	check "installs $page" \
	    grep -q " /stage/opt/mx/man/$page\$" "$out.install"
done
bmake -n -f BSDmakefile uninstall O="$obj" DESTDIR=/stage PREFIX=/opt/mx \
    >"$out.uninstall" 2>&1
check "make uninstall removes mxallowctl and its page" sh -c \
    "grep -q ' /stage/opt/mx/sbin/mxallowctl ' '$out.uninstall' &&
    grep -q ' /stage/opt/mx/man/man8/mxallowctl.8' '$out.uninstall'"
check "default PREFIX is /usr/local" sh -c \
    "bmake -n -f BSDmakefile install O='$obj' | grep -q ' /usr/local/sbin/mxallowd\$'"
check "make clean removes the objects" sh -c \
    "bmake -n -f BSDmakefile clean O='$obj' | grep -q 'rm -rf $obj'"

# OpenBSD's make reads Makefile: it must lead to the same commands.
bmake -n -f Makefile O="$obj" >"$out.mk" 2>&1
check "Makefile includes BSDmakefile" cmp -s "$out" "$out.mk"

echo "1..$tap_n"
tap_done
