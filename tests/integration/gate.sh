#!/bin/sh
# The NFQUEUE gate end to end, IPv4 and IPv6: a client that falls back from
# the fake MX reaches the real one; a direct-to-second-MX client does not.
. "$(dirname "$0")/../lib/netns.sh"

setup_net
setup_firewall
start_listener

# With no daemon bound, --queue-bypass keeps the mail server reachable.
probe 198.51.100.19 2000 connect "$REAL4"
check "no daemon: --queue-bypass lets a direct client through" [ "$RC" -eq 0 ]

write_config 60
start_mxallowd -d

probe 198.51.100.11 1500 connect "$REAL4"
check "IPv4 direct-to-second-MX client is dropped (times out)" [ "$RC" -eq 2 ]

probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "IPv4 retrying client is delivered via the real MX" \
    [ "$RC" -eq 0 ]
fake_ms=$(probe_ms "$FAKE4")
check "IPv4 fake MX refuses in under a second (${fake_ms}ms)" \
    [ "${fake_ms:-9999}" -lt 1000 ]
check "IPv4 real MX answers with its greeting" \
    contains "$OUT" "banner \"220 mx.example.net"
echo "# retrying IPv4 client: $(echo "$OUT" | tail -n 1)"

probe 198.51.100.10 2000 connect "$REAL4"
check "IPv4 whitelisted client now connects to the real MX directly" \
    [ "$RC" -eq 0 ]
probe 198.51.100.12 1500 connect "$REAL4"
check "IPv4 whitelisting one host does not let another through" \
    [ "$RC" -eq 2 ]

probe 2001:db8:1::11 1500 connect "$REAL6"
check "IPv6 direct-to-second-MX client is dropped (times out)" [ "$RC" -eq 2 ]
probe 2001:db8:1::10 3000 mta "$FAKE6" "$REAL6"
check "IPv6 retrying client is delivered via the real MX" [ "$RC" -eq 0 ]
fake_ms=$(probe_ms "$FAKE6")
check "IPv6 fake MX refuses in under a second (${fake_ms}ms)" \
    [ "${fake_ms:-9999}" -lt 1000 ]
probe 2001:db8:1::10 2000 connect "$REAL6"
check "IPv6 whitelisted client now connects directly" [ "$RC" -eq 0 ]

# An IPv4 sender that tried the fake MX over IPv4 may not use IPv6 from
# another address: whitelisting is per address.
probe 2001:db8:1::12 1500 connect "$REAL6"
check "IPv6 unlisted client is still dropped" [ "$RC" -eq 2 ]

check "decisions are logged at debug level" \
    log_has "block 198.51.100.11 -> $REAL4"
check "whitelisting is logged at debug level" \
    log_has "whitelist 2001:db8:1::10 -> $FAKE6"

stats=$(stats_line)
echo "# $stats"
check "SIGUSR1 logs statistics" [ -n "$stats" ]
check "statistics count 2 fake-MX hits" \
    contains "$stats" "fake-mx hits 2,"
check "statistics count 2 hosts whitelisted" \
    contains "$stats" "whitelisted 2,"
check "statistics count 4 real-MX connections accepted" \
    contains "$stats" "accepted 4,"
# Every dropped SYN counts: a client's connect() retransmits it.
blocked=$(echo "$stats" | sed -n 's/.*blocked \([0-9]*\),.*/\1/p')
check "statistics count the blocked attempts ($blocked >= 4)" \
    [ "${blocked:-0}" -ge 4 ]
check "statistics show 2 whitelist entries" \
    contains "$stats" "whitelist entries 2,"

kill -TERM "$MXPID"
wait_until 50 gone "$MXPID"
check "SIGTERM: clean exit" gone "$MXPID"
check "SIGTERM: exit is logged with final statistics" log_has "exiting"
probe 198.51.100.13 2000 connect "$REAL4"
check "after the daemon exits, --queue-bypass lets mail through" \
    [ "$RC" -eq 0 ]
finish
