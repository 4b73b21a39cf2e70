# shellcheck shell=sh
# Shared by the benchmarks: the machine's load, waiting for a quiet
# machine, medians and ratios.  Sourced; defines functions only.

# The load averages, as "1-min 5-min 15-min".
load_now() {
	cut -d ' ' -f 1-3 /proc/loadavg
}

# wait_quiet MAX SECONDS: wait (polling every 15 s, at most SECONDS) until
# the 1-minute load is below MAX.  Never fails: a busy machine is measured
# anyway, and the load goes into the results.
wait_quiet() {
	waited=0
	while [ "$waited" -lt "$2" ]; do
		awk -v max="$1" '{ exit !($1 < max) }' /proc/loadavg && return 0
		[ "$waited" -eq 0 ] &&
		    echo "# waiting up to $2 s for a 1-minute load below $1" \
		    "(now $(load_now))" >&2
		sleep 15
		waited=$((waited + 15))
	done
	echo "# load still $(load_now): measuring anyway" >&2
}

# median VALUE...: the middle value (the lower middle of an even count);
# "-" when there is none.
median() {
	[ $# -gt 0 ] || { echo -; return; }
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	    END { print v[int((NR + 1) / 2)] }'
}

# ratio A B [DIGITS]: A / B; "-" if either is missing or B is zero.
ratio() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
		if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0)
			print "-"
		else
			printf "%.*f\n", d, a / b
	}'
}

# The machine, for the results' header.
machine() {
	echo "$(uname -sm), $(nproc 2>/dev/null || echo '?') cpus," \
	    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' \
	    /proc/meminfo)"
}

# The source measured: REV if set (a build from an exported tree has no
# git), else what git says of this tree.
revision() {
	echo "${REV:-$(git describe --always --dirty 2>/dev/null ||
	    echo unknown)}"
}
