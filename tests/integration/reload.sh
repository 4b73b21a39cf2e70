#!/bin/sh
# Configuration errors and SIGHUP: a broken file stops the start with
# file:line; a reload changes the MX sets and keeps the whitelist; a reload
# of a broken file changes nothing.
. "$(dirname "$0")/../lib/netns.sh"

setup_net

# A broken config at start: exit 1 and name the file and line.
printf 'fake-mailserver %s\nreal-mailserver %s\nqueue-num 25\nwhitelist-time soon\n' \
    "$FAKE4" "$REAL4" >"$CONF"
out=$(in_server "$MXALLOWD" -F -s -c "$CONF" 2>&1)
rc=$?
echo "# $out"
check "broken config at start exits 1" [ "$rc" -eq 1 ]
check "the error names the file and line" \
    contains "$out" "$CONF:4: whitelist-time: .soon. is not"
out=$(in_server "$MXALLOWD" -F -s -c "$TMP/none.conf" 2>&1)
rc=$?
check "a missing named config file exits 1" [ "$rc" -eq 1 ]
check "and says which file" \
    contains "$out" "none.conf: No such file"

setup_firewall
start_listener
write_config 60
start_mxallowd -d

probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "sender A whitelisted before the reload" [ "$RC" -eq 0 ]

# Move the fake MX from .10 to .11.
sed -i "s/^fake-mailserver $FAKE4\$/fake-mailserver $FAKE4B/" "$CONF"
kill -HUP "$MXPID"
wait_until 30 log_has "configuration reloaded"
check "SIGHUP reloads the configuration" log_has "configuration reloaded"
check "the daemon survives the reload" kill -0 "$MXPID"

probe 198.51.100.10 2000 connect "$REAL4"
check "sender A is still whitelisted after the reload" [ "$RC" -eq 0 ]
probe 198.51.100.11 3000 mta "$FAKE4" "$REAL4"
check "the old fake MX no longer whitelists (sender B dropped)" \
    [ "$RC" -ne 0 ]
probe 198.51.100.12 3000 mta "$FAKE4B" "$REAL4"
check "the new fake MX whitelists (sender C delivered)" [ "$RC" -eq 0 ]

# A broken file on reload: logged, the running configuration stays.
echo "fake-mailserver not-an-address" >>"$CONF"
bad_line=$(wc -l <"$CONF" | tr -d ' ')
kill -HUP "$MXPID"
wait_until 30 log_has "reload failed"
check "a broken config on reload is logged with file:line" \
    log_has "reload failed, configuration unchanged: $CONF:$bad_line: fake-mailserver"
check "the daemon survives a broken reload" kill -0 "$MXPID"
probe 198.51.100.13 3000 mta "$FAKE4B" "$REAL4"
check "the configuration in force still works" [ "$RC" -eq 0 ]
probe 198.51.100.10 2000 connect "$REAL4"
check "and sender A is still whitelisted" [ "$RC" -eq 0 ]

# A queue-num change cannot be applied to a running queue: refused.
sed -i '$d' "$CONF"
sed -i "s/^queue-num .*/queue-num 26/" "$CONF"
kill -HUP "$MXPID"
wait_until 30 log_has "reload refused"
check "a queue-num change on reload is refused and logged" \
    log_has "queue-num cannot change while running"

# Signals in a burst: nothing breaks.
i=0
while [ $i -lt 20 ]; do
	kill -HUP "$MXPID"
	kill -USR1 "$MXPID"
	i=$((i + 1))
done
sleep 0.5
check "the daemon survives a burst of 40 signals" kill -0 "$MXPID"
probe 198.51.100.10 2000 connect "$REAL4"
check "and still decides" [ "$RC" -eq 0 ]
finish
