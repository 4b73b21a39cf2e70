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
finish
