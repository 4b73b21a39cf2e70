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
#  - SIGHUP with other MX addresses keeps the sets' elements;
#  - expiry in the kernel, renewal on use read back into show whitelist;
#  - prefixes, the allow list, reverse-DNS siblings (dnsmasq);
#  - a set full at max-entries: the daemon evicts the entry closest to
#    expiry and whitelists the new sender; a changed max-entries remakes
#    the sets with their elements;
#  - --remove-table removes the table.
. "$(dirname "$0")/../lib/netns.sh"
need nft python3 timeout dnsmasq
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
	ctl show whitelist "$1"
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
