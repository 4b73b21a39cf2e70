# shellcheck shell=sh
# Shared by the integration tests: two network namespaces joined by a veth
# pair, documentation addresses only and no route anywhere else, a real
# SMTP-ish listener on the real MX, real iptables/ip6tables NFQUEUE rules,
# and the real daemon.  Everything started here is stopped by PID, and the
# namespaces are deleted on exit, whatever happens.
#
#   client namespace: 198.51.100.10-19, 2001:db8:1::10-19
#   server namespace: fake MX 192.0.2.10 (and .11, unused until a test
#                     adds it), real MX 192.0.2.20; 2001:db8:2::10, ::11, ::20

set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
MXALLOWD=${MXALLOWD:-$ROOT/build/mxallowd}
MXPROBE=${MXPROBE:-$ROOT/build/tools/mxprobe}
. "$ROOT/tests/lib/need.sh"
# What every namespace test uses; a test needing more says so itself.
need ip ss iptables ip6tables socat
need_file "$MXALLOWD" "make"
need_file "$MXPROBE" "make tests"
NS_S=mxa-srv-$$
NS_C=mxa-cli-$$
QUEUE=25
FAKE4=192.0.2.10
FAKE4B=192.0.2.11
REAL4=192.0.2.20
FAKE6=2001:db8:2::10
FAKE6B=2001:db8:2::11
REAL6=2001:db8:2::20
TMP=$(mktemp -d)
LOG=$TMP/mxallowd.log
CONF=$TMP/mxallowd.conf
PIDS=""
MXPID=""
t_n=0
t_failed=0

ok() {
	t_n=$((t_n + 1))
	echo "ok $t_n - $*"
}

skip() {
	t_n=$((t_n + 1))
	echo "ok $t_n # SKIP $*"
}

not_ok() {
	t_n=$((t_n + 1))
	t_failed=$((t_failed + 1))
	echo "not ok $t_n - $*"
}

contains() {
	echo "$1" | grep -q -- "$2"
}

contains_re() {
	echo "$1" | grep -Eq -- "$2"
}

# same_file A B: the same file or directory, by device and inode.  (The
# path that readlink prints for /proc/PID/root is relative to the
# reader's own root, which differs when the tests run chrooted.)
same_file() {
	[ "$(stat -L -c %d:%i "$1")" = "$(stat -L -c %d:%i "$2")" ]
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

# check DESCRIPTION COMMAND...: one test line from a command's status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# in_range VALUE LOW HIGH: VALUE is a whole number from LOW to HIGH (for
# check, which runs one command: "check D [ a ] && [ b ]" checks only a).
in_range() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

cleanup() {
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pid" 2>/dev/null
	done
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	rm -rf "/etc/netns/$NS_S" "/etc/netns/$NS_C"
	rmdir /etc/netns 2>/dev/null
	if [ "$t_failed" -gt 0 ] && [ -f "$LOG" ]; then
		echo "# mxallowd log:"
		sed 's/^/#   /' "$LOG"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

in_server() {
	ip netns exec "$NS_S" "$@"
}

in_client() {
	ip netns exec "$NS_C" "$@"
}

# resolv.conf for a namespace: "ip netns exec" mounts it over /etc/resolv.conf.
# By default the server namespace's resolver is DNS_ADDR, where a test may
# start a DNS server; with none there, lookups fail at once (port
# unreachable), and no query ever leaves the namespaces.
DNS_ADDR=192.0.2.53
set_resolver() {
	mkdir -p "/etc/netns/$NS_S"
	printf 'nameserver %s\noptions timeout:%s attempts:%s\n' "$1" \
	    "${2:-1}" "${3:-1}" >"/etc/netns/$NS_S/resolv.conf"
}

setup_net() {
	set_resolver "$DNS_ADDR"
	ip netns add "$NS_S" || exit 1
	ip netns add "$NS_C" || exit 1
	ip link add vc netns "$NS_C" type veth peer name vs netns "$NS_S"
	for a in "$FAKE4" "$FAKE4B" "$REAL4"; do
		in_server ip addr add "$a/24" dev vs
	done
	for a in "$FAKE6" "$FAKE6B" "$REAL6"; do
		in_server ip addr add "$a/64" dev vs nodad
	done
	for i in 10 11 12 13 14 15 16 17 18 19; do
		in_client ip addr add "198.51.100.$i/24" dev vc
		in_client ip addr add "2001:db8:1::$i/64" dev vc nodad
	done
	in_server ip link set lo up
	in_client ip link set lo up
	in_server ip link set vs up
	in_client ip link set vc up
	in_client ip route add 192.0.2.0/24 dev vc
	in_client ip -6 route add 2001:db8:2::/64 dev vc
	in_server ip route add 198.51.100.0/24 dev vs
	in_server ip -6 route add 2001:db8:1::/64 dev vs
}

# The README's nftables ruleset: one inet table for IPv4 and IPv6.
nft_ruleset() {
	cat <<-EOF
	table inet mxallowd {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport 25 tcp flags & (fin | syn | rst | ack) == syn queue num $QUEUE bypass
		}
	}
	EOF
}

# The rules of the README: new connections to port 25 go to the queue;
# with no daemon bound, --queue-bypass lets them through.
setup_firewall() {
	if [ "${FIREWALL:-iptables}" = nft ]; then
		nft_ruleset | in_server nft -f - || exit 1
		return
	fi
	in_server iptables -A INPUT -p tcp --syn --dport 25 \
	    -j NFQUEUE --queue-num "$QUEUE" --queue-bypass || exit 1
	in_server ip6tables -A INPUT -p tcp --syn --dport 25 \
	    -j NFQUEUE --queue-num "$QUEUE" --queue-bypass || exit 1
}

# wait_until TENTHS COMMAND...: poll a condition, at most TENTHS/10 s.
wait_until() {
	tries=$1
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

listening() {
	in_server ss -Hltn "sport = :25" | grep -q "$1"
}

# The real MX: a real TCP server that greets like an MTA.
start_listener() {
	# "ip netns exec" execs the program: $! is the server's own PID.
	ip netns exec "$NS_S" socat TCP4-LISTEN:25,bind="$REAL4",reuseaddr,fork \
	    SYSTEM:'echo 220 mx.example.net ESMTP' 2>/dev/null &
	PIDS="$PIDS $!"
	ip netns exec "$NS_S" socat "TCP6-LISTEN:25,bind=[$REAL6],reuseaddr,fork" \
	    SYSTEM:'echo 220 mx.example.net ESMTP' 2>/dev/null &
	PIDS="$PIDS $!"
	if ! wait_until 50 listening "$REAL4" ||
	    ! wait_until 50 listening "$REAL6"; then
		echo "# listener did not start"
		exit 1
	fi
}

write_config() {
	cat >"$CONF" <<-EOF
	# written by $(basename "$0")
	fake-mailserver $FAKE4
	fake-mailserver $FAKE6
	real-mailserver $REAL4
	real-mailserver $REAL6
	queue-num $QUEUE
	whitelist-time ${1:-60}
	state-file $TMP/state/whitelist
	control-socket $TMP/ctl.sock
	EOF
}

# Every daemon log of the test, kept across restarts for the final check.
ALL_LOGS=$TMP/all-logs

log_has() {
	grep -q -- "$1" "$LOG"
}

# Start the daemon in the server namespace, in the foreground, logging
# every decision to $LOG; wait until it has bound the queue.
start_mxallowd() {
	[ -f "$LOG" ] && cat "$LOG" >>"$ALL_LOGS"
	: >"$LOG"
	ip netns exec "$NS_S" "$MXALLOWD" -F -s -c "$CONF" "$@" \
	    >>"$LOG" 2>&1 &
	MXPID=$!
	PIDS="$PIDS $MXPID"
	wait_until 50 log_has "started (" ||
	    { echo "# mxallowd did not start"; cat "$LOG"; exit 1; }
}

# probe SOURCE TIMEOUT_MS mxprobe-args...: run the client; output in $OUT.
probe() {
	src=$1
	wait_ms=$2
	shift 2
	# shellcheck disable=SC2034 # OUT and RC are the tests' to read
	OUT=$(in_client "$MXPROBE" -b "$src" -w "$wait_ms" "$@")
	# shellcheck disable=SC2034
	RC=$?
	[ -n "${PROBE_QUIET:-}" ] ||
	    echo "# $src: $(echo "$OUT" | tr '\n' ';')"
	return 0
}

# Milliseconds the attempt to HOST took, from the last probe's output.
probe_ms() {
	echo "$OUT" | sed -n "s/^$1 [a-z]* \([0-9]*\)ms.*/\1/p" | head -n 1
}

# stats_line: ask for statistics with SIGUSR1, print the newest line.
stats_line() {
	before=$(grep -c "statistics:" "$LOG")
	kill -USR1 "$MXPID"
	wait_until 30 stats_grew "$before"
	grep "statistics:" "$LOG" | tail -n 1
}

stats_grew() {
	[ "$(grep -c "statistics:" "$LOG")" -gt "$1" ]
}

finish() {
	[ -f "$LOG" ] && cat "$LOG" >>"$ALL_LOGS"
	# A sanitizer build of the daemon reports to its log (stderr).
	if [ -f "$ALL_LOGS" ]; then
		if grep -q "Sanitizer" "$ALL_LOGS"; then
			not_ok "no sanitizer report from the daemon"
			grep -A 30 "Sanitizer" "$ALL_LOGS" | sed 's/^/#   /'
		else
			ok "no sanitizer report from the daemon"
		fi
	fi
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
}
