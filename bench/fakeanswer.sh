#!/bin/sh
# The answering fake MX under attack: does it delay verdicts?  (issue 17)
#
# usage: sh bench/fakeanswer.sh		(as root; about a minute)
#
# Two network namespaces (tests/lib/netns.sh: documentation addresses
# only, no route anywhere else), the README's NFQUEUE rules, mxallowd with
# fake-answer 450 and no DNS (-b), a listener on the real MX
# (bench/connlat -l).  A client whitelisted through the fake MX measures
# connect() times to the real MX (bench/connlat: LAT_N connections, one
# after the other, 1 ms apart): idle, the reference, and then while the
# fake MX is attacked, in the same round:
#   SLOW slowloris clients (tests/tools/fakeclient slow: a byte every
#	200 ms, never a line), each held until fake-answer-timeout, and
#   FLOODS clients opening 1,000 connections at once each
#	(tests/tools/fakeclient flood), closing them after 0.5 s, again
#	and again, from other addresses,
# ROUNDS rounds (median kept).  Then the same with fake-answer rst, the
# reference: the same clients, whose connections the kernel refuses, so
# that what the attackers cost the machine (2 cores: their own work, the
# kernel's) is in both.  The ratios: attacked / idle within each mode, and
# attacked 450 / attacked rst, what the listener itself adds.  Writes
# bench/results/fakeanswer.txt.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)

ROUNDS=${ROUNDS:-3}
LAT_N=${LAT_N:-2000}
SLOW=${SLOW:-4}
FLOODS=${FLOODS:-3}
MAX_LOAD=${MAX_LOAD:-0.7}
WAIT_QUIET=${WAIT_QUIET:-0}
OUT=${OUT:-bench/results/fakeanswer.txt}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/fakeanswer.sh: needs root (network namespaces)" >&2
	exit 1
fi
make -s build/mxallowd build/bench/connlat build/tools/fakeclient \
    build/tools/mxprobe || exit 1

. bench/lib.sh
# shellcheck source=../tests/lib/netns.sh
. tests/lib/netns.sh
CONNLAT=$ROOT/build/bench/connlat
FAKECLIENT=$ROOT/build/tools/fakeclient
CLIENT=198.51.100.10

wait_quiet "$MAX_LOAD" "$WAIT_QUIET"
load_before=$(load_now)
setup_net
setup_firewall
ip netns exec "$NS_S" "$CONNLAT" -l "$REAL4" -t 3600 \
    >"$TMP/listener.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 50 listening "$REAL4:25" || { echo "no listener" >&2; exit 1; }
write_config 3600
printf 'fake-answer-timeout 10\n' >>"$CONF"

# lat: connect() times to the real MX; prints "p50 p99 failed".
lat() {
	ip netns exec "$NS_C" "$CONNLAT" -b "$CLIENT" -n "$LAT_N" -i 1000 \
	    -w 1000 -t 30 "$REAL4" | sed -n \
	    's/.* failed \([0-9]*\), p50 \([0-9.]*\) us.* p99 \([0-9.]*\) us.*/\2 \3 \1/p'
}

attack() {
	i=0
	while [ "$i" -lt "$SLOW" ]; do
		in_client "$FAKECLIENT" -b "198.51.100.1$((i % 3 + 1))" \
		    -w 12000 slow "$FAKE4" >/dev/null &
		PIDS="$PIDS $!"
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$FLOODS" ]; do
		(
			n=0
			while [ "$n" -lt 200 ] && [ ! -f "$TMP/stop" ]; do
				in_client "$FAKECLIENT" \
				    -b "198.51.100.1$((i + 4))" -w 500 \
				    flood "$FAKE4" 1000 >/dev/null
				n=$((n + 1))
			done
		) &
		PIDS="$PIDS $!"
		i=$((i + 1))
	done
}

# rounds MODE: ROUNDS rounds against the daemon in that mode; prints rows
# "idle50 idle99 attacked50 attacked99 idlefail attackedfail".
rounds() {
	mode=$1
	if [ -n "$MXPID" ]; then
		kill "$MXPID"
		wait_until 50 gone "$MXPID"
	fi
	start_mxallowd -b --fake-answer "$mode"
	if [ "$mode" != rst ]; then
		wait_until 50 listening "$FAKE4:25" ||
		    { echo "no fake MX" >&2; exit 1; }
	fi
	PROBE_QUIET=1 probe "$CLIENT" 2000 connect "$FAKE4"
	r=0
	rows=""
	while [ "$r" -lt "$ROUNDS" ]; do
		r=$((r + 1))
		# shellcheck disable=SC2046 # three numbers
		set -- $(lat)
		idle50=$1 idle99=$2 idlefail=$3
		rm -f "$TMP/stop"
		attack
		sleep 1
		# shellcheck disable=SC2046 # three numbers
		set -- $(lat)
		load50=$1 load99=$2 loadfail=$3
		: >"$TMP/stop"
		wait_until 200 sh -c "! pgrep -f '$FAKECLIENT' >/dev/null"
		echo "# $mode round $r: idle p50 $idle50 p99 $idle99 us;" \
		    "attacked p50 $load50 p99 $load99 us;" \
		    "failed $idlefail/$loadfail" >&2
		rows="$rows$idle50 $idle99 $load50 $load99 $idlefail $loadfail
"
	done
	echo "$rows"
}

# Not in $(...): the daemon it starts must stay in this shell's PIDS.
rounds rst >"$TMP/rows.rst"
rounds 450 >"$TMP/rows.450"
rows_rst=$(cat "$TMP/rows.rst")
rows=$(cat "$TMP/rows.450")
stats=$(in_server "$ROOT/build/mxallowctl" -s "$TMP/ctl.sock" show stats)
col() {
	echo "${2:-$rows}" | awk -v c="$1" 'NF { print $c }'
}
# shellcheck disable=SC2046
i50=$(median $(col 1)) i99=$(median $(col 2))
# shellcheck disable=SC2046
l50=$(median $(col 3)) l99=$(median $(col 4))
# shellcheck disable=SC2046
ri50=$(median $(col 1 "$rows_rst")) ri99=$(median $(col 2 "$rows_rst"))
# shellcheck disable=SC2046
rl50=$(median $(col 3 "$rows_rst")) rl99=$(median $(col 4 "$rows_rst"))
{
	echo "# bench/fakeanswer.sh: connect() to the real MX, idle and while"
	echo "# the fake MX (fake-answer 450, and rst as the reference) is attacked by $SLOW"
	echo "# slowloris clients and $FLOODS clients opening 1,000"
	echo "# connections at once, again and again"
	echo "# $(machine); revision $(revision); $(date -u +%Y-%m-%d)"
	echo "# load before $load_before, after $(load_now)"
	echo "# rounds $ROUNDS, $LAT_N connections each (median of rounds)"
	echo
	echo "| connect() to the real MX | 450: idle | 450: attacked | ratio | rst (reference): idle | rst: attacked | ratio | attacked 450 / rst |"
	echo "|---|---|---|---|---|---|---|---|"
	echo "| p50 | $i50 us | $l50 us | $(ratio "$l50" "$i50") | $ri50 us | $rl50 us | $(ratio "$rl50" "$ri50") | $(ratio "$l50" "$rl50") |"
	echo "| p99 | $i99 us | $l99 us | $(ratio "$l99" "$i99") | $ri99 us | $rl99 us | $(ratio "$rl99" "$ri99") | $(ratio "$l99" "$rl99") |"
	echo "| connections that failed (all rounds) | $(col 5 | awk '{s+=$1} END {print s+0}') | $(col 6 | awk '{s+=$1} END {print s+0}') | | $(col 5 "$rows_rst" | awk '{s+=$1} END {print s+0}') | $(col 6 "$rows_rst" | awk '{s+=$1} END {print s+0}') | | |"
	echo
	echo "$stats" | grep -E '^fake (answered|refused|timeouts)' |
	    sed 's/^/# 450 mode, all rounds: /'
} >"$OUT"
cat "$OUT"
