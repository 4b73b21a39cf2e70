#!/bin/sh
# make demo: mxallowd doing its job for real, in two network namespaces.
# Needs root and a build (make tests).  Cleans up after itself.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROBE_QUIET=1
. "$ROOT/tests/lib/netns.sh"

say() {
	printf '\n== %s\n' "$*"
}

say "Two hosts: a mail server (fake MX $FAKE4, real MX $REAL4) and the internet"
setup_net
setup_firewall
start_listener
echo "Firewall rules in the server namespace (new connections to port 25 -> NFQUEUE):"
in_server iptables -S INPUT | sed 's/^/    /'
in_server ip6tables -S INPUT | sed 's/^/    /'

write_config 3600
say "Starting mxallowd with this configuration:"
sed 's/^/    /' "$CONF"
start_mxallowd -d

say "A spambot sends straight to the second MX ($REAL4), never to the first:"
probe 198.51.100.19 2000 connect "$REAL4"
echo "$OUT" | sed 's/^/    /'

say "A real MTA tries the preferred (fake) MX, is refused, and falls back:"
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
echo "$OUT" | sed 's/^/    /'

say "Later deliveries from that MTA go straight through:"
probe 198.51.100.10 2000 connect "$REAL4"
echo "$OUT" | sed 's/^/    /'

say "The same over IPv6:"
probe 2001:db8:1::19 2000 connect "$REAL6"
echo "$OUT" | sed 's/^/    /'
probe 2001:db8:1::10 3000 mta "$FAKE6" "$REAL6"
echo "$OUT" | sed 's/^/    /'

say "Statistics (SIGUSR1):"
stats_line | sed 's/^/    /'

say "What mxallowd logged:"
sed 's/^/    /' "$LOG"
say "Cleaning up."
