#!/bin/sh
# valgrind (memcheck) over the normal build: every unit test program in
# build/tests/ (the fuzz targets' corpus replays among them), and offline
# replays (build/mxallowd -R) of pflogen savefiles in every layout, some
# with damaged packets.  A test passes if it passes under valgrind with no
# memory error and no definite or indirect leak (--error-exitcode=99);
# tests/valgrind.supp holds the known false alarms, each explained.
set -u
. "$(dirname "$0")/../tap.sh"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/need.sh
need valgrind timeout

PFLOGEN=build/tools/pflogen
LAYOUTS="openbsd freebsd ether vlan sll raw null"
# Bounds a hung program; generous, since valgrind is slow.
LIMIT=600

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x build/mxallowd ] || [ ! -x "$PFLOGEN" ]; then
	not_ok "build/mxallowd and $PFLOGEN missing: run make tests"
	echo "1..$tap_n"
	exit 1
fi
limit="timeout $LIMIT"

# vg DESCRIPTION COMMAND...: one test line for a command under valgrind;
# its output (the program's own test lines too) is shown only if it fails.
vg() {
	what=$1
	shift
	start=$(date +%s)
	# shellcheck disable=SC2086
	$limit valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect \
	    --suppressions=tests/valgrind.supp "$@" >"$tmp/out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		ok "$what under valgrind ($secs s)"
		return
	fi
	# The program's failed checks and valgrind's report, or its end.
	pat='^(not ok|==[0-9]+==)|invariant broken|runtime error'
	if grep -Eq "$pat" "$tmp/out"; then
		grep -E "$pat" "$tmp/out" | head -n 200
	else
		tail -n 20 "$tmp/out"
	fi | sed 's/^/# /'
	case $rc in
	99) why="memory errors or leaks" ;;
	124) why="still running after $LIMIT s" ;;
	*) why="exit $rc" ;;
	esac
	not_ok "$what under valgrind: $why ($secs s)"
}

for t in build/tests/*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then
		continue
	fi
	vg "$t" "$t"
done

for l in $LAYOUTS; do
	"$PFLOGEN" -l "$l" -o "$tmp/noise-$l.pcap" noise
	"$PFLOGEN" -l "$l" -o "$tmp/fake-real6-$l.pcap" fake-real6
done
for l in openbsd ether; do
	"$PFLOGEN" -x -l "$l" -n 500 -s 50 -o "$tmp/damaged-$l.pcap" bench
done
for f in "$tmp"/*.pcap; do
	vg "mxallowd -R ${f##*/}" build/mxallowd -b -c /dev/null \
	    -f 192.0.2.10 -f 2001:db8::10 -r 192.0.2.20 -r 2001:db8::20 \
	    -R "$f"
done

echo "1..$tap_n"
tap_done
