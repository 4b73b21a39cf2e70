#!/bin/sh
# Sharing the whitelist (sync): gate to gate through a real redis-server,
# beside a minimal publish/subscribe loop on the same server
# (bench/redisref.c), in one run.
#
# usage: sh bench/sync.sh		(as root; a few minutes)
#
# The namespaces of tests/integration/sync.sh, IPv6: the client, gate A
# (tests/lib/netns.sh's server: fake MX 2001:db8:2::10, real MX ::20) and
# gate B (a third namespace, real MX 2001:db8:3::20), redis-server on a
# unix socket in the run's directory; both gates run mxallowd -b with
# sync, whitelist-time 3600.  Measured, in each of ROUNDS rounds (the
# median is kept):
#   propagation	SENDERS senders one after the other: a SYN to A's fake MX,
#		then B's control socket asked every 50 us until B lists
#		the sender (bench/syncprop.c): the time from the SYN, p50
#		and p99; reference: one event published (PUBLISH and SET
#		PXAT, as mxallowd sends it) until a subscriber has it
#		(redisref lat), p50 and p99
#   events/s	gate B stopped (SIGSTOP), FLOOD fake-MX SYNs from as
#		many forged senders at A, which whitelists and publishes
#		them; then B continued: the events over the time until B
#		has taken them all (its sync-received, polled every 20 ms);
#		reference: FLOOD events pipelined by a publisher to a
#		subscriber in another process that starts reading once
#		they are all sent (redisref rate)
# and once, MTA_N senders that behave like an MTA (A's fake MX, then at
# once B's real MX): how many connect on their first SYN.
#
# Writes the table to bench/results/sync.txt.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
export ROOT
. bench/lib.sh

ROUNDS=${ROUNDS:-3}
SENDERS=${SENDERS:-1000}
FLOOD=${FLOOD:-100000}
MTA_N=${MTA_N:-100}
out=${OUT:-bench/results/sync.txt}
SYNCPROP=$ROOT/build/bench/syncprop
REDISREF=$ROOT/build/bench/redisref
MXALLOWCTL=$ROOT/build/mxallowctl

. tests/lib/netns.sh
need redis-server
need_file "$SYNCPROP" "make bench-progs"
need_file "$REDISREF" "make bench-progs (with libhiredis-dev)"
need_file "$ROOT/build/tools/synflood" "make tests"

wait_quiet "${MAX_LOAD:-0.7}" "${WAIT_QUIET:-1200}"
load_before=$(load_now)

NS_B=mxa-gb-$$
REALB6=2001:db8:3::20
SOCK=$TMP/redis.sock
trap 'ip netns del "$NS_B" 2>/dev/null; cleanup' EXIT

in_b() {
	ip netns exec "$NS_B" "$@"
}

chmod 755 "$TMP"
setup_net
setup_firewall
ip netns add "$NS_B" || exit 1
ip link add vc2 netns "$NS_C" type veth peer name vb netns "$NS_B"
in_b ip addr add "$REALB6/64" dev vb nodad
in_b ip link set lo up
in_b ip link set vb up
in_client ip addr add 2001:db8:3::1/64 dev vc2 nodad
in_client ip link set vc2 up
# Through a neighbour on the link: the senders' addresses are on vc, and
# neighbour discovery answers only for the link's own.
in_b ip -6 route add 2001:db8:1::/64 via 2001:db8:3::1 dev vb
in_b ip6tables -A INPUT -p tcp --syn --dport 25 \
    -j NFQUEUE --queue-num "$QUEUE" --queue-bypass || exit 1
ip netns exec "$NS_B" socat "TCP6-LISTEN:25,bind=[$REALB6],reuseaddr,fork" \
    SYSTEM:'echo 220 mx-b.example.net ESMTP' 2>/dev/null &
PIDS="$PIDS $!"
# The senders: 2001:db8:1::1:1 on, 2 * SENDERS a round and MTA_N.
n=$((ROUNDS * SENDERS * 2 + MTA_N + 16))
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
    printf "addr add 2001:db8:1::%x:%x/64 dev vc nodad\n", 1 + int(i / 65536),
    i % 65536 }' >"$TMP/addrs"
in_client ip -b "$TMP/addrs" || exit 1

ip netns exec "$NS_S" redis-server --port 0 --unixsocket "$SOCK" \
    --unixsocketperm 777 --save '' --appendonly no --dir "$TMP" \
    --logfile "$TMP/redis.log" &
PIDS="$PIDS $!"
wait_until 50 sh -c "redis-cli -s '$SOCK' ping 2>/dev/null | grep -q PONG" ||
    { echo "# redis-server did not start"; exit 1; }

gate_conf() {
	cat <<-EOF
	fake-mailserver $1
	real-mailserver $2
	queue-num $QUEUE
	whitelist-time 3600
	state-file none
	control-socket $TMP/ctl-$3.sock
	no-rdns-whitelist
	max-entries 1000000
	sync unix://$SOCK
	sync-name gate-$3
	EOF
}
gate_conf "$FAKE6" "$REAL6" a >"$TMP/a.conf"
# B's fake address is on no interface: B is a real MX only.
gate_conf 2001:db8:3::10 "$REALB6" b >"$TMP/b.conf"
for g in a b; do
	ns=$NS_S
	[ "$g" = b ] && ns=$NS_B
	ip netns exec "$ns" "$MXALLOWD" -F -s -c "$TMP/$g.conf" \
	    >"$TMP/$g.log" 2>&1 &
	PIDS="$PIDS $!"
	PIDB=$!
	wait_until 50 grep -q "sync: connected" "$TMP/$g.log" ||
	    { echo "# gate $g did not connect"; cat "$TMP/$g.log"; exit 1; }
done

counter() {
	"$MXALLOWCTL" -s "$TMP/ctl-$1.sock" show stats | sed -n "s/^$2: //p"
}

now_ms() {
	date +%s%3N
}

# field NAME TEXT: the value after NAME in "name value ..." text.
field() {
	echo "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++)
	    if ($i == k) print $(i + 1) }'
}

mta_line=$(in_client "$SYNCPROP" -c "$TMP/ctl-b.sock" -f "$FAKE6" \
    -s 2001:db8:1::1:1 -n "$MTA_N" -r "$REALB6" | tail -n 1)
echo "# MTA-like: $mta_line"
# The MTA phase used MTA_N addresses for each of its two passes.
next=$((2 * MTA_N + 1))

p50=""; p99=""; rp50=""; rp99=""; rate=""; rrate=""; rlat=""; rrat=""
r=1
while [ "$r" -le "$ROUNDS" ]; do
	first=$(printf '2001:db8:1::%x:%x' $((1 + next / 65536)) \
	    $((next % 65536)))
	next=$((next + SENDERS))
	line=$(in_client "$SYNCPROP" -c "$TMP/ctl-b.sock" -f "$FAKE6" \
	    -s "$first" -n "$SENDERS")
	echo "# round $r mxallowd: $line"
	ref=$("$REDISREF" -s "$SOCK" -n "$SENDERS" lat)
	echo "# round $r reference: $ref"
	a50=$(field p50_us "$line"); a99=$(field p99_us "$line")
	b50=$(field p50_us "$ref"); b99=$(field p99_us "$ref")
	p50="$p50 $a50"; p99="$p99 $a99"; rp50="$rp50 $b50"; rp99="$rp99 $b99"
	rlat="$rlat $(ratio "$a50" "$b50")"

	# B stopped: the server holds A's events for it meanwhile.
	rc0=$(counter b sync-received)
	kill -STOP "$PIDB"
	wl0=$(counter a whitelisted)
	sent0=$(counter a sync-sent)
	in_client "$ROOT/build/tools/synflood" -d "$FAKE6" -n "$FLOOD" \
	    -k "$FLOOD" -s "2001:db8:ff$r::1" >/dev/null 2>&1
	# Until A has published every sender it whitelisted (at most 60 s).
	i=0
	while [ "$i" -lt 1200 ]; do
		want=$(($(counter a whitelisted) - wl0))
		[ $(($(counter a sync-sent) - sent0)) -ge "$want" ] && break
		sleep 0.05
		i=$((i + 1))
	done
	t0=$(now_ms)
	kill -CONT "$PIDB"
	# Every one of them at B (at most 120 s).
	i=0
	while [ "$i" -lt 2400 ]; do
		got=$(($(counter b sync-received) - rc0))
		[ -n "${SYNC_TRACE:-}" ] && echo "# $(now_ms) $got $want"
		[ "$got" -ge "$want" ] && break
		sleep 0.02
		i=$((i + 1))
	done
	t1=$(now_ms)
	eps=$(awk -v n="$want" -v ms=$((t1 - t0)) 'BEGIN {
	    printf "%.0f\n", n / (ms / 1000) }')
	echo "# round $r mxallowd: $want events (of $FLOOD SYNs) taken by B" \
	    "in $((t1 - t0)) ms: $eps/s"
	ref=$("$REDISREF" -s "$SOCK" -n "$FLOOD" rate)
	echo "# round $r reference: $ref"
	reps=$(field events_per_s "$ref")
	rate="$rate $eps"; rrate="$rrate $reps"
	rrat="$rrat $(ratio "$eps" "$reps")"
	r=$((r + 1))
done

# shellcheck disable=SC2086 # the lists are words
{
	echo "# sync, $(date -u +%Y-%m-%d), $(machine)"
	echo "# load (1, 5, 15 min) before $load_before, after $(load_now)"
	echo "# source $(revision), redis-server $(redis-server --version |
	    sed -n 's/.*v=\([^ ]*\).*/\1/p')"
	echo "# $SENDERS senders one at a time, $FLOOD flood senders;" \
	    "median of $ROUNDS rounds"
	echo "# reference: PUBLISH + SET PXAT to a subscriber on the same" \
	    "server (bench/redisref.c)"
	echo
	printf '%-26s %10s %10s %12s\n' "" "p50 us" "p99 us" "events/s"
	printf '%-26s %10s %10s %12s\n' "reference pub/sub" \
	    "$(median $rp50)" "$(median $rp99)" "$(median $rrate)"
	printf '%-26s %10s %10s %12s\n' "mxallowd gate to gate" \
	    "$(median $p50)" "$(median $p99)" "$(median $rate)"
	printf '%-26s %10s %10s %12s\n' "mxallowd / reference" \
	    "$(median $rlat)" "-" "$(median $rrat)"
	echo
	echo "# MTA-like senders (A's fake MX, then B's real MX at once):" \
	    "$(field mta "$mta_line") tried, $(field connected "$mta_line")" \
	    "connected, $(field first_syn "$mta_line") on their first SYN"
} >"$out"
cat "$out"
