#!/bin/sh
# The control socket, through mxallowctl against the real daemon: add lets
# a direct sender through and delete blocks it again; show whitelist gives
# each entry's origin; show stats agrees with SIGUSR1's statistics line;
# -j prints JSON; the exit status is 1 for a refusal (an unknown address, a
# broken configuration on reload, with its file:line) and 2 when the
# socket is not there; and 100 clients at once, plus one that connects and
# says nothing, do not hold up the verdicts.
. "$(dirname "$0")/../lib/netns.sh"
need python3 timeout
MXALLOWCTL=${MXALLOWCTL:-$ROOT/build/mxallowctl}
need_file "$MXALLOWCTL" "make"
SOCK=$TMP/ctl.sock

setup_net
setup_firewall
start_listener
write_config 60
start_mxallowd -d

# ctl ARGS...: mxallowctl on the test's socket, bounded; output in $OUT
# (standard output) and $ERR (standard error), status in $RC.
ctl() {
	OUT=$(timeout 20 "$MXALLOWCTL" -s "$SOCK" "$@" 2>"$TMP/ctl.err")
	RC=$?
	ERR=$(cat "$TMP/ctl.err")
	echo "# mxallowctl $*: status $RC: $(echo "$OUT" "$ERR" | tr '\n' ';')"
}

check "the daemon made its control socket" [ -S "$SOCK" ]

# --- add and delete ---
probe 198.51.100.11 1500 connect "$REAL4"
check "a direct sender is dropped" [ "$RC" -eq 2 ]
ctl add 198.51.100.11
check "mxallowctl add exits 0" [ "$RC" -eq 0 ]
check "and says added" contains "$OUT" "added 198.51.100.11"
probe 198.51.100.11 1500 connect "$REAL4"
check "the added sender reaches the real MX" [ "$RC" -eq 0 ]
ctl delete 198.51.100.11
check "mxallowctl delete exits 0" [ "$RC" -eq 0 ]
probe 198.51.100.11 1500 connect "$REAL4"
check "the deleted sender is dropped again" [ "$RC" -eq 2 ]

# --- show whitelist: origins ---
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "a sender that tries the fake MX is delivered" [ "$RC" -eq 0 ]
ctl add 198.51.100.12 600
ctl show whitelist
check "show whitelist exits 0" [ "$RC" -eq 0 ]
check "it lists the fake MX's sender with origin fake and its last use" \
    contains_re "$OUT" '^198\.51\.100\.10/32 [0-9][0-9]* fake 20[0-9-]+T[0-9:]+Z$'
check "and the added one (600 s, not used since) with origin manual, no use" \
    contains_re "$OUT" '^198\.51\.100\.12/32 [0-9][0-9]* manual -$'
check "and nothing else" [ "$(echo "$OUT" | wc -l | tr -d ' ')" -eq 2 ]
ctl show whitelist 198.51.100.12
check "show whitelist ADDRESS gives its entry" \
    contains_re "$OUT" '^198\.51\.100\.12/32 [0-9][0-9]* manual -$'
ctl show whitelist 198.51.100.99
check "show whitelist of an unknown address exits 1" [ "$RC" -eq 1 ]
check "and says why on standard error" contains "$ERR" "not whitelisted"

# --- show stats against SIGUSR1's line ---
ctl show stats
check "show stats exits 0" [ "$RC" -eq 0 ]
mine=$(echo "$OUT" | grep -v '^uptime: \|^observe: ' | sed 's/: / /' |
    awk 'NR > 1 { printf ", " } { printf "%s", $0 } END { print "" }')
line=$(stats_line | sed 's/.*statistics: //')
echo "# show stats: $mine"
echo "# SIGUSR1:    $line"
check "its counters are SIGUSR1's statistics line" [ "$mine" = "$line" ]
check "with the uptime" contains_re "$OUT" '^uptime: [0-9][0-9]*$'
check "and observe mode, off" contains_re "$OUT" '^observe: off$'
check "and the allow list's size, 0 (none)" \
    contains_re "$OUT" '^allow entries: 0$'
check "the statistics line ends with the allow list's size" \
    contains_re "$line" ', sync-connected 0, fake answered 0, fake refused 0, fake timeouts 0, fake bad lines 0, allow entries 0$'

# --- JSON ---
# json_ok KEY...: every line of $OUT is a JSON object with the keys.
json_ok() {
	printf '%s\n' "$OUT" | python3 -c '
import json, sys
keys = sys.argv[1:]
lines = [l for l in sys.stdin.read().split("\n") if l]
assert lines, "no lines"
for l in lines:
    o = json.loads(l)
    assert isinstance(o, dict), l
    for k in keys:
        assert k in o, (k, l)
' "$@"
}
ctl -j show stats
check "-j show stats is JSON" json_ok uptime fake_mx_hits whitelist_entries \
    allow_entries observe
check "-j show stats: observe is false" contains "$OUT" '"observe":false,'

ctl -j show whitelist
check "-j show whitelist is JSON, with the origins" \
    json_ok address prefix seconds origin last_use
check "the fake MX's sender was last used within the last minute, the added one never" \
    sh -c "printf '%s\n' '$OUT' | python3 -c 'import json, sys, time
o = {json.loads(l)[\"address\"]: json.loads(l) for l in sys.stdin if l.strip()}
f = o[\"198.51.100.10\"][\"last_use\"]
assert f is not None and time.time() - 60 <= f <= time.time() + 1, f
assert o[\"198.51.100.12\"][\"last_use\"] is None, o'"
check "the JSON origins are fake and manual" sh -c \
    "printf '%s\n' '$OUT' | python3 -c 'import json, sys
print(sorted(json.loads(l)[\"origin\"] for l in sys.stdin if l.strip()))' |
    grep -qx \"\\['fake', 'manual'\\]\""
ctl -j add 198.51.100.13 60
check "-j add is JSON" json_ok result detail
ctl -j show whitelist 198.51.100.99
check "-j keeps exit status 1 for a refusal" [ "$RC" -eq 1 ]

# --- exit status 2 ---
OUT=$(timeout 20 "$MXALLOWCTL" -s "$TMP/none.sock" show stats 2>&1)
RC=$?
echo "# $OUT"
check "a missing socket exits 2" [ "$RC" -eq 2 ]
OUT=$(timeout 20 "$MXALLOWCTL" -s "$SOCK" 2>&1)
RC=$?
check "no command exits 2 (usage)" [ "$RC" -eq 2 ]

# --- reload ---
cp "$CONF" "$TMP/good.conf"
echo "whitelist-time soon" >>"$CONF"
bad_line=$(wc -l <"$CONF" | tr -d ' ')
ctl reload
check "reload of a broken configuration exits 1" [ "$RC" -eq 1 ]
check "and names the file and line" contains "$ERR" "$CONF:$bad_line:"
check "the daemon runs on" kill -0 "$MXPID"
cp "$TMP/good.conf" "$CONF"
ctl reload
check "reload of the good configuration exits 0" [ "$RC" -eq 0 ]
probe 198.51.100.12 1500 connect "$REAL4"
check "the whitelist survives the reloads" [ "$RC" -eq 0 ]

# --- load: 100 clients at once, and one that says nothing ---
PROBE_QUIET=1
probe 198.51.100.14 3000 mta "$FAKE4" "$REAL4"
base_rc=$RC
base_ms=$(probe_ms "$REAL4")
echo "# without load: fake MX to real MX delivery, connect $base_ms ms"
check "before the load a falling-back MTA is delivered" [ "$base_rc" -eq 0 ]

# ip netns exec is not needed: the socket is a file.  exec: $! is python.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
t = time.time()
data = s.recv(4096)
print("# the silent client: %r after %.1f s" % (data, time.time() - t))
' "$SOCK" >"$TMP/silent.out" 2>&1 &
SILENT=$!
PIDS="$PIDS $SILENT"
CLIENTS=""
i=0
while [ "$i" -lt 100 ]; do
	timeout 30 "$MXALLOWCTL" -s "$SOCK" show stats >/dev/null \
	    2>>"$TMP/load.err" &
	CLIENTS="$CLIENTS $!"
	i=$((i + 1))
done
PIDS="$PIDS $CLIENTS"
probe 198.51.100.15 3000 mta "$FAKE4" "$REAL4"
load_rc=$RC
load_ms=$(probe_ms "$REAL4")
echo "# under load: fake MX to real MX delivery, connect $load_ms ms"
check "under load a falling-back MTA is still delivered" [ "$load_rc" -eq 0 ]
check "within the usual time (under 1000 ms, $base_ms ms unloaded)" \
    [ -n "$load_ms" ] && [ "$load_ms" -lt 1000 ]
probe 198.51.100.16 1500 connect "$REAL4"
check "under load a direct sender is still dropped" [ "$RC" -eq 2 ]
served=0
refused=0
lost=0
for pid in $CLIENTS; do
	wait "$pid"
	case $? in
	0) served=$((served + 1)) ;;
	1) refused=$((refused + 1)) ;;
	*) lost=$((lost + 1)) ;;
	esac
done
echo "# 100 clients: $served answered, $refused refused (too many), $lost lost"
sort "$TMP/load.err" | uniq -c | sed 's/^/# /'
check "every client got an answer or a refusal, none hung" [ "$lost" -eq 0 ]
check "most were answered" [ "$served" -ge 32 ]
wait_until 150 gone "$SILENT"
check "the silent client is dropped after the idle time" gone "$SILENT"
cat "$TMP/silent.out"
ctl show stats
check "afterwards the socket still answers" [ "$RC" -eq 0 ]

# --- who asked: each request's peer, changes at info, the rest debug ---
# since_mark: the log since here.
mark=$(wc -l <"$LOG" | tr -d ' ')
since_mark() {
	tail -n "+$((mark + 1))" "$LOG"
}
ctl log info
ctl add 198.51.100.17 60
ctl show whitelist
ctl -j show stats
ctl delete 198.51.100.17
cred_re='control: from uid 0 gid 0 pid [0-9]+'
since_mark | sed 's/^/# log: /'
check "a change (log) is logged with the peer's uid, gid and pid" \
    sh -c "tail -n +$((mark + 1)) '$LOG' | grep -Eq '$cred_re: log info\$'"
check "a change (add) is logged with the peer's credentials, at info" \
    sh -c "tail -n +$((mark + 1)) '$LOG' |
    grep -Eq '$cred_re: add 198\.51\.100\.17 60\$'"
check "a change (delete) too" \
    sh -c "tail -n +$((mark + 1)) '$LOG' |
    grep -Eq '$cred_re: delete 198\.51\.100\.17\$'"
check "a look (show whitelist) is not logged at info" \
    sh -c "! tail -n +$((mark + 1)) '$LOG' | grep -q 'show whitelist\$'"
check "nor (-j show stats)" \
    sh -c "! tail -n +$((mark + 1)) '$LOG' | grep -q 'json show stats\$'"
ctl log debug
ctl show whitelist
check "but at debug, a look is logged with its peer" \
    sh -c "tail -n +$((mark + 1)) '$LOG' |
    grep -Eq '$cred_re: show whitelist\$'"

kill -TERM "$MXPID"
wait_until 50 gone "$MXPID"
check "SIGTERM stops the daemon" gone "$MXPID"
check "and it removes its socket" [ ! -e "$SOCK" ]
finish
