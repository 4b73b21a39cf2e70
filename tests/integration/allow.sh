#!/bin/sh
# The permanent allow list (allow, allow-file) and observe mode, in the
# namespaces, with a real DNS server (dnsmasq) for an allowed host name.
#
#   198.51.100.15         allowed by address (allow line)
#   198.51.100.16, .17    allowed by prefix (198.51.100.16/31, allow-file)
#   198.51.100.19, ::19   allowed by name (partner.example.test, allow-file)
#   198.51.100.18         nobody: blocked
#   198.51.100.12         a direct sender, seen in observe mode
. "$(dirname "$0")/../lib/netns.sh"
need dnsmasq
MXALLOWCTL=${MXALLOWCTL:-$ROOT/build/mxallowctl}
need_file "$MXALLOWCTL" "make"

ALLOWF=$TMP/allow.list

start_dns() {
	in_server ip addr add "$DNS_ADDR/32" dev lo
	ip netns exec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null \
	    --no-resolv --no-hosts --no-poll --bind-interfaces \
	    --listen-address="$DNS_ADDR" --pid-file= --local=/example.test/ \
	    --host-record=partner.example.test,198.51.100.19,2001:db8:1::19 \
	    2>/dev/null &
	PIDS="$PIDS $!"
	wait_until 50 sh -c "ip netns exec $NS_S ss -Hlun | grep -q $DNS_ADDR:53"
}

ctl() {
	in_server "$MXALLOWCTL" -s "$TMP/ctl.sock" "$@" 2>&1
}

restart_mxallowd() {
	kill "$MXPID"
	wait_until 50 gone "$MXPID"
	rm -f "$TMP/state/whitelist"
	start_mxallowd -d "$@"
}

# The daemon may have changed user: it reads the files on reload.
chmod 755 "$TMP"
setup_net
setup_firewall
start_listener
start_dns
write_config 3
cat >>"$CONF" <<EOF2
allow 198.51.100.15
allow-file $ALLOWF
EOF2
cat >"$ALLOWF" <<EOF2
# partners
198.51.100.16/31
partner.example.test   # its A and AAAA records
EOF2
chmod 644 "$CONF" "$ALLOWF"
start_mxallowd -d
wait_until 50 sh -c "'$MXALLOWCTL' -s '$TMP/ctl.sock' show allow 2>/dev/null |
    grep -q 'partner.example.test .*198.51.100.19'"

out=$(ctl show allow)
echo "$out" | sed 's/^/# show allow: /'
check "show allow lists the address and the network" \
    contains "$out" "198.51.100.15/32"
check "show allow lists the allow-file's network" \
    contains "$out" "198.51.100.16/31"
check "show allow lists the name with the IPv4 address it resolved to" \
    contains_re "$out" "^partner.example.test .*198.51.100.19( |\$)"
check "and with the IPv6 address" \
    contains_re "$out" "^partner.example.test .*2001:db8:1::19( |\$)"

# .15, .16/31, and the name's two addresses.
out=$(ctl show stats)
check "show stats: the allow list holds 4 entries" \
    contains_re "$out" '^allow entries: 4$'
check "show stats: observe mode is off" contains_re "$out" '^observe: off$'
check "-j show stats: allow_entries 4" \
    contains "$(ctl -j show stats)" '"allow_entries":4'
probe 198.51.100.15 2000 connect "$REAL4"
check "allowed by address: a direct sender passes the real MX" [ "$RC" -eq 0 ]
probe 198.51.100.17 2000 connect "$REAL4"
check "allowed by prefix: a direct sender passes the real MX" [ "$RC" -eq 0 ]
probe 198.51.100.19 2000 connect "$REAL4"
check "allowed by name: its IPv4 address passes the real MX" [ "$RC" -eq 0 ]
probe 2001:db8:1::19 2000 connect "$REAL6"
check "allowed by name: its IPv6 address passes the real MX" [ "$RC" -eq 0 ]
probe 198.51.100.18 1500 connect "$REAL4"
check "a sender not on the list is still dropped" [ "$RC" -eq 2 ]
check "no fake-MX hit was needed" sh -c "! grep -q 'whitelist 198.51.100.1[5-9]' '$LOG'"

# whitelist-time is 3 s: the list never expires.
sleep 4
probe 198.51.100.15 2000 connect "$REAL4"
check "after whitelist-time: allowed address still passes" [ "$RC" -eq 0 ]
probe 198.51.100.16 2000 connect "$REAL4"
check "after whitelist-time: allowed network still passes" [ "$RC" -eq 0 ]
probe 198.51.100.19 2000 connect "$REAL4"
check "after whitelist-time: allowed name still passes" [ "$RC" -eq 0 ]

stats=$(stats_line)
echo "# $stats"
check "statistics count the allowed SYNs" contains_re "$stats" "allowed [6-9]"
check "and no fake-MX hit" contains "$stats" "fake-mx hits 0"

# A reload with a broken allow file: refused, the old list stays.
printf '198.51.100.16/31\n# x\n198.51.100.0/40\n' >"$ALLOWF"
kill -HUP "$MXPID"
wait_until 30 log_has "reload failed"
check "a broken allow file refuses the reload, with file:line" \
    log_has "reload failed, configuration unchanged: $ALLOWF:3:"
out=$(ctl reload)
check "the control socket's reload is refused too" \
    contains "$out" "$ALLOWF:3:"
probe 198.51.100.19 2000 connect "$REAL4"
check "after the refused reload the old list (the name) still passes" \
    [ "$RC" -eq 0 ]
chmod 000 "$ALLOWF"
rm -f "$ALLOWF"
kill -HUP "$MXPID"
wait_until 30 sh -c "[ \$(grep -c 'reload failed' '$LOG') -ge 3 ]"
check "a missing allow file refuses the reload" \
    log_has "reload failed, configuration unchanged: $ALLOWF: No such file"
probe 198.51.100.17 2000 connect "$REAL4"
check "and the old list stays" [ "$RC" -eq 0 ]

# A good reload: the file's entries go, the allow line stays.
printf '# empty now\n' >"$ALLOWF"
chmod 644 "$ALLOWF"
out=$(ctl reload)
check "a good reload is accepted" contains "$out" "reloaded"
probe 198.51.100.17 1500 connect "$REAL4"
check "a network taken off the list is dropped again" [ "$RC" -eq 2 ]
probe 198.51.100.15 2000 connect "$REAL4"
check "the allow line still passes" [ "$RC" -eq 0 ]
check "show stats: the allow list holds 1 entry now" \
    contains_re "$(ctl show stats)" '^allow entries: 1$'

# Observe mode: everybody passes, what would be blocked is logged once.
restart_mxallowd --observe
probe 198.51.100.12 2000 connect "$REAL4"
check "observe: a direct sender passes the real MX" [ "$RC" -eq 0 ]
probe 198.51.100.12 2000 connect "$REAL4"
check "observe: and again" [ "$RC" -eq 0 ]
check "observe: it is logged as would block" \
    log_has "would block 198.51.100.12 -> $REAL4"
check "observe: once per whitelist-time" \
    [ "$(grep -c "would block 198.51.100.12" "$LOG")" -eq 1 ]
probe 198.51.100.15 2000 connect "$REAL4"
check "observe: an allowed sender is no would-block" \
    sh -c "! grep -q 'would block 198.51.100.15' '$LOG'"
stats=$(stats_line)
echo "# $stats"
check "observe: statistics count would-block" \
    contains "$stats" "would-block 2"
check "observe: nothing blocked" contains "$stats" "blocked 0"
out=$(ctl show blocked)
echo "$out" | sed 's/^/# show blocked: /'
check "observe: show blocked lists the would-block sender, observed" \
    contains_re "$out" '^198\.51\.100\.12 2 [0-9TZ:-]+ [0-9TZ:-]+ observed$'
check "observe: the allowed sender is not in show blocked" \
    sh -c "! echo '$out' | grep -q '^198.51.100.15 '"
check "observe: -j show blocked says observed true" \
    contains_re "$(ctl -j show blocked)" \
    '^\{"address":"198\.51\.100\.12","count":2,"first":[0-9]+,"last":[0-9]+,"observed":true\}$'
check "observe: show stats says observe on" \
    contains_re "$(ctl show stats)" '^observe: on$'
check "observe: -j show stats says observe true" \
    contains "$(ctl -j show stats)" '"observe":true'
finish
