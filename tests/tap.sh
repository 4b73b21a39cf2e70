# shellcheck shell=sh
# TAP-style lines for the scripted tests (tests/scripts/*.sh): "ok N -
# what", "not ok N - what", "ok N # SKIP why".  A failed check's output
# follows as "# " comments.  The including script sets tmp, a scratch
# directory, and ends with tap_done.

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

# check DESCRIPTION COMMAND...: one test line from a command's status; its
# output is shown only when it fails.  ($tmp is the including script's.)
# shellcheck disable=SC2154
check() {
	tap_what=$1
	shift
	if "$@" >"$tmp/tap.out" 2>&1; then
		ok "$tap_what"
	else
		sed 's/^/# /' "$tmp/tap.out"
		not_ok "$tap_what"
	fi
}

# must_fail DESCRIPTION COMMAND...: the command must fail (a check shown a
# deliberate mistake must catch it).
must_fail() {
	tap_what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		not_ok "the check misses: $tap_what"
	else
		ok "the check catches: $tap_what"
	fi
}

tap_done() {
	[ "$tap_failed" -eq 0 ]
}
