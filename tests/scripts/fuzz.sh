#!/bin/sh
# Fuzzing (tests/fuzz/): the committed inputs of every target, its corpus
# and every crash once found, are replayed through the plain build
# (build/tests/NAME, from make tests) as regression tests.  Then make
# fuzz builds the libFuzzer targets with clang (libclang-rt-14-dev)
# (build/fuzz/NAME, with ASan and UBSan) and each runs for FUZZ_TIME
# seconds (default 20), one at a time, from a scratch copy of its corpus so
# that the tree is not written.  A crash, leak, timeout or running out of
# memory fails the target's test; the input that did it is kept under
# build/fuzz/artifacts/.  The executions per target are printed as
# comments ("# fuzz_packet: 1234567 runs in 20 s").
set -u
. "$(dirname "$0")/../tap.sh"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/need.sh
need "${FUZZ_CC:-clang}"

TARGETS="fuzz_packet fuzz_pflog fuzz_config fuzz_state fuzz_control
fuzz_sync fuzz_smtp"
FUZZ_TIME=${FUZZ_TIME:-20}
FUZZ_CC=${FUZZ_CC:-clang}
ARTIFACTS=build/fuzz/artifacts

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# Regression: the committed inputs, whatever the compiler.
for t in $TARGETS; do
	if [ ! -x "build/tests/$t" ]; then
		not_ok "build/tests/$t is missing: run make tests"
		continue
	fi
	check "$t replays tests/fuzz/corpus/$t" "build/tests/$t" \
	    "tests/fuzz/corpus/$t"
	for f in "tests/fuzz/crashes/$t"/*; do
		[ -f "$f" ] || continue
		check "$t: $f stays fixed" "build/tests/$t" "$f"
	done
done

# Can this compiler link a libFuzzer target at all?
have_libfuzzer() {
	command -v "$FUZZ_CC" >/dev/null 2>&1 || return 1
	cat >"$tmp/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return d != NULL && n > 0 ? d[0] : 0;
}
EOF
	"$FUZZ_CC" -fsanitize=fuzzer -o "$tmp/probe" "$tmp/probe.c" \
	    >/dev/null 2>&1
}

# fuzz NAME: run one target; one test line, the executions as a comment.
fuzz() {
	name=$1
	mkdir -p "$tmp/corpus-$name" "$tmp/art-$name"
	cp "tests/fuzz/corpus/$name"/* "$tmp/corpus-$name"/
	set -- -max_total_time="$FUZZ_TIME" -rss_limit_mb=2048 -timeout=10 \
	    -max_len=4096 -artifact_prefix="$tmp/art-$name/"
	if [ -f "tests/fuzz/$name.dict" ]; then
		set -- "$@" -dict="tests/fuzz/$name.dict"
	fi
	# New inputs go to the first directory; crashes are read only.
	set -- "$@" "$tmp/corpus-$name"
	if [ -d "tests/fuzz/crashes/$name" ]; then
		set -- "$@" "tests/fuzz/crashes/$name"
	fi
	"build/fuzz/$name" "$@" >"$tmp/log-$name" 2>&1
	rc=$?
	runs=$(sed -n \
	    's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' \
	    "$tmp/log-$name")
	seed=$(sed -n 's/^INFO: Seed: \([0-9]*\).*/\1/p' "$tmp/log-$name")
	found=$(find "$tmp/art-$name" -type f | wc -l | tr -d ' ')
	if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$found" -eq 0 ]; then
		echo "# $name: $runs"
		ok "$name: fuzzed for $FUZZ_TIME s (seed $seed), nothing found"
		return
	fi
	grep -v '^#[0-9]' "$tmp/log-$name" | tail -n 60 | sed 's/^/# /'
	mkdir -p "$ARTIFACTS"
	for a in "$tmp/art-$name"/*; do
		[ -f "$a" ] || continue
		cp "$a" "$ARTIFACTS/$name-${a##*/}"
		echo "# kept: $ARTIFACTS/$name-${a##*/} (once fixed, add it" \
		    "under tests/fuzz/crashes/$name/)"
	done
	what="fuzzing for $FUZZ_TIME s (seed $seed) found a problem"
	not_ok "$name: $what (exit $rc)"
}

if ! have_libfuzzer; then
	not_ok "fuzzing: $FUZZ_CC cannot link a libFuzzer target (apt-get install libclang-rt-14-dev)"
elif ! make -s fuzz FUZZ_CC="$FUZZ_CC" >"$tmp/build" 2>&1; then
	sed 's/^/# /' "$tmp/build"
	not_ok "make fuzz"
else
	for t in $TARGETS; do
		fuzz "$t"
	done
fi

echo "1..$tap_n"
tap_done
