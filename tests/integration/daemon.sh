#!/bin/sh
# Running as a daemon: into the background with a locked pidfile, one
# instance at a time, the pidfile removed on exit.
. "$(dirname "$0")/../lib/netns.sh"

setup_net
setup_firewall
start_listener
write_config 60
PIDFILE=$TMP/mxallowd.pid

pid_alive() {
	[ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

in_server "$MXALLOWD" -s -c "$CONF" --pidfile "$PIDFILE" >>"$LOG" 2>&1
rc=$?
check "without -F the command returns at once, status 0" [ "$rc" -eq 0 ]
wait_until 50 pid_alive
check "the pidfile names the running daemon" pid_alive
DPID=$(cat "$PIDFILE" 2>/dev/null)
[ -n "$DPID" ] && PIDS="$PIDS $DPID"
MXPID=$DPID
check "the daemon runs in its own session" \
    [ "$(ps -o sid= -p "$DPID" | tr -d ' ')" = "$DPID" ]

probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "the daemonized gate whitelists and delivers" [ "$RC" -eq 0 ]
probe 198.51.100.11 1500 connect "$REAL4"
check "the daemonized gate drops a direct client" [ "$RC" -eq 2 ]

out=$(in_server "$MXALLOWD" -F -s -c "$CONF" -n 27 --pidfile "$PIDFILE" 2>&1)
rc=$?
echo "# $out"
check "a second instance with the same pidfile exits 1" [ "$rc" -eq 1 ]
check "and says the pidfile is locked" \
    contains "$out" "is locked"
check "the first instance keeps running" kill -0 "$DPID"

out=$(in_server "$MXALLOWD" -F -s -c "$CONF" 2>&1 --pidfile "$TMP/other.pid")
rc=$?
echo "# $out"
check "a second instance on the same queue exits 1" [ "$rc" -eq 1 ]
check "and says the queue is taken" \
    contains "$out" "bound by another process"

kill -TERM "$DPID"
wait_until 50 gone "$DPID"
check "SIGTERM stops the daemon" gone "$DPID"
check "the pidfile is removed on exit" [ ! -e "$PIDFILE" ]

# Started as an unprivileged user with CAP_NET_ADMIN alone, as systemd's
# User= and AmbientCapabilities= start it (the Debian package's unit).
as_nobody() {
	in_server setpriv --reuid=65534 --regid=65534 --clear-groups \
	    --inh-caps +net_admin --ambient-caps +net_admin "$@"
}
chmod 711 "$TMP"
cp "$CONF" "$TMP/nobody.conf"
chmod 644 "$TMP/nobody.conf"
NLOG=$TMP/nobody.log
# ip netns exec and setpriv exec: $! is the daemon's own PID.
ip netns exec "$NS_S" setpriv --reuid=65534 --regid=65534 --clear-groups \
    --inh-caps +net_admin --ambient-caps +net_admin \
    "$MXALLOWD" -F -s -d -c "$TMP/nobody.conf" --state-file none \
    --control-socket none --user nobody >"$NLOG" 2>&1 &
MXPID=$!
PIDS="$PIDS $MXPID"
wait_until 50 grep -q "started (" "$NLOG"
check "started as nobody with CAP_NET_ADMIN, it runs" kill -0 "$MXPID"
check "as nobody" [ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$MXPID/status")" = 65534 ]
probe 198.51.100.12 3000 mta "$FAKE4" "$REAL4"
check "and its verdicts flow: a retrying client is delivered" [ "$RC" -eq 0 ]
probe 198.51.100.13 1500 connect "$REAL4"
check "and a direct client is dropped" [ "$RC" -eq 2 ]
kill -TERM "$MXPID"
wait_until 50 gone "$MXPID"
check "SIGTERM stops it" gone "$MXPID"
sed 's/^/# nobody: /' "$NLOG"

# Bounded: without the check it would run on as nobody.
out=$(as_nobody timeout 10 "$MXALLOWD" -F -s -c "$TMP/nobody.conf" \
    --state-file none --control-socket none --user daemon 2>&1)
rc=$?
echo "# $out"
check "started as nobody, a user option naming another user exits 1" \
    [ "$rc" -eq 1 ]
check "and says why" \
    contains "$out" "cannot switch to user daemon: not started as root"
finish
