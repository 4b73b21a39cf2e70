#!/bin/sh
# Whitelist entries expire whitelist-time after their last use, and every
# accepted real-MX connection renews them.  The core counts whole seconds:
# an entry lives between whitelist-time - 1 and whitelist-time seconds,
# so the intervals below leave a second of margin.
. "$(dirname "$0")/../lib/netns.sh"

setup_net
setup_firewall
start_listener
write_config 4
start_mxallowd -d

# Expiry: whitelisted at t=0, unused, dropped after 4 s.
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "sender whitelisted by its fake-MX attempt" [ "$RC" -eq 0 ]
probe 198.51.100.10 2000 connect "$REAL4"
check "whitelisted sender passes before expiry" [ "$RC" -eq 0 ]
t0=$(date +%s)

# Refresh on use: a second sender passes every 2 s for 6 s, outliving
# whitelist-time (4 s) only if each pass renews its entry.
probe 198.51.100.11 3000 mta "$FAKE4" "$REAL4"
refreshed_ok=0
i=0
while [ $i -lt 3 ]; do
	sleep 2
	probe 198.51.100.11 1500 connect "$REAL4"
	[ "$RC" -eq 0 ] && refreshed_ok=$((refreshed_ok + 1))
	i=$((i + 1))
done
check "entry renewed by use stays valid past whitelist-time (3 of 3 at 2 s intervals)" \
    [ "$refreshed_ok" -eq 3 ]

# The first sender has not been used since t0 and must have expired.
now=$(date +%s)
probe 198.51.100.10 1500 connect "$REAL4"
check "unused entry expired after $((now - t0)) s: sender dropped again" \
    [ "$RC" -eq 2 ]
check "expiry is logged" log_has "expired 198.51.100.10"

# After expiry, falling back through the fake MX works again.
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "expired sender is whitelisted again by a new fake-MX attempt" \
    [ "$RC" -eq 0 ]

stats=$(stats_line)
echo "# $stats"
check "statistics count the expiry" \
    contains_re "$stats" "expired [1-9]"
finish
