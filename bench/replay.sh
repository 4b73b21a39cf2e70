#!/bin/sh
# The replay rate against a bare libpcap read loop over the same savefile.
#
# usage: sh bench/replay.sh [packets [sources]]
#
# Generates a pflog savefile (OpenBSD layout) with pflogen: by default one
# million packets from 100,000 senders (mostly fake-MX and real-MX SYNs,
# one in ten an ACK, one sender in ten blocked, one in four IPv6).  Times
# bench/pcaploop (read and touch each packet), bench/pcaploop -f 'port 25'
# (the same with the pf port's default pcap-filter, the reference the
# target is set against), the latter again reading through the same 1 MiB
# buffer as mxallowd -R (the machine's limit for this file), and mxallowd
# -R, both with its decision lines (to /dev/null) and with -q (summary
# only); median of five rounds, and writes the figures to
# bench/results/replay.txt.
# Needs GNU date (%N) for the timing.
set -eu
cd "$(dirname "$0")/.."

packets=${1:-1000000}
sources=${2:-100000}
runs=${ROUNDS:-5}
MAX_LOAD=${MAX_LOAD:-0.7}
WAIT_QUIET=${WAIT_QUIET:-0}
out=${OUT:-bench/results/replay.txt}

make -s build/mxallowd build/tools/pflogen build/bench/pcaploop

case $(date +%N) in
*[!0-9]*|'') echo "bench/replay.sh: needs date +%N (GNU date)" >&2; exit 1 ;;
esac

. bench/lib.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
file=$tmp/bench.pcap
build/tools/pflogen -n "$packets" -s "$sources" -o "$file" bench
size=$(wc -c <"$file" | tr -d ' ')

# Nanoseconds a command takes, its output discarded.
elapsed() {
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	echo $((t1 - t0))
}

replay() {
	$pin build/mxallowd -b -c /dev/null -f 192.0.2.10 -f 2001:db8::10 \
	    -r 192.0.2.20 -r 2001:db8::20 --max-entries 1000000 -R "$file" "$@"
}

loop() {
	$pin build/bench/pcaploop "$@" "$file"
}

# Every program runs on the same cpu (the two of a small VM need not be
# equally fast), and each round times each program once, so that a slow
# spell of the machine slows them all alike.
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c ${BENCH_CPU:-0}"

[ "$WAIT_QUIET" -gt 0 ] && wait_quiet "$MAX_LOAD" "$WAIT_QUIET"
load_before=$(load_now)
# Warm the page cache, and keep the summary for the record.
loop -f "port 25" >/dev/null
summary=$(replay -q)

t_loop="" t_filter="" t_buffer="" t_quiet="" t_lines=""
i=0
while [ "$i" -lt "$runs" ]; do
	t_loop="$t_loop $(elapsed loop)"
	t_filter="$t_filter $(elapsed loop -f "port 25")"
	t_buffer="$t_buffer $(elapsed loop -B 1048576 -f "port 25")"
	t_quiet="$t_quiet $(elapsed replay -q)"
	t_lines="$t_lines $(elapsed replay)"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # one time per run
{
	ns_loop=$(median $t_loop)
	ns_filter=$(median $t_filter)
	ns_buffer=$(median $t_buffer)
	ns_quiet=$(median $t_quiet)
	ns_lines=$(median $t_lines)
}
load_after=$(load_now)

rate() {
	awk -v n="$packets" -v ns="$1" 'BEGIN { printf "%.0f", n / (ns / 1e9) }'
}

ms() {
	awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'
}

r_loop=$(rate "$ns_loop")
r_filter=$(rate "$ns_filter")
r_buffer=$(rate "$ns_buffer")
r_quiet=$(rate "$ns_quiet")
r_lines=$(rate "$ns_lines")
mkdir -p bench/results
{
	echo "# replay rate, $(date -u +%Y-%m-%d), $(machine)"
	echo "# load (1, 5, 15 min) before $load_before, after $load_after"
	echo "# source $(revision)"
	echo "# $packets packets from $sources senders, $size bytes, pflog (OpenBSD layout); median of $runs${pin:+, all on one cpu}"
	echo "# ratio: packets/s over the filtered libpcap loop's [bare loop's; filtered loop's with mxallowd's 1 MiB read buffer]"
	echo "pcaploop (libpcap read loop)    $(ms "$ns_loop") ms  $r_loop packets/s"
	echo "pcaploop -f 'port 25'           $(ms "$ns_filter") ms  $r_filter packets/s"
	echo "pcaploop -B 1MiB -f 'port 25'   $(ms "$ns_buffer") ms  $r_buffer packets/s"
	echo "mxallowd -R -q (summary only)   $(ms "$ns_quiet") ms  $r_quiet packets/s  ratio $(ratio "$ns_filter" "$ns_quiet") [$(ratio "$ns_loop" "$ns_quiet"); $(ratio "$ns_buffer" "$ns_quiet")]"
	echo "mxallowd -R (decision lines)    $(ms "$ns_lines") ms  $r_lines packets/s  ratio $(ratio "$ns_filter" "$ns_lines") [$(ratio "$ns_loop" "$ns_lines"); $(ratio "$ns_buffer" "$ns_lines")]"
	echo "# $summary"
} | tee "$out"
