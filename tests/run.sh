#!/bin/sh
# Run every test and print one closing line: "N passed, N failed, N skipped".
#
# Every test speaks TAP-style lines: "ok N - what" or "not ok N - what";
# "ok N # SKIP why" is counted as skipped, not passed.
#  - unit test programs: build/tests/* and the same under ASan+UBSan
#    (build/asan/tests/*) and ThreadSanitizer (build/tsan/tests/*);
#  - scripted checks that need no root: tests/scripts/*.sh;
#  - integration tests in network namespaces (root): tests/integration/*.sh,
#    and the reverse-DNS and sync ones again with the daemon built with
#    ThreadSanitizer.
# A test that exits non-zero without reporting a failure counts as one.
set -u
cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	name=$1
	shift
	echo "# $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	s=$(grep -c '^ok .*# SKIP' "$log")
	p=$(($(grep -c '^ok ' "$log") - s))
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "not ok - $name ran no test"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

for t in build/tests/* build/asan/tests/* build/tsan/tests/*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
	run_one "$t" "$t"
done
for t in tests/scripts/*.sh; do
	[ -f "$t" ] || continue
	run_one "$t" sh "$t"
done
if [ "$(id -u)" -eq 0 ]; then
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		run_one "$t" sh "$t"
	done
	# The daemon's threads under ThreadSanitizer, with real DNS.
	if [ -x build/tsan/mxallowd ]; then
		run_one "rdns.sh under ThreadSanitizer" env \
		    MXALLOWD="$PWD/build/tsan/mxallowd" \
		    TSAN_OPTIONS="halt_on_error=1" sh tests/integration/rdns.sh
		# And the sync thread, with a real redis-server.
		run_one "sync.sh under ThreadSanitizer" env \
		    MXALLOWD="$PWD/build/tsan/mxallowd" SYNC_FLOOD=20000 \
		    TSAN_OPTIONS="halt_on_error=1" sh tests/integration/sync.sh
	fi
else
	echo "not ok - integration tests need root (network namespaces)"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
