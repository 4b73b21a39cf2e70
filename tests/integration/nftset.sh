#!/bin/sh
# The nftables backend (backend nftables): the kernel decides every SYN
# with mxallowd's table, and mxallowd feeds its sets.  Real nftables in the
# server namespace, real TCP clients (mxprobe), the real daemon:
#  - the printed ruleset loads with nft -c; the daemon loads the same;
#  - IPv4 and IPv6: a retrying client is delivered, a direct one dropped;
#    the NFLOG brings the fake-MX hits and drops to the statistics, show
#    blocked and show whitelist;
#  - SIGKILL: the table stays, a direct client is still dropped and a
#    falling-back client still delivered by the kernel alone; a restart
#    adopts the elements with their time left;
#  - mxallowctl add and delete reach the kernel's set;
#  - SIGHUP with other MX addresses keeps the sets' elements; a shorter
#    whitelist-time shortens them;
#  - expiry in the kernel, renewal on use read back into show whitelist;
#  - prefixes, the allow list, reverse-DNS siblings (dnsmasq);
#  - a set full at max-entries: the daemon evicts the entry closest to
#    expiry and whitelists the new sender; a changed max-entries remakes
#    the sets with their elements;
#  - fake-answer 421: the fake MX's SYNs are accepted and add nobody
#    (forged SYNs whitelist nothing); mxallowd's answer puts the peer in
#    the set before the real MX sees it;
#  - --remove-table removes the table.
. "$(dirname "$0")/../lib/netns.sh"
need nft python3 timeout dnsmasq
need_file "$ROOT/build/tools/synflood" "make tests"
SYNFLOOD=$ROOT/build/tools/synflood
MXALLOWCTL=${MXALLOWCTL:-$ROOT/build/mxallowctl}
need_file "$MXALLOWCTL" "make"
SOCK=$TMP/ctl.sock
TABLE=mxtest


# write_nft_config WHITELIST_TIME [EXTRA LINE...]
write_nft_config() {
	wt=$1
	shift
	cat >"$CONF" <<-EOF
	# written by $(basename "$0")
	backend nftables
	nft-table $TABLE
	nflog-group 25
	fake-mailserver $FAKE4
	fake-mailserver $FAKE6
	real-mailserver $REAL4
	real-mailserver $REAL6
	whitelist-time $wt
	state-file $TMP/state/whitelist
	control-socket $SOCK
	EOF
	for line in "$@"; do
		echo "$line" >>"$CONF"
	done
}

ctl() {
	OUT=$(timeout 20 "$MXALLOWCTL" -s "$SOCK" "$@" 2>"$TMP/ctl.err")
	RC=$?
	ERR=$(cat "$TMP/ctl.err")
	echo "# mxallowctl $*: status $RC: $(echo "$OUT" "$ERR" | tr '\n' ';')"
}

# set_has SET ADDRESS: the kernel's set holds the element.
set_has() {
	in_server nft list set inet "$TABLE" "$1" | grep -q -- "[ {,]$2 "
}

set_count() {
	in_server nft -j list set inet "$TABLE" "$1" | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    if "set" in o:
        print(len(o["set"].get("elem", [])))'
}

# expires_in SET ADDRESS: seconds the kernel gives the element.
expires_in() {
	in_server nft -j list set inet "$TABLE" "$1" | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        if isinstance(e, dict) and e["elem"]["val"] == sys.argv[1]:
            print(e["elem"].get("expires", 0))' "$2"
}

# wl_seconds ADDRESS: seconds left in show whitelist.
wl_seconds() {
	ctl show whitelist "$1" >&2
	echo "$OUT" | awk '{ print $2 }'
}

stop_mxallowd() {
	kill "$MXPID" 2>/dev/null
	wait_until 50 gone "$MXPID"
}

setup_net
# In the namespace, where there is no such table yet.
if in_server "$MXALLOWD" --backend nftables -f "$FAKE4" -r "$REAL4" \
    -c /dev/null --nft-table "$TABLE" --remove-table 2>&1 |
    grep -q "built without"; then
	skip "mxallowd was built without libnftables and libnftnl"
	echo "1..$t_n"
	exit 0
fi
start_listener

# --- the printed ruleset ---
write_nft_config 60
"$MXALLOWD" -c "$CONF" --print-ruleset >"$TMP/ruleset.nft"
err=$(in_server nft -c -f - <"$TMP/ruleset.nft" 2>&1)
check "--print-ruleset prints a ruleset nft -c -f accepts${err:+: $err}" \
    [ -z "$err" -a -s "$TMP/ruleset.nft" ]
check "it holds the two timeout sets, sized from max-entries" \
    grep -q "add set inet $TABLE wl4 { type ipv4_addr; size 100000; flags dynamic,timeout; }" \
    "$TMP/ruleset.nft"
out=$("$MXALLOWD" -c "$CONF" -n 25 --print-ruleset 2>&1)
check "queue-num is refused with backend nftables" \
    contains "$out" "queue-num applies only to backend nfqueue"

# --- the gate ---
start_mxallowd -d
check "the daemon created table inet $TABLE" \
    in_server sh -c "nft list table inet $TABLE >/dev/null"
in_server nft list ruleset >"$TMP/loaded.nft"
probe 198.51.100.11 1500 connect "$REAL4"
check "IPv4: a direct-to-second-MX client is dropped" [ "$RC" -eq 2 ]
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "IPv4: a retrying client is delivered" [ "$RC" -eq 0 ]
check "the kernel put it into the set wl4" set_has wl4 198.51.100.10
probe 2001:db8:1::11 1500 connect "$REAL6"
check "IPv6: a direct-to-second-MX client is dropped" [ "$RC" -eq 2 ]
probe 2001:db8:1::10 3000 mta "$FAKE6" "$REAL6"
check "IPv6: a retrying client is delivered" [ "$RC" -eq 0 ]
check "the kernel put it into the set wl6" set_has wl6 2001:db8:1::10
wait_until 20 log_has "whitelist 2001:db8:1::10"
check "the daemon heard of the fake-MX hits through NFLOG" \
    log_has "whitelist 198.51.100.10 -> $FAKE4"
ctl show whitelist
check "show whitelist lists both, origin fake" \
    contains_re "$OUT" '^198\.51\.100\.10/32 [0-9]+ fake .*
2001:db8:1::10/128 [0-9]+ fake '
ctl show blocked
check "show blocked lists the dropped senders" \
    contains "$OUT" "198.51.100.11"
line=$(stats_line)
echo "# $line"
check "the statistics count the fake-MX hits and the drops" \
    contains_re "$line" 'fake-mx hits 2,.*blocked [1-9]'
probe 198.51.100.10 1500 connect "$REAL4"
sleep 1.1
ctl show stats
check "and, read from the table's counters, the kernel's passes" \
    contains_re "$OUT" '^accepted: 3$'

# A flood of forged SYNs to the real MX: the kernel logs 1000 a second at
# most, and counts every one.
before=$(echo "$OUT" | sed -n 's/^blocked: //p')
logged=$(grep -c "block .* -> $REAL4" "$LOG")
in_server ip route add 203.0.113.0/24 dev vs
in_client "$SYNFLOOD" -d "$REAL4" -n 20000 -k 250 | sed 's/^/# /'
sleep 1.1
ctl show stats
after=$(echo "$OUT" | sed -n 's/^blocked: //p')
check "20000 forged SYNs to the real MX are all counted blocked ($before, $after)" \
    [ "$((after - before))" -eq 20000 ]
nlog=$(($(grep -c "block .* -> $REAL4" "$LOG") - logged))
check "of which NFLOG brought the first 1000 or so ($nlog)" \
    in_range "$nlog" 1000 4000
ctl show blocked
check "show blocked lists the forged senders it heard of" \
    contains "$OUT" "203.0.113."

# --- SIGKILL: the kernel alone ---
kill -9 "$MXPID"
wait_until 50 gone "$MXPID"
check "after SIGKILL the table is still there" \
    in_server sh -c "nft list table inet $TABLE >/dev/null"
probe 198.51.100.12 1500 connect "$REAL4"
check "the daemon killed: a direct client is still dropped" [ "$RC" -eq 2 ]
probe 198.51.100.13 3000 mta "$FAKE4" "$REAL4"
check "the daemon killed: a falling-back client is still delivered" \
    [ "$RC" -eq 0 ]
check "by the kernel alone, which whitelisted it" set_has wl4 198.51.100.13
probe 2001:db8:1::13 3000 mta "$FAKE6" "$REAL6"
check "the daemon killed: the same over IPv6" [ "$RC" -eq 0 ]
probe 198.51.100.10 1500 connect "$REAL4"
check "the daemon killed: a whitelisted sender goes on passing" [ "$RC" -eq 0 ]

# --- restart: adoption ---
sleep 2
start_mxallowd -d
check "a restart adopts the elements" log_has "4 entries adopted (2 IPv4, 2 IPv6)"
secs=$(wl_seconds 198.51.100.13)
check "the kernel's entry is in show whitelist, with its time left ($secs s)" \
    in_range "$secs" 50 59
ctl show whitelist 198.51.100.13
check "marked restored" contains "$OUT" " restored "
probe 198.51.100.13 1500 connect "$REAL4"
check "and it still passes" [ "$RC" -eq 0 ]

# --- the control socket ---
ctl add 198.51.100.14 300
check "mxallowctl add puts the sender into the kernel's set" \
    set_has wl4 198.51.100.14
e=$(expires_in wl4 198.51.100.14)
check "with its time ($e s)" in_range "$e" 295 300
probe 198.51.100.14 1500 connect "$REAL4"
check "the added sender passes the real MX" [ "$RC" -eq 0 ]
ctl delete 198.51.100.14
if set_has wl4 198.51.100.14; then
	not_ok "mxallowctl delete takes it out of the set"
else
	ok "mxallowctl delete takes it out of the set"
fi
probe 198.51.100.14 1500 connect "$REAL4"
check "and the deleted sender is dropped again" [ "$RC" -eq 2 ]
ctl add 2001:db8:1::14
check "an IPv6 entry goes into wl6" set_has wl6 2001:db8:1::14

# --- SIGHUP with other MX addresses ---
n4=$(set_count wl4)
n6=$(set_count wl6)
sed -i "s/^fake-mailserver $FAKE4\$/fake-mailserver $FAKE4B/" "$CONF"
kill -HUP "$MXPID"
wait_until 50 log_has "configuration reloaded"
check "SIGHUP with other MX addresses keeps the sets' elements ($n4, $n6)" \
    [ "$(set_count wl4)/$(set_count wl6)" = "$n4/$n6" ]
probe 198.51.100.15 3000 mta "$FAKE4B" "$REAL4"
check "the new fake MX address whitelists" [ "$RC" -eq 0 ]
check "in the kernel" set_has wl4 198.51.100.15
probe 198.51.100.16 3000 mta "$FAKE4" "$REAL4"
check "the old one no longer does" [ "$RC" -ne 0 ]
probe 198.51.100.10 1500 connect "$REAL4"
check "an entry of before the reload still passes" [ "$RC" -eq 0 ]

# --- the state file reads the kernel's view ---
stop_mxallowd
check "a stopped daemon leaves the table" \
    in_server sh -c "nft list table inet $TABLE >/dev/null"
check "and wrote the state file" [ -s "$TMP/state/whitelist" ]
probe 198.51.100.16 1500 connect "$REAL4"
check "stopped: a direct client is still dropped" [ "$RC" -eq 2 ]

# --- expiry and renewal on use, in the kernel ---
in_server nft delete table inet "$TABLE"
rm -f "$TMP/state/whitelist"
write_nft_config 4
start_mxallowd -d
probe 198.51.100.17 3000 mta "$FAKE4" "$REAL4"
check "whitelist-time 4: a retrying client is delivered" [ "$RC" -eq 0 ]
i=0
ok_all=true
while [ $i -lt 4 ]; do
	sleep 1.5
	probe 198.51.100.17 1500 connect "$REAL4"
	[ "$RC" -eq 0 ] || ok_all=false
	i=$((i + 1))
done
check "used every 1.5 s, it passes for 6 s: the kernel renews it" $ok_all
sleep 1.2
secs=$(wl_seconds 198.51.100.17)
check "show whitelist reads the renewal back ($secs s left, 4 at most)" \
    in_range "$secs" 1 4
sleep 4.5
probe 198.51.100.17 1500 connect "$REAL4"
check "unused for whitelist-time, it is dropped (expired in the kernel)" \
    [ "$RC" -eq 2 ]
ctl show whitelist 198.51.100.17
check "and gone from show whitelist" [ "$RC" -eq 1 ]

# --- prefixes, the allow list, siblings ---
HOSTS=$TMP/hosts
{
	echo "198.51.100.10 pool.mail.example.test"
	echo "198.51.100.18 pool.mail.example.test"
	echo "2001:db8:1::18 pool.mail.example.test"
} >"$HOSTS"
chmod 755 "$TMP"
chmod 644 "$HOSTS"
in_server ip addr add "$DNS_ADDR/32" dev lo
ip netns exec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null \
    --no-resolv --no-hosts --no-poll --bind-interfaces \
    --listen-address="$DNS_ADDR" --pid-file= --addn-hosts="$HOSTS" \
    --local=/100.51.198.in-addr.arpa/ --local=/example.test/ 2>/dev/null &
PIDS="$PIDS $!"
wait_until 50 sh -c "ip netns exec $NS_S ss -Hlun | grep -q $DNS_ADDR:53"
stop_mxallowd
write_nft_config 60 "allow 198.51.100.19" "allow 2001:db8:1::19"
start_mxallowd -d
probe 198.51.100.19 1500 connect "$REAL4"
check "an allowed sender passes without a fake-MX hit" [ "$RC" -eq 0 ]
probe 2001:db8:1::19 1500 connect "$REAL6"
check "IPv6 too" [ "$RC" -eq 0 ]
check "from the allow sets" in_server sh -c \
    "nft list set inet $TABLE allow4 | grep -q 198.51.100.19"
sleep 1.1
ctl show stats
check "counted as allowed" contains_re "$OUT" '^allowed: 2$'
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
wait_until 50 set_has wl4 198.51.100.18
check "a fake-MX hit whitelists its sender's reverse-DNS siblings in the kernel" \
    set_has wl4 198.51.100.18
wait_until 50 set_has wl6 2001:db8:1::18
check "of both families" set_has wl6 2001:db8:1::18
probe 198.51.100.18 1500 connect "$REAL4"
check "the sibling passes the real MX directly" [ "$RC" -eq 0 ]
ctl show whitelist 198.51.100.18
check "show whitelist says sibling" contains "$OUT" " sibling "

stop_mxallowd
in_server nft delete table inet "$TABLE"
write_nft_config 60 "whitelist-prefix4 24" "whitelist-prefix6 64" \
    "no-rdns-whitelist"
start_mxallowd -d
probe 198.51.100.11 3000 mta "$FAKE4" "$REAL4"
check "prefixes: a retrying client is delivered" [ "$RC" -eq 0 ]
check "its /24 enters the set" set_has wl4 198.51.100.0
probe 198.51.100.12 1500 connect "$REAL4"
check "a neighbour in the /24 passes directly" [ "$RC" -eq 0 ]
probe 2001:db8:1::11 3000 mta "$FAKE6" "$REAL6"
check "its /64 enters wl6" set_has wl6 2001:db8:1::
probe 2001:db8:1::12 1500 connect "$REAL6"
check "an IPv6 neighbour in the /64 passes directly" [ "$RC" -eq 0 ]
ctl show whitelist
check "show whitelist gives the networks" \
    contains_re "$OUT" '^198\.51\.100\.0/24 [0-9]+ fake'

# --- a full set ---
stop_mxallowd
in_server nft delete table inet "$TABLE"
rm -f "$TMP/state/whitelist"
write_nft_config 60 "max-entries 2" "no-rdns-whitelist"
start_mxallowd -d
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
sleep 1
probe 198.51.100.11 3000 mta "$FAKE4" "$REAL4"
probe 198.51.100.12 4000 mta "$FAKE4" "$REAL4"
check "a set full at max-entries: a new retrying client is delivered" \
    [ "$RC" -eq 0 ]
check "the daemon made room: it is in the set" set_has wl4 198.51.100.12
check "in place of the entry closest to expiry" \
    sh -c "! ip netns exec $NS_S nft list set inet $TABLE wl4 | grep -q '198.51.100.10 '"
line=$(stats_line)
check "counted as an eviction" contains_re "$line" "evictions 1,"
kill -9 "$MXPID"
wait_until 50 gone "$MXPID"
probe 198.51.100.13 3000 mta "$FAKE4" "$REAL4"
check "full and no daemon: a new sender's fallback fails (documented)" \
    [ "$RC" -ne 0 ]
probe 198.51.100.11 1500 connect "$REAL4"
check "while the listed ones go on passing" [ "$RC" -eq 0 ]

# --- another max-entries: the sets are made anew, elements kept ---
write_nft_config 60 "max-entries 50" "no-rdns-whitelist"
start_mxallowd -d
check "max-entries changed: the sets are made anew" log_has "made anew"
check "with the elements" set_has wl4 198.51.100.11
check "at the new size" in_server sh -c \
    "nft list set inet $TABLE wl4 | grep -q 'size 50$'"

# --- CAP_NET_ADMIN only: as nobody ---
stop_mxallowd
chmod 711 "$TMP"
write_nft_config 60 "max-entries 50" "no-rdns-whitelist" "user nobody" \
    "state-file none"
start_mxallowd -d
check "runs as nobody" in_server sh -c \
    "grep -q '^Uid:.65534' /proc/$MXPID/status"
check "with CAP_NET_ADMIN alone" in_server sh -c \
    "grep -q '^CapEff:.0000000000001000' /proc/$MXPID/status"
ctl add 198.51.100.15
check "as nobody it still feeds the set" set_has wl4 198.51.100.15
probe 198.51.100.16 3000 mta "$FAKE4" "$REAL4"
check "and hears the kernel's news" wait_until 30 log_has "whitelist 198.51.100.16"
ctl show whitelist 198.51.100.11
check "and reads the sets back" [ "$RC" -eq 0 ]
sed -i "s/^fake-mailserver $FAKE4B\$/fake-mailserver $FAKE4/" "$CONF"
sed -i "s/^max-entries 50\$/max-entries 60/" "$CONF"
kill -HUP "$MXPID"
wait_until 50 log_has "configuration reloaded"
check "and reloads its ruleset, sets made anew, elements kept" \
    set_has wl4 198.51.100.15
check "at the new size" in_server sh -c \
    "nft list set inet $TABLE wl4 | grep -q 'size 60$'"
# A shorter whitelist-time: the kernel cannot shorten an element in place.
e=$(expires_in wl4 198.51.100.15)
sed -i "s/^whitelist-time .*/whitelist-time 20/" "$CONF"
kill -HUP "$MXPID"
wait_until 50 log_has "none longer than the new whitelist-time"
e2=$(expires_in wl4 198.51.100.15)
check "SIGHUP with a shorter whitelist-time shortens the kernel's elements ($e s, then $e2 s)" \
    [ "$(in_range "$e" 21 60 && in_range "$e2" 1 20 && echo yes)" = yes ]

# --- observe: the kernel lets everything through, logs what it would drop ---
stop_mxallowd
write_nft_config 60 "max-entries 60" "no-rdns-whitelist" "observe"
start_mxallowd -d
probe 198.51.100.19 1500 connect "$REAL4"
check "observe: a direct client passes" [ "$RC" -eq 0 ]
wait_until 30 log_has "would block 198.51.100.19"
check "and is logged as would-block" log_has "would block 198.51.100.19"
ctl show stats
check "and counted" contains_re "$OUT" '^would-block: 1$'

# --- sync: entries shared through Redis reach the kernel's set ---
stop_mxallowd
if ! command -v redis-server >/dev/null 2>&1 ||
    ! command -v redis-cli >/dev/null 2>&1 ||
    ! ldd "$MXALLOWD" | grep -q hiredis; then
	skip "sync: no redis-server, or mxallowd built without hiredis"
else
	RSOCK=$TMP/redis.sock
	ip netns exec "$NS_S" redis-server --port 0 --unixsocket "$RSOCK" \
	    --unixsocketperm 777 --save '' --appendonly no --dir "$TMP" \
	    --logfile "$TMP/redis.log" &
	PIDS="$PIDS $!"
	wait_until 50 sh -c "redis-cli -s '$RSOCK' ping 2>/dev/null |
	    grep -q PONG"
	write_nft_config 60 "max-entries 60" "no-rdns-whitelist" \
	    "sync unix://$RSOCK" "sync-name gate-a"
	start_mxallowd -d
	# Gate B: the NFQUEUE backend on a queue no rule feeds, same place.
	cat >"$TMP/b.conf" <<-EOB
	fake-mailserver $FAKE4
	real-mailserver $REAL4
	queue-num 26
	whitelist-time 60
	state-file none
	control-socket $TMP/ctlb.sock
	no-rdns-whitelist
	sync unix://$RSOCK
	sync-name gate-b
	EOB
	ip netns exec "$NS_S" "$MXALLOWD" -F -s -d -c "$TMP/b.conf" \
	    >"$TMP/b.log" 2>&1 &
	BPID=$!
	PIDS="$PIDS $BPID"
	wait_until 50 grep -q "started (" "$TMP/b.log"
	sleep 0.5
	timeout 20 "$MXALLOWCTL" -s "$TMP/ctlb.sock" add 198.51.100.17 >/dev/null
	wait_until 50 set_has wl4 198.51.100.17
	check "sync: an entry added at another gate reaches the kernel's set" \
	    set_has wl4 198.51.100.17
	probe 198.51.100.17 1500 connect "$REAL4"
	check "and passes the real MX here without a fake-MX hit" [ "$RC" -eq 0 ]
	probe 198.51.100.18 3000 mta "$FAKE4" "$REAL4"
	wait_until 50 sh -c "timeout 5 '$MXALLOWCTL' -s '$TMP/ctlb.sock' \
	    show whitelist 198.51.100.18 >/dev/null 2>&1"
	check "sync: a fake-MX hit the kernel took here reaches the other gate" \
	    sh -c "timeout 5 '$MXALLOWCTL' -s '$TMP/ctlb.sock' show whitelist \
	    198.51.100.18 >/dev/null 2>&1"
	# Whitelisted and deleted at another gate in one go: both events
	# come in one batch, and the kernel must not keep what the core
	# deleted.
	ctl show stats
	recv=$(echo "$OUT" | sed -n 's/^sync-received: //p')
	now_ms=$(($(date +%s) * 1000))
	i=1
	while [ $i -le 20 ]; do
		echo "PUBLISH mxallowd \"mxallowd/1 gate-x add 203.0.113.$i/32 \
$((now_ms + 60000))\""
		echo "PUBLISH mxallowd \"mxallowd/1 gate-x del 203.0.113.$i/32 \
$now_ms\""
		i=$((i + 1))
	done >"$TMP/adddel.txt"
	redis-cli -s "$RSOCK" --pipe <"$TMP/adddel.txt" >/dev/null
	wait_until 50 sh -c "[ \$('$MXALLOWCTL' -s '$SOCK' show stats |
	    sed -n 's/^sync-received: //p') -ge $((recv + 40)) ]"
	ctl show whitelist
	check "sync: added and deleted in one batch, the core holds none" \
	    [ "$(echo "$OUT" | grep -c '^203\.0\.113\.')" -eq 0 ]
	check "and neither does the kernel's set" sh -c "! ip netns exec \
	    $NS_S nft list set inet $TABLE wl4 | grep -q '203\.0\.113\.'"
	kill "$BPID"
	wait_until 50 gone "$BPID"
fi

# --- fake-answer 421: the listener whitelists, the kernel adds nobody ---
stop_mxallowd
write_nft_config 60 "max-entries 60" "no-rdns-whitelist" "fake-answer 421"
"$MXALLOWD" -c "$CONF" --print-ruleset >"$TMP/answer.nft"
err=$(in_server nft -c -f - <"$TMP/answer.nft" 2>&1)
check "fake-answer 421: the printed ruleset loads with nft -c -f${err:+: $err}" \
    [ -z "$err" ]
check "it accepts a SYN to the fake MX without adding its sender" \
    sh -c "grep -q 'daddr { $FAKE4 } accept' '$TMP/answer.nft' &&
    ! grep -q 'daddr { $FAKE4 } update' '$TMP/answer.nft'"
start_mxallowd -d
wait_until 30 listening "$FAKE4:25"
# Two client addresses earlier parts may have left in the set.
ctl delete 198.51.100.10
ctl delete 198.51.100.11
in_client "$SYNFLOOD" -d "$FAKE4" -s 198.51.100.10 -k 1 -n 20 >/dev/null
sleep 1
check "fake-answer 421: forged SYNs to the fake MX add nobody to the set" \
    sh -c "! ip netns exec $NS_S nft list set inet $TABLE wl4 |
    grep -q 198.51.100.10"
probe 198.51.100.10 1500 connect "$REAL4"
check "and the forged source is dropped at the real MX" [ "$RC" -eq 2 ]
probe 198.51.100.11 2000 connect "$FAKE4"
check "fake-answer 421: a real client is answered 421 by mxallowd" \
    contains "$OUT" 'banner "421 4.3.2'
check "and is in the kernel's set at once" set_has wl4 198.51.100.11
probe 198.51.100.11 2000 connect "$REAL4"
check "and passes the real MX (the kernel's decision)" [ "$RC" -eq 0 ]

# --- --remove-table ---
stop_mxallowd
out=$(in_server "$MXALLOWD" -c "$CONF" --remove-table 2>&1)
check "--remove-table removes the table" \
    sh -c "! ip netns exec $NS_S nft list table inet $TABLE >/dev/null 2>&1"
echo "# $out"
probe 198.51.100.16 1500 connect "$REAL4"
check "and the gate with it" [ "$RC" -eq 0 ]
finish
