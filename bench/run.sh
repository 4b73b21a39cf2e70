#!/bin/sh
# Every benchmark, one after the other (`make bench`): the whitelist, the
# pflog replay and, as root, the NFQUEUE gate, the shared whitelist and
# the answering fake MX under attack.  Each compares mxallowd
# with references measured in the same run and writes its table to
# bench/results/.
#
# Before each one it waits, up to WAIT_QUIET seconds (default 1200), for
# the 1-minute load to drop below MAX_LOAD (default 0.7): other work on
# the machine moves the figures more than anything measured here.  The
# load is written into every table.  WAIT_QUIET=0 does not wait.
set -u
cd "$(dirname "$0")/.." || exit 1

WAIT_QUIET=${WAIT_QUIET:-1200}
MAX_LOAD=${MAX_LOAD:-0.7}
export WAIT_QUIET MAX_LOAD

failed=""
for b in whitelist replay gate sync fakeanswer; do
	echo "# bench/$b.sh"
	if { [ "$b" = gate ] || [ "$b" = sync ] || [ "$b" = fakeanswer ]; } &&
	    [ "$(id -u)" -ne 0 ]; then
		echo "# bench/$b.sh skipped: needs root"
		failed="$failed $b"
		continue
	fi
	sh "bench/$b.sh" || failed="$failed $b"
	echo
done
if [ -n "$failed" ]; then
	echo "# not measured:$failed"
	exit 1
fi
echo "# tables in bench/results/: whitelist.txt replay.txt gate.txt sync.txt" \
    "fakeanswer.txt"
