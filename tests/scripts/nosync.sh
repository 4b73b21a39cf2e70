#!/bin/sh
# A build without hiredis (make SYNC=no, as on a system without
# libhiredis-dev): it builds, links no hiredis, refuses the sync option
# with a clear error and exit status 1, and runs without it.
set -u
. "$(dirname "$0")/../tap.sh"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/need.sh
need make cc ldd

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
O=build/nosync

check "make SYNC=no builds the daemon" make -s O="$O" SYNC=no "$O/mxallowd"
check "and links no hiredis" sh -c "! ldd '$O/mxallowd' | grep -q hiredis"
"$O/mxallowd" -F -s -c /dev/null -f 192.0.2.1 -r 192.0.2.2 -n 3 \
    --sync unix:///run/redis/redis.sock >"$tmp/out" 2>&1
rc=$?
check "sync is refused with exit status 1" [ "$rc" -eq 1 ]
check "saying why" grep -q "built without Redis support (hiredis)" "$tmp/out"
printf 'sync redis://192.0.2.30\n' >"$tmp/conf"
"$O/mxallowd" -F -s -c "$tmp/conf" -f 192.0.2.1 -r 192.0.2.2 -n 3 \
    >"$tmp/out" 2>&1
check "in the configuration file too" sh -c \
    "[ $? -eq 1 ] && grep -q 'built without Redis' '$tmp/out'"
echo "1..$tap_n"
tap_done
