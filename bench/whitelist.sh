#!/bin/sh
# The whitelist (common/whitelist.c) against a minimal open-addressing set
# of bare 16-byte keys (bench/wlbench.c says why that reference), in the
# same run, on the same keys.
#
# usage: sh bench/whitelist.sh [entries [lookups]]
#
# One million entries by default, half IPv4 and half IPv6; insertions
# into an empty table, then lookups of present and of absent keys (four
# million each by default) in a scattered order: one at a time, and in
# batches of 64 after wl_prefetch(), as the daemon looks up a received
# burst.  Three runs; the median of each figure is kept.  Writes the table to bench/results/whitelist.txt.
set -eu
cd "$(dirname "$0")/.."

entries=${1:-1000000}
lookups=${2:-4000000}
runs=${ROUNDS:-3}
MAX_LOAD=${MAX_LOAD:-0.7}
WAIT_QUIET=${WAIT_QUIET:-0}
out=${OUT:-bench/results/whitelist.txt}

make -s build/bench/wlbench
. bench/lib.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

[ "$WAIT_QUIET" -gt 0 ] && wait_quiet "$MAX_LOAD" "$WAIT_QUIET"
load_before=$(load_now)
i=0
while [ "$i" -lt "$runs" ]; do
	build/bench/wlbench -n "$entries" -l "$lookups" >>"$tmp/runs"
	i=$((i + 1))
done
load_after=$(load_now)

# med TABLE FIELD: the median of a figure over the runs.
med() {
	# shellcheck disable=SC2046 # one value per run
	median $(awk -v t="$1" -v f="$2" '$1 == t {
		for (i = 2; i < NF; i += 2)
			if ($i == f)
				print $(i + 1)
	}' "$tmp/runs")
}

row() {
	printf '%-28s %12s %12s %12s %12s\n' "$@"
}

mkdir -p bench/results
{
	echo "# whitelist, $(date -u +%Y-%m-%d), $(machine)"
	echo "# load (1, 5, 15 min) before $load_before, after $load_after"
	echo "# source $(revision)"
	echo "# $entries entries, half IPv4 and half IPv6; $lookups lookups" \
	    "each, scattered order; median of $runs runs"
	echo "# reference: open addressing, bare 16-byte keys, linear" \
	    "probing, at most half full (bench/wlbench.c)"
	echo
	row "" "inserts/s" "hits/s" "misses/s" "bytes/entry"
	for t in reference whitelist batched; do
		case $t in
		reference) name="open-addressing set" ;;
		whitelist) name="mxallowd whitelist" ;;
		batched) name="whitelist, batches of 64" ;;
		esac
		row "$name" "$(med $t inserts/s)" "$(med $t hits/s)" \
		    "$(med $t misses/s)" "$(med $t bytes/entry)"
	done
	row "whitelist / reference" \
	    "$(ratio "$(med whitelist inserts/s)" "$(med reference inserts/s)")" \
	    "$(ratio "$(med whitelist hits/s)" "$(med reference hits/s)")" \
	    "$(ratio "$(med whitelist misses/s)" "$(med reference misses/s)")" \
	    "$(ratio "$(med whitelist bytes/entry)" "$(med reference bytes/entry)")"
	row "batches / reference" \
	    "-" \
	    "$(ratio "$(med batched hits/s)" "$(med reference hits/s)")" \
	    "$(ratio "$(med batched misses/s)" "$(med reference misses/s)")" \
	    "-"
} | tee "$out"
