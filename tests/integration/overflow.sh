#!/bin/sh
# A burst the daemon cannot keep up with: the daemon is frozen (SIGSTOP)
# while 150000 forged SYNs arrive, so the socket buffer overflows.  The
# kernel must report it (ENOBUFS), the daemon must count it, survive, answer
# every packet that was queued, and go on deciding.
. "$(dirname "$0")/../lib/netns.sh"
need_file "$ROOT/build/tools/synflood" "make tests"

SYNFLOOD=$ROOT/build/tools/synflood
FLOOD=150000

# queue_field N: field N of this queue's line in the kernel's statistics.
queue_field() {
	# shellcheck disable=SC2016 # awk's own $1 and $f
	in_server awk -v q="$QUEUE" -v f="$1" '$1 == q { print $f }' \
	    /proc/net/netfilter/nfnetlink_queue
}

setup_net
setup_firewall
# The forged sources (203.0.113.0/24) need a route back, or rp_filter may
# drop them before the firewall; replies die in the client namespace.
in_server ip route add 203.0.113.0/24 dev vs
start_listener
write_config 60
start_mxallowd -q

kill -STOP "$MXPID"
in_client "$SYNFLOOD" -d "$REAL4" -n "$FLOOD" -k 250 | sed 's/^/# /'
queued=$(queue_field 3)
echo "# queued while frozen: $queued of $FLOOD"
check "the frozen daemon's queue holds a backlog ($queued packets)" \
    [ "${queued:-0}" -gt 0 ]
kill -CONT "$MXPID"

drained() {
	[ "$(queue_field 3)" = 0 ]
}
wait_until 100 drained
check "after SIGCONT every queued packet gets its verdict (queue empty)" drained
stats=$(stats_line)
echo "# $stats"
check "the daemon survived the overflow" kill -0 "$MXPID"
check "the overflow (ENOBUFS) is counted" \
    contains_re "$stats" "overflows [1-9]"
check "the overflow is logged" log_has "NFQUEUE socket overflowed"
blocked=$(echo "$stats" | sed -n 's/.*blocked \([0-9]*\),.*/\1/p')
check "every queued forged SYN was blocked ($blocked = $queued)" \
    [ "${blocked:-x}" = "$queued" ]

probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "after the burst a retrying client is delivered" [ "$RC" -eq 0 ]
probe 198.51.100.11 1500 connect "$REAL4"
check "after the burst a direct client is dropped" [ "$RC" -eq 2 ]
finish
