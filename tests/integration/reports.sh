#!/bin/sh
# The reports and the metrics file (issue 14): direct senders in
# "mxallowctl show blocked" with their counts, a sender that only ever
# hits the fake MX in "show suspects" and a real MTA not, and a metrics
# file that parses with Prometheus's parser and agrees with the
# statistics line.
. "$(dirname "$0")/../lib/netns.sh"

need_pymodule prometheus_client
CTL=${MXALLOWCTL:-$ROOT/build/mxallowctl}
need_file "$CTL" "make"
PROMCHECK=$ROOT/tests/tools/promcheck.py
METRICS=$TMP/metrics/mxallowd.prom

ctl() {
	"$CTL" -s "$TMP/ctl.sock" "$@"
}

not_contains() {
	! contains "$1" "$2"
}

# count_of ADDRESS: the count of its "show blocked" line, or nothing.
count_of() {
	ctl show blocked | awk -v a="$1" '$1 == a { print $2 }'
}

setup_net
setup_firewall
start_listener
write_config 60
mkdir "$TMP/metrics"
printf 'metrics-file %s\nstate-interval 1\nsuspect-hits 3\n' "$METRICS" \
    >>"$CONF"
start_mxallowd -d

check "the metrics file is written at start" wait_until 50 test -s "$METRICS"
parses() {
	/usr/bin/python3 "$PROMCHECK" "$METRICS" >/dev/null
}
check "it parses as Prometheus text" parses

# Two direct senders, blocked: each SYN retransmission counts.
probe 198.51.100.11 1500 connect "$REAL4"
check "a direct sender is dropped" [ "$RC" -eq 2 ]
probe 2001:db8:1::11 1500 connect "$REAL6"
check "an IPv6 direct sender is dropped" [ "$RC" -eq 2 ]
# A bot: three hits on the fake MX, never the real one.
for i in 1 2 3; do
	probe 198.51.100.14 1000 connect "$FAKE4"
	[ "$i" -lt 3 ] && sleep 0.2
done
# Two hits only: no suspect yet.
probe 198.51.100.15 1000 connect "$FAKE4"
probe 198.51.100.15 1000 connect "$FAKE4"
# A real MTA: the fake MX, then the real one, twice.
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "the MTA is delivered" [ "$RC" -eq 0 ]
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"

blocked=$(ctl show blocked)
echo "$blocked" | sed 's/^/# blocked: /'
c4=$(count_of 198.51.100.11)
c6=$(count_of 2001:db8:1::11)
check "show blocked lists the IPv4 sender (count $c4)" [ "${c4:-0}" -ge 1 ]
check "show blocked lists the IPv6 sender (count $c6)" [ "${c6:-0}" -ge 1 ]
check "show blocked: the newest first" \
    [ "$(echo "$blocked" | head -n 1 | cut -d' ' -f1)" = 2001:db8:1::11 ]
check "show blocked lists nobody else" [ "$(echo "$blocked" | wc -l)" -eq 2 ]
stats=$(stats_line)
echo "# $stats"
n=$(echo "$stats" | sed -n 's/.*blocked \([0-9]*\),.*/\1/p')
check "the counts add up to the blocked counter ($c4 + $c6 = $n)" \
    [ "$((${c4:-0} + ${c6:-0}))" -eq "${n:--1}" ]
check "a line: address, count, first and last time (UTC)" \
    contains_re "$blocked" \
    '^198\.51\.100\.11 [0-9]+ 20[0-9-]+T[0-9:]+Z 20[0-9-]+T[0-9:]+Z$'
json=$(ctl -j show blocked)
check "mxallowctl -j show blocked: JSON lines" \
    contains_re "$json" \
    "^\{\"address\":\"198\.51\.100\.11\",\"count\":$c4,\"first\":[0-9]+,\"last\":[0-9]+,\"observed\":false\}$"

suspects=$(ctl show suspects)
echo "$suspects" | sed 's/^/# suspect: /'
check "the fake-MX-only sender is a suspect with 3 hits" \
    contains_re "$suspects" '^198\.51\.100\.14 3 '
check "a sender with 2 hits is not (suspect-hits 3)" \
    not_contains "$suspects" 198.51.100.15
check "the real MTA is not a suspect" not_contains "$suspects" 198.51.100.10
check "JSON suspects say hits" \
    contains "$(ctl -j show suspects)" '"address":"198.51.100.14","hits":3,'

kill -TERM "$MXPID"
wait_until 50 gone "$MXPID"
check "SIGTERM: clean exit" gone "$MXPID"
final=$(grep "statistics:" "$LOG" | tail -n 1)
echo "# $final"
out=$(/usr/bin/python3 "$PROMCHECK" "$METRICS" "$final" 2>&1)
prc=$?
echo "$out" | sed 's/^/# promcheck: /'
check "the metrics file at exit parses and equals the statistics line" \
    [ "$prc" -eq 0 ]
check "no temporary metrics file is left" \
    [ "$(find "$TMP/metrics" -type f | wc -l)" -eq 1 ]
finish
