#!/bin/sh
# The answering fake MX (fake-answer 421 and 450, issue 17), in the
# namespaces, with the README's NFQUEUE rules unchanged: the fake MX's
# SYNs are accepted without whitelisting anybody, reach mxallowd's own
# listener on port 25, and only a completed handshake whitelists.
#
#   198.51.100.10, ::10   a client that connects to the fake MX (421)
#   198.51.100.11         forged SYNs only (raw socket): whitelists nothing
#   198.51.100.12         1,000 connections at once to the fake MX (450)
#   198.51.100.13         a slowloris client of the fake MX (450)
#   198.51.100.14         an SMTP client of the fake MX (450)
#   198.51.100.15         a sender whose verdicts must not be delayed
. "$(dirname "$0")/../lib/netns.sh"
need dnsmasq
SYNFLOOD=${SYNFLOOD:-$ROOT/build/tools/synflood}
FAKECLIENT=${FAKECLIENT:-$ROOT/build/tools/fakeclient}
MXALLOWCTL=${MXALLOWCTL:-$ROOT/build/mxallowctl}
need_file "$SYNFLOOD" "make tests"
need_file "$FAKECLIENT" "make tests"
need_file "$MXALLOWCTL" "make"

ctl() {
	in_server "$MXALLOWCTL" -s "$TMP/ctl.sock" "$@" 2>&1
}

# A field of "show stats": its value.
stat() {
	ctl show stats | sed -n "s/^$1: //p"
}

restart_mxallowd() {
	kill "$MXPID"
	wait_until 50 gone "$MXPID"
	rm -f "$TMP/state/whitelist"
	start_mxallowd -d
}

# DNS for the server: 198.51.100.10's name, both ways (forward-confirmed).
start_dns() {
	in_server ip addr add "$DNS_ADDR/32" dev lo
	ip netns exec "$NS_S" dnsmasq --keep-in-foreground \
	    --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
	    --bind-interfaces --listen-address="$DNS_ADDR" --pid-file= \
	    --local=/example.test/ --local=/100.51.198.in-addr.arpa/ \
	    --host-record=client.example.test,198.51.100.10 2>/dev/null &
	PIDS="$PIDS $!"
	wait_until 50 sh -c "ip netns exec $NS_S ss -Hlun | grep -q $DNS_ADDR:53"
}

tried_named() {
	ctl show tried 198.51.100.10 | grep -q " name client.example.test\$"
}

fake_listening() {
	listening "$FAKE4:25" && listening "\[$FAKE6\]:25"
}

setup_net
setup_firewall
start_listener
start_dns
write_config 60
echo "fake-answer 421" >>"$CONF"
start_mxallowd -d
check "421: mxallowd listens on port 25 of both fake MX addresses" \
    wait_until 30 fake_listening
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$MXPID/status")
check "the sockets bound, CAP_NET_BIND_SERVICE is dropped (CapEff $capeff)" \
    [ $((0x$capeff >> 10 & 1)) -eq 0 ]

# A real client: the fake MX completes the handshake and answers 421.
probe 198.51.100.10 2000 connect "$FAKE4"
check "421: the fake MX accepts the connection" [ "$RC" -eq 0 ]
check "421: and answers 421 4.3.2 ... try the next MX" \
    contains_re "$OUT" 'banner "421 4\.3\.2 [^ ]+ Service not available, try the next MX"'
probe 198.51.100.10 2000 connect "$REAL4"
check "421: the client is then let through at the real MX" [ "$RC" -eq 0 ]
check "421: at once (no SYN retransmission)" [ "$(probe_ms "$REAL4")" -lt 900 ]
probe 2001:db8:1::10 2000 connect "$FAKE6"
check "421 over IPv6: answered 421" contains "$OUT" 'banner "421 4.3.2'
probe 2001:db8:1::10 2000 connect "$REAL6"
check "421 over IPv6: then let through at the real MX" [ "$RC" -eq 0 ]
check "421: the log names the answered peer" \
    log_has "fake MX answered 421 to 198.51.100.10"

# Forged SYNs only: SYN-ACKs go to a host that never sent the SYN.
in_client "$SYNFLOOD" -d "$FAKE4" -s 198.51.100.11 -k 1 -n 20 >/dev/null
in_client "$SYNFLOOD" -d "$FAKE4" -s 203.0.113.1 -k 200 -n 2000 >/dev/null
sleep 1
probe 198.51.100.11 1500 connect "$REAL4"
check "forged SYNs to the fake MX whitelist nothing: the real MX drops" \
    [ "$RC" -eq 2 ]
out=$(ctl show whitelist)
check "forged sources are not in the whitelist" \
    sh -c "! echo '$out' | grep -Eq '198\.51\.100\.11|203\.0\.113\.'"
check "show stats: the forged SYNs are fake-MX hits" \
    [ "$(stat 'fake-mx hits')" -ge 2020 ]
check "show stats: only the real clients were answered (2)" \
    [ "$(stat 'fake answered')" -eq 2 ]
check "show stats: and whitelisted (2)" [ "$(stat whitelisted)" -eq 2 ]

out=$(ctl show tried)
echo "$out" | sed 's/^/# show tried: /'
check "show tried lists the answered peer, answer 421" \
    contains_re "$out" '^198\.51\.100\.10 .*421'
check "show tried lists the IPv6 peer" contains "$out" "2001:db8:1::10"
check "show tried ADDRESS: only that peer" \
    [ "$(ctl show tried 198.51.100.10 | grep -c .)" -eq 1 ]
check "-j show tried: JSON with the answer" \
    contains "$(ctl -j show tried 198.51.100.10)" '"answer":421'
check "show tried: the peer's name, once its reverse-DNS lookup found it" \
    wait_until 50 tried_named

# 450: an SMTP dialogue, recorded; the real MX then lets it through.
sed -i '/^fake-answer/d' "$CONF"
printf 'fake-answer 450\nfake-answer-timeout 3\nfake-answer-per-source 4\n' \
    >>"$CONF"
echo "fake-answer-connections 64" >>"$CONF"
restart_mxallowd
wait_until 30 fake_listening
out=$(in_client "$FAKECLIENT" -b 198.51.100.14 -w 5000 smtp "$FAKE4" \
    relay.example.test sender@example.test a@example.org b@example.org)
echo "$out" | sed 's/^/# smtp: /'
check "450: greeted with 220" contains_re "$out" '^S: 220 '
check "450: RCPT TO answered 450 4.7.1 Try the next MX" \
    [ "$(echo "$out" | grep -c '^S: 450 4\.7\.1 Try the next MX')" -eq 2 ]
check "450: QUIT answered 221" contains_re "$out" '^S: 221 '
probe 198.51.100.14 2000 connect "$REAL4"
check "450: the client is then let through at the real MX" [ "$RC" -eq 0 ]
wait_until 20 log_has "fake MX answered 450 to 198.51.100.14"
check "450: the log has the HELO name, sender and recipients" \
    log_has "answered 450 to 198.51.100.14: helo relay.example.test, from <sender@example.test>, 2 recipients: <a@example.org> <b@example.org>"
out=$(ctl show tried 198.51.100.14)
echo "# show tried: $out"
check "show tried: HELO, sender and recipients" \
    contains "$out" "450 helo relay.example.test from <sender@example.test> to <a@example.org> <b@example.org>"
check "-j show tried: the HELO name in JSON" \
    contains "$(ctl -j show tried 198.51.100.14)" '"helo":"relay.example.test"'

# A bot: three dialogues with the fake MX, never the real one.
for i in 1 2 3; do
	in_client "$FAKECLIENT" -b 198.51.100.16 -w 5000 smtp "$FAKE4" \
	    bot.example.test spam@example.test victim@example.org >/dev/null
done
wait_until 20 sh -c "[ \$(grep -c 'answered 450 to 198.51.100.16' '$LOG') -ge 3 ]"
out=$(ctl show suspects)
echo "# show suspects: $out"
check "show suspects: the bot, with the HELO name and sender it gave" \
    contains_re "$out" '^198\.51\.100\.16 3 .* helo bot\.example\.test from <spam@example\.test>$'
check "-j show suspects: helo and sender in JSON" \
    contains "$(ctl -j show suspects)" '"helo":"bot.example.test","sender":"spam@example.test"'

# fake-answer needs a restart: a reload keeps it, and says so.  (The
# change goes back before the tests below, which need 450.)
sed -i "s/^fake-answer .*/fake-answer rst/" "$CONF"
ctl reload >/dev/null
check "a reload that changes fake-answer keeps it, and says so" \
    log_has "fake-answer changes need a restart: still 450"
probe 198.51.100.10 2000 connect "$FAKE4"
check "and the fake MX still answers (220)" contains "$OUT" 'banner "220 '
sed -i "s/^fake-answer rst/fake-answer 450/" "$CONF"

# Verdicts are not delayed by a slowloris client and 1,000 connections.
probe 198.51.100.15 2000 connect "$FAKE4"
in_client "$FAKECLIENT" -b 198.51.100.13 -w 8000 slow "$FAKE4" \
    >"$TMP/slow.out" &
slowpid=$!
PIDS="$PIDS $slowpid"
in_client "$FAKECLIENT" -b 198.51.100.12 -w 6000 flood "$FAKE4" 1000 \
    >"$TMP/flood.out" &
floodpid=$!
PIDS="$PIDS $floodpid"
sleep 1
worst=0
for i in 1 2 3 4 5; do
	PROBE_QUIET=1 probe 198.51.100.15 3000 connect "$REAL4"
	[ "$RC" -eq 0 ] || worst=9999
	ms=$(probe_ms "$REAL4")
	[ "${ms:-9999}" -gt "$worst" ] && worst=${ms:-9999}
	sleep 0.2
done
echo "# slowest real-MX connect during the flood: $worst ms"
check "during a slowloris and 1,000 connections the real MX still answers (< 900 ms)" \
    [ "$worst" -lt 900 ]
wait_until 100 gone "$floodpid"
wait_until 100 gone "$slowpid"
echo "# flood: $(cat "$TMP/flood.out")"
echo "# slow: $(cat "$TMP/slow.out")"
check "1,000 connections: each one was answered or closed, none left hanging" \
    contains_re "$(cat "$TMP/flood.out")" "connected 1000 answered 1000 closed 1000"
check "the slowloris client is cut off at fake-answer-timeout" \
    contains_re "$(cat "$TMP/slow.out")" "^closed after (2[5-9][0-9][0-9]|3[0-9][0-9][0-9]|4[0-4][0-9][0-9]) ms: 421 4\.4\.2"
check "show stats: refusals over the per-source limit are counted" \
    [ "$(stat 'fake refused')" -ge 990 ]
check "show stats: the slowloris timeout is counted" \
    [ "$(stat 'fake timeouts')" -ge 1 ]

# A line longer than SMTP allows ends the connection, counted.
out=$(in_client sh -c "head -c 700 /dev/zero | tr '\\0' x | socat -t 2 - TCP4:$FAKE4:25,bind=198.51.100.16")
check "a 700-byte line is refused: 500 5.5.6" contains "$out" "500 5.5.6"
check "show stats: the long line is counted" \
    [ "$(stat 'fake bad lines')" -eq 1 ]
check "the daemon is still running" kill -0 "$MXPID"
finish
