#!/bin/sh
# The pf code against the REAL OpenBSD and FreeBSD headers, when the
# header sysroots and ../shared/tools/bsd-check.sh are on this machine
# (see ../shared/README.md); skipped otherwise.
#  - tests/pfcompat/layout_check.c: the systems' <net/pfvar.h> has the
#    sizes, offsets and ioctl numbers that the stand-ins in tests/pfcompat
#    reproduce (tests/pfcompat/layout.h), so the Linux tests test the real
#    layouts;
#  - pf/*.c compile on both systems.
cd "$(dirname "$0")/../.." || exit 1

check=../shared/tools/bsd-check.sh
roots=${BSD_SYSROOTS:-$HOME/.cache/bsd-sysroots}
if [ ! -x "$check" ] || [ ! -f "$roots/openbsd/usr/include/sys/param.h" ] ||
    [ ! -f "$roots/freebsd/usr/include/sys/param.h" ] ||
    ! command -v clang >/dev/null 2>&1; then
	echo "ok 1 - # SKIP no BSD header sysroots or bsd-check.sh here"
	echo "1..1"
	exit 0
fi

n=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for os in openbsd freebsd; do
	for f in tests/pfcompat/layout_check.c pf/*.c; do
		n=$((n + 1))
		if "$check" "$os" -Werror -Icommon -Ipf "$f" >"$out" 2>&1; then
			echo "ok $n - $os: $f"
		else
			echo "not ok $n - $os: $f"
			sed 's/^/# /' "$out"
		fi
	done
done
echo "1..$n"
