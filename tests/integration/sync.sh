#!/bin/sh
# Two gates sharing one whitelist through a real redis-server (sync,
# sync-channel, sync-name), with real NFQUEUE rules and real TCP clients.
#
#   client namespace: the senders, 198.51.100.10-19 and 2001:db8:1::10-19
#                     (and 2001:db8:ffff::/64 for the flood, forged)
#   gate A (server namespace): fake MX 192.0.2.10 and 2001:db8:2::10,
#                     real MX 192.0.2.20 and 2001:db8:2::20
#   gate B (a third namespace): a real MX only, 203.0.113.20 (its fake
#                     address, 203.0.113.10, is on no interface)
#   redis-server: on a unix socket in the test's directory, no TCP port,
#                 no persistence; stopped and started again by the test.
#
# A sender refused at A's fake MX passes B's real MX on its first SYN; a
# sender that never tried a fake MX is still dropped at B; a deletion at A
# reaches B; with Redis stopped both gates decide alone and catch up when
# it is back; a restarted gate loads the shared entries; garbage,
# oversized and future-dated events are counted and ignored; a flood of
# fake-MX hits at A reaches B without slowing A's verdicts.
. "$(dirname "$0")/../lib/netns.sh"
need redis-server redis-cli
MXALLOWCTL=${MXALLOWCTL:-$ROOT/build/mxallowctl}
need_file "$MXALLOWCTL" "make"
need_file "$ROOT/build/tools/synflood" "make tests"
SYNFLOOD=$ROOT/build/tools/synflood
need ldd
if ! ldd "$MXALLOWD" | grep -q hiredis; then
	echo "ok 1 # SKIP mxallowd built without hiredis (libhiredis-dev)"
	echo "1..1"
	exit 0
fi

NS_B=mxa-gb-$$
REALB=203.0.113.20
FAKEB=203.0.113.10
SOCK=$TMP/redis.sock
CONFB=$TMP/mxallowd-b.conf
LOGA=$TMP/mxallowd.log
LOGB=$TMP/mxallowd-b.log
REDIS_PID=""
MXPIDB=""
FLOOD=${SYNC_FLOOD:-100000}

in_b() {
	ip netns exec "$NS_B" "$@"
}

cleanup_b() {
	# netns.sh's cleanup stops what is in PIDS; the namespace is ours.
	ip netns del "$NS_B" 2>/dev/null
	if [ "$t_failed" -gt 0 ] && [ -f "$LOGB" ]; then
		echo "# gate B's log:"
		sed 's/^/#   /' "$LOGB" | tail -n 60
	fi
}
trap 'cleanup_b; cleanup' EXIT

rcli() {
	redis-cli -s "$SOCK" "$@"
}

start_redis() {
	ip netns exec "$NS_S" redis-server --port 0 --unixsocket "$SOCK" \
	    --unixsocketperm 777 --save '' --appendonly no --dir "$TMP" \
	    --logfile "$TMP/redis.log" &
	REDIS_PID=$!
	PIDS="$PIDS $REDIS_PID"
	wait_until 50 sh -c "redis-cli -s '$SOCK' ping 2>/dev/null |
	    grep -q PONG" || { echo "# redis-server did not start"; exit 1; }
}

stop_redis() {
	kill "$REDIS_PID"
	wait_until 50 gone "$REDIS_PID"
}

setup_b() {
	ip netns add "$NS_B" || exit 1
	ip link add vc2 netns "$NS_C" type veth peer name vb netns "$NS_B"
	in_b ip addr add "$REALB/24" dev vb
	in_b ip link set lo up
	in_b ip link set vb up
	in_client ip link set vc2 up
	in_client ip route add 203.0.113.0/24 dev vc2
	in_b ip route add 198.51.100.0/24 dev vb
	in_b iptables -A INPUT -p tcp --syn --dport 25 \
	    -j NFQUEUE --queue-num "$QUEUE" --queue-bypass || exit 1
	ip netns exec "$NS_B" socat TCP4-LISTEN:25,bind="$REALB",reuseaddr,fork \
	    SYSTEM:'echo 220 mx-b.example.net ESMTP' 2>/dev/null &
	PIDS="$PIDS $!"
	wait_until 50 sh -c "ip netns exec $NS_B ss -Hltn 'sport = :25' |
	    grep -q $REALB" || { echo "# B's listener did not start"; exit 1; }
}

sync_lines() {
	cat <<-EOF
	sync unix://$SOCK
	sync-channel mxallowd
	sync-name $1
	max-entries 250000
	EOF
}

write_config_b() {
	cat >"$CONFB" <<-EOF
	fake-mailserver $FAKEB
	real-mailserver $REALB
	queue-num $QUEUE
	whitelist-time 600
	state-file none
	control-socket $TMP/ctlb.sock
	no-rdns-whitelist
	EOF
	sync_lines gate-b >>"$CONFB"
}

logb_has() {
	grep -q -- "$1" "$LOGB"
}

start_b() {
	[ -f "$LOGB" ] && cat "$LOGB" >>"$ALL_LOGS"
	: >"$LOGB"
	ip netns exec "$NS_B" "$MXALLOWD" -F -s -c "$CONFB" "$@" \
	    >>"$LOGB" 2>&1 &
	MXPIDB=$!
	PIDS="$PIDS $MXPIDB"
	wait_until 50 logb_has "started (" ||
	    { echo "# gate B did not start"; cat "$LOGB"; exit 1; }
}

ctla() {
	in_server "$MXALLOWCTL" -s "$TMP/ctl.sock" "$@" 2>&1
}

ctlb() {
	in_b "$MXALLOWCTL" -s "$TMP/ctlb.sock" "$@" 2>&1
}

# counter GATE LABEL: a counter of show stats.
counter() {
	"ctl$1" show stats | sed -n "s/^$2: //p"
}

# listed GATE ADDRESS ORIGIN: the gate's whitelist holds it, of that origin.
listed() {
	"ctl$1" show whitelist "$2" | grep -q "^$2/[0-9]* [0-9]* $3 "
}

unlisted() {
	! "ctl$1" show whitelist "$2" >/dev/null 2>&1
}

connected() {
	[ "$(counter "$1" sync-connected)" = 1 ]
}

disconnected() {
	[ "$(counter "$1" sync-connected)" = 0 ]
}

# The daemons change user: the sockets and files must be reachable.
chmod 755 "$TMP"
setup_net
setup_firewall
start_listener
setup_b
start_redis
write_config 600
sync_lines gate-a >>"$CONF"
echo "no-rdns-whitelist" >>"$CONF"
write_config_b
chmod 644 "$CONF" "$CONFB"
start_mxallowd -d
start_b -d
check "gate A connects to redis-server" wait_until 50 connected a
check "gate B connects to redis-server" wait_until 50 connected b
check "and says so once, with its name" \
    grep -q "sync: connected to unix://$SOCK, channel mxallowd, as gate-b" \
    "$LOGB"

# --- a sender refused at A's fake MX goes on to B's real MX ---
probe 198.51.100.11 2000 mta "$FAKE4" "$REAL4"
check "the sender falls back to A's real MX and passes" \
    contains "$OUT" "^$REAL4 connected"
check "B's whitelist has it soon, with origin sync" \
    wait_until 30 listed b 198.51.100.11 sync
check "A's has it as its own (fake)" listed a 198.51.100.11 fake
check "the shared key is in the store, with A's expiry" \
    sh -c "redis-cli -s '$SOCK' get mxallowd:198.51.100.11/32 |
    grep -q '^mxallowd/1 gate-a add 198.51.100.11/32 [0-9]*$' &&
    [ \$(redis-cli -s '$SOCK' pttl mxallowd:198.51.100.11/32) -gt 590000 ]"
probe 198.51.100.11 2000 connect "$REALB"
check "the sender passes B's real MX" [ "$RC" -eq 0 ]
ms=$(probe_ms "$REALB")
check "on its first SYN (${ms} ms)" [ "${ms:-9999}" -lt 900 ]

# --- a sender that never tried a fake MX is still dropped at B ---
probe 198.51.100.12 1500 connect "$REALB"
check "a direct sender is dropped at B" [ "$RC" -eq 2 ]
check "and counted as blocked there" [ "$(counter b blocked)" -ge 1 ]

# --- renewals are coalesced: passes at A send nothing new ---
sent=$(counter a sync-sent)
for i in 1 2 3 4 5; do
	PROBE_QUIET=1 probe 198.51.100.11 2000 connect "$REAL4"
done
sleep 0.3
check "five real-MX passes at A publish no renewal (sent stays $sent)" \
    [ "$(counter a sync-sent)" -eq "$sent" ]

# --- a deletion at A reaches B ---
ctla delete 198.51.100.11 | sed 's/^/# A: /'
check "delete at A removes the entry at B" \
    wait_until 30 unlisted b 198.51.100.11
check "and from the store" \
    sh -c "[ \$(redis-cli -s '$SOCK' exists mxallowd:198.51.100.11/32) = 0 ]"
probe 198.51.100.11 1500 connect "$REALB"
check "the deleted sender is dropped at B again" [ "$RC" -eq 2 ]

# --- Redis stopped: both gates decide alone ---
stop_redis
check "gate A notices the outage" wait_until 50 disconnected a
check "gate B too" wait_until 50 disconnected b
check "A logs it once" wait_until 20 sh -c \
    "[ \$(grep -c 'deciding alone' '$LOGA') -eq 1 ]"
probe 198.51.100.13 2000 mta "$FAKE4" "$REAL4"
check "meanwhile a falling-back sender still passes at A" \
    contains "$OUT" "^$REAL4 connected"
ms=$(probe_ms "$REAL4")
check "at once (${ms} ms to the real MX)" [ "${ms:-9999}" -lt 900 ]
probe 198.51.100.14 1500 connect "$REALB"
check "and B still drops a direct sender" [ "$RC" -eq 2 ]
check "B has not heard of the new sender" unlisted b 198.51.100.13
sleep 3
check "the outage is still logged once at A, after retries" \
    [ "$(grep -c 'deciding alone' "$LOGA")" -eq 1 ]
check "and the retries are counted as errors" [ "$(counter a sync-errors)" -ge 2 ]

# --- Redis back: catch-up both ways ---
start_redis
check "A reconnects within the backoff (at most 10 s)" \
    wait_until 120 connected a
check "B too" wait_until 120 connected b
check "A logs that the server is back" grep -q "is back" "$LOGA"
check "A's whitelisting during the outage reaches B" \
    wait_until 50 listed b 198.51.100.13 sync
probe 198.51.100.13 2000 connect "$REALB"
check "and the sender passes B's real MX" [ "$RC" -eq 0 ]
ctlb add 198.51.100.15 | sed 's/^/# B: /'
check "a manual add at B reaches A" wait_until 30 listed a 198.51.100.15 sync

# --- a gate restarted while Redis is up starts with the shared entries ---
kill "$MXPIDB"
wait_until 50 gone "$MXPIDB"
start_b -d
check "restarted B connects" wait_until 50 connected b
check "and holds A's entry from the store" listed b 198.51.100.13 sync
probe 198.51.100.13 2000 connect "$REALB"
check "the sender passes the restarted B on its first SYN" \
    [ "$RC/$(in_range "$(probe_ms "$REALB")" 0 899 && echo fast)" = 0/fast ]

# --- a reload to another channel: B restarts its sync, apart ---
sed 's/^sync-channel mxallowd$/sync-channel elsewhere/' "$CONFB" \
    >"$CONFB.new" && cat "$CONFB.new" >"$CONFB"
ctlb reload | sed 's/^/# B: /'
check "reloaded B connects on its new channel" wait_until 50 \
    logb_has "channel elsewhere, as gate-b"
probe 198.51.100.16 2000 mta "$FAKE4" "$REAL4"
sleep 1
check "A's whitelisting no longer reaches B" unlisted b 198.51.100.16
sed 's/^sync-channel elsewhere$/sync-channel mxallowd/' "$CONFB" \
    >"$CONFB.new" && cat "$CONFB.new" >"$CONFB"
ctlb reload | sed 's/^/# B: /'
check "back on the shared channel, B loads it from the store" \
    wait_until 50 listed b 198.51.100.16 sync

# --- hostile events: counted and ignored ---
errs=$(counter b sync-errors)
recv=$(counter b sync-received)
now_ms=$(($(date +%s) * 1000))
rcli publish mxallowd "garbage" >/dev/null
big=$(head -c 3000 /dev/zero | tr '\0' 'x')
rcli publish mxallowd "mxallowd/1 gate-x add 198.51.100.19/32 $big" \
    >/dev/null
rcli publish mxallowd "mxallowd/1 gate-x add 198.51.100.17/32 \
$((now_ms + 864000000))" >/dev/null
rcli publish mxallowd "mxallowd/1 gate-x add 198.51.100.0/24 \
$((now_ms + 60000))" >/dev/null
rcli publish mxallowd "mxallowd/1 gate-x add 198.51.100.18/32 \
$((now_ms + 60000))" >/dev/null
check "garbage, oversized and future-dated events: 3 errors counted" \
    wait_until 30 sh -c "[ \$(ip netns exec $NS_B '$MXALLOWCTL' -s '$TMP/ctlb.sock' show stats |
    sed -n 's/^sync-errors: //p') -eq $((errs + 3)) ]"
check "the oversized and the future-dated senders are not whitelisted" \
    sh -c "! ip netns exec $NS_B '$MXALLOWCTL' -s '$TMP/ctlb.sock' \
    show whitelist 198.51.100.19 2>/dev/null && ! ip netns exec $NS_B \
    '$MXALLOWCTL' -s '$TMP/ctlb.sock' show whitelist 198.51.100.17 \
    2>/dev/null"
check "a key of another prefix is dropped, not taken" \
    [ "$(ctlb show whitelist | grep -c '^198.51.100.0/24')" -eq 0 ]
check "a well-formed event of a third gate is taken" \
    wait_until 20 listed b 198.51.100.18 sync
check "one received, for it" [ "$(counter b sync-received)" -eq $((recv + 1)) ]
check "B is still running" kill -0 "$MXPIDB"

# --- a flood of fake-MX hits at A reaches B, A's verdicts unslowed ---
before_b=$(counter b "whitelist entries")
in_client "$SYNFLOOD" -d "$FAKE6" -n "$FLOOD" -k "$FLOOD" -r 25000 \
    >"$TMP/flood.out" 2>&1 &
FLOOD_PID=$!
PIDS="$PIDS $FLOOD_PID"
sleep 1
probe 198.51.100.13 2000 connect "$REAL4"
ms=$(probe_ms "$REAL4")
check "during the flood a whitelisted sender passes A at once (${ms} ms)" \
    [ "$RC/$(in_range "$ms" 0 899 && echo fast)" = 0/fast ]
wait_until 600 gone "$FLOOD_PID"
flood_a=$(( $(counter a whitelisted) ))
check "the flood whitelisted senders at A ($flood_a in all)" \
    [ "$flood_a" -gt "$((FLOOD / 2))" ]
# Every flood sender A holds reaches B (within 60 s).
a_flood() {
	ctla show whitelist | grep -c '^2001:db8:ffff:'
}
b_flood() {
	ctlb show whitelist | grep -c '^2001:db8:ffff:'
}
want=$(a_flood)
check "all $want flood senders of A reach B" wait_until 600 sh -c \
    "[ \$(ip netns exec $NS_B '$MXALLOWCTL' -s '$TMP/ctlb.sock' \
    show whitelist | grep -c '^2001:db8:ffff:') -ge $want ]"
echo "# B: $(b_flood) flood entries (had $before_b entries before);" \
    "A: sync-sent $(counter a sync-sent), sync-dropped $(counter a sync-dropped)"
check "A is still connected after the flood" \
    contains_re "$(ctla show stats)" '^sync-connected: 1$'

# --- an outage that fills A's queue: A waits, it does not spin ---
# With max-entries 1000 the queue holds 1024 events: 3000 fake-MX hits
# during the outage overflow it, and the catch-up must wait for the
# server instead of waking the loop at once, again and again.
kill "$MXPID"
wait_until 50 gone "$MXPID"
stop_redis
sed 's/^max-entries 250000$/max-entries 1000/' "$CONF" >"$CONF.new" &&
    cat "$CONF.new" >"$CONF"
start_mxallowd -d
in_client "$SYNFLOOD" -d "$FAKE6" -s 2001:db8:fffe::1 -n 3000 -k 3000 \
    -r 10000 >"$TMP/flood2.out" 2>&1 &
FLOOD_PID=$!
PIDS="$PIDS $FLOOD_PID"
wait_until 300 gone "$FLOOD_PID"
check "the outage's whitelistings overflow A's queue" \
    wait_until 30 sh -c "[ \$(ip netns exec $NS_S '$MXALLOWCTL' -s \
    '$TMP/ctl.sock' show stats | sed -n 's/^sync-dropped: //p') -gt 0 ]"
# cpu_ticks PID: the process's user and system time, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
t0=$(cpu_ticks "$MXPID")
sleep 2
t1=$(cpu_ticks "$MXPID")
hz=$(getconf CLK_TCK)
check "idle A, disconnected and behind, uses little CPU ($((t1 - t0)) ticks in 2 s)" \
    in_range "$((t1 - t0))" 0 "$((hz / 2))"
start_redis
check "back online, A catches up: B gets all 1000 entries A holds" \
    wait_until 300 sh -c "[ \$(ip netns exec $NS_B '$MXALLOWCTL' -s \
    '$TMP/ctlb.sock' show whitelist | grep -c '^2001:db8:fffe:') -ge 1000 ]"

LOG=$LOGA
finish
