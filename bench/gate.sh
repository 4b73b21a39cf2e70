#!/bin/sh
# The NFQUEUE gate: mxallowd beside the kernel alone and two minimal
# verdict loops (bench/nfqref.c), in one run, on the same traffic.
#
# usage: sh bench/gate.sh		(as root; about 9 minutes)
#
# Two network namespaces joined by a veth (tests/lib/netns.sh: documentation
# addresses only, no route anywhere else).  bench/synsend writes IPv6 SYNs
# with forged sources onto the client's end of the veth, pinned to cpu 0;
# the program under test answers the server's NFQUEUE, pinned to cpu 1.
# The server discards its answers to the forged sources (a blackhole
# route), so what is measured is the gate, not the return path.  A real
# listener (bench/connlat -l) is on the real MX throughout.
#
# The programs, each on a queue set up alike (copy range 128, 65536
# packets, fail-open, 16 MiB receive buffer):
#   kernel	no queue: a plain ip6tables rule drops what mxallowd would
#		drop (the ceiling: the sender's core is the limit)
#   one		nfqref -m one: one recv() and one verdict per packet
#   batch	nfqref -m batch: recvmmsg() of 64, batched verdicts
#   mxallowd	mxallowd -b (no DNS), its whitelist preloaded with LISTED
#		senders by as many fake-MX SYNs
#   nftables	mxallowd -b --backend nftables: no queue, the kernel
#		decides every SYN with mxallowd's table (its set preloaded
#		the same way, by the kernel itself) and logs fake-MX hits
#		and drops to NFLOG, which mxallowd reads
# Every program gets the preload; the references then drop what mxallowd
# drops, SYNs from the unlisted senders' prefix (nfqref -d), so the kernel
# does the same work after every verdict.  The traffic (PATTERN, repeated): F a listed sender to the fake
# MX, R a listed sender to the real MX, B an unlisted one to the real MX.
#
# Measured, each in ROUNDS rounds (the median is kept):
#   drain	the program is stopped while DRAIN_N SYNs queue up, then
#		continued: queued SYNs verdicted per second (and CPU per
#		verdict) with a full buffer and nothing else to do
#   fixed	RATE SYN/s for 3 s: CPU microseconds per verdict (all of
#		the program's time, the kernel's work for its system calls
#		and the packets' further path after accept included) and the
#		share of it in user space
#   sustained	from RATE up in LADDER steps, 2 s each: the highest rate
#		with no SYN left unverdicted; then the others at the rate
#		the batched reference sustains
#   latency	connect() times to the real MX (bench/connlat: LAT_N
#		connections from a whitelisted client), idle and under RATE
#		SYN/s of the same traffic
#   ceiling	(kernel and nftables, which have no queue to lose SYNs
#		from) 1,000,000 SYNs of the traffic as fast as the sender
#		can: the SYNs per second the gate lets it send, the
#		receiving kernel's work being done on the sender's cpu
# then DRAIN_PAIRS drains of the batched loop and mxallowd alternating,
# each pair within seconds: the ratio within each pair, median over pairs.
# Unverdicted SYNs come from the kernel's counters: the rule's packet
# counter against the verdicts the program reports; the queue's id
# counter (/proc/net/netfilter/nfnetlink_queue) splits them into "queue
# full" (no id given) and "socket overflow" (an id given, the message lost:
# ENOBUFS); fail-open accepted both.
#
# Writes the tables to bench/results/gate.txt.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)

ROUNDS=${ROUNDS:-3}
RATE=${RATE:-100000}
LISTED=${LISTED:-100000}
PATTERN=${PATTERN:-FFRRRRRBBB}
DRAIN_N=${DRAIN_N:-30000}
DRAIN_FILLS=${DRAIN_FILLS:-5}
DRAIN_PAIRS=${DRAIN_PAIRS:-5}
LADDER=${LADDER:-"150000 200000 250000 300000 350000 400000 450000 500000 550000 600000"}
LAT_N=${LAT_N:-2000}
MAX_LOAD=${MAX_LOAD:-0.7}
WAIT_QUIET=${WAIT_QUIET:-0}
OUT=${OUT:-bench/results/gate.txt}
NFT_TABLE=mxbench
# The NFQUEUE programs to measure (the kernel and nftables always are).
PROGS=${PROGS:-batch one mxallowd}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/gate.sh: needs root (network namespaces, ip6tables)" >&2
	exit 1
fi
for c in ip ip6tables taskset; do
	command -v "$c" >/dev/null 2>&1 ||
	    { echo "bench/gate.sh: $c is missing" >&2; exit 1; }
done
make -s build/mxallowd build/bench/synsend build/bench/nfqref \
    build/bench/connlat || exit 1

. bench/lib.sh
# shellcheck source=../tests/lib/netns.sh
. tests/lib/netns.sh
SYNSEND=$ROOT/build/bench/synsend
NFQREF=$ROOT/build/bench/nfqref
CONNLAT=$ROOT/build/bench/connlat
CLIENT6=2001:db8:1::10
# synsend's senders: listed 2001:db8:f::/48, unlisted 2001:db8:e::/48.
UNLISTED=2001:db8:e::/48
RES=$TMP/results
CUR=""
CUR_PID=""
CUR_LOG=""

# netns.sh's cleanup stops everything in PIDS; a stopped program must be
# continued first, or it would not see the SIGTERM.
bench_cleanup() {
	for pid in $PIDS; do
		kill -CONT "$pid" 2>/dev/null
	done
	cleanup
}
trap bench_cleanup EXIT

# forget PID: it has exited; never signal that number again.
forget() {
	rest=""
	for pid in $PIDS; do
		[ "$pid" = "$1" ] || rest="$rest $pid"
	done
	PIDS=$rest
}

# record KEY VALUE: one figure of the current program in this round.
record() {
	echo "$CUR $1 $2 $round" >>"$RES"
}

# The rule that queues (or, for the kernel alone, the rule that drops).
QUEUE_RULE="INPUT -p tcp --syn --dport 25 -j NFQUEUE --queue-num $QUEUE --queue-bypass"
DROP_RULE="INPUT -s $UNLISTED -p tcp --syn --dport 25 -j DROP"

# shellcheck disable=SC2086 # the rules are word lists
rules_queue() {
	in_server ip6tables -w -D $DROP_RULE 2>/dev/null
	in_server ip6tables -w -C $QUEUE_RULE 2>/dev/null ||
	    in_server ip6tables -w -A $QUEUE_RULE
}

# shellcheck disable=SC2086
rules_none() {
	in_server ip6tables -w -D $QUEUE_RULE 2>/dev/null
	in_server ip6tables -w -D $DROP_RULE 2>/dev/null
}

# shellcheck disable=SC2086
rules_kernel() {
	in_server ip6tables -w -D $QUEUE_RULE 2>/dev/null
	in_server ip6tables -w -A $DROP_RULE
}

rule_packets() {
	in_server ip6tables -w -nvxL INPUT | awk '/NFQUEUE/ { print $1; exit }'
}

# queue_field N: field N of our queue's line in the kernel's statistics.
queue_field() {
	# shellcheck disable=SC2016 # awk's own $1 and $f
	in_server awk -v q="$QUEUE" -v f="$1" '$1 == q { print $f }' \
	    /proc/net/netfilter/nfnetlink_queue
}

queue_bound() {
	[ -n "$(queue_field 2)" ]
}

queue_unbound() {
	[ -z "$(queue_field 2)" ]
}

# send ARGS...: synsend on cpu 0 in the client namespace.
send() {
	taskset -c 0 ip netns exec "$NS_C" "$SYNSEND" -i vc -m "$MAC" \
	    -f "$FAKE6" -r "$REAL6" -k "$LISTED" "$@"
}

# The program's statistics line, fresh: SIGUSR1, then wait for it.
stats_grown() {
	[ "$(grep -c "statistics:" "$CUR_LOG")" -gt "$1" ]
}

prog_stats() {
	n=$(grep -c "statistics:" "$CUR_LOG")
	kill -USR1 "$CUR_PID"
	wait_until 50 stats_grown "$n"
	grep "statistics:" "$CUR_LOG" | tail -n 1
}

# stat_field LINE NAME: the number after NAME in a statistics line.
stat_field() {
	echo "$1" | tr ',' '\n' |
	    sed -n "s/^.*[ :]$2 \([0-9][0-9]*\)$/\1/p" | head -n 1
}

# Verdicts the program has given: mxallowd answers every packet it is
# handed with one verdict, whatever it decides.
verdicts() {
	line=$(prog_stats)
	case $CUR in
	mxallowd)
		echo $(($(stat_field "$line" "fake-mx hits") +
		    $(stat_field "$line" accepted) +
		    $(stat_field "$line" blocked) +
		    $(stat_field "$line" ignored) +
		    $(stat_field "$line" "parse errors")))
		;;
	*)
		stat_field "$line" verdicts
		;;
	esac
}

# snap PREFIX: the counters, into PREFIX_rule, PREFIX_ids, PREFIX_v,
# PREFIX_cpu (ns on cpu) and PREFIX_ut (user-time ticks).
snap() {
	eval "$1_rule=\$(rule_packets)"
	eval "$1_ids=\$(queue_field 8)"
	eval "$1_v=\$(verdicts)"
	eval "$1_cpu=\$(cut -d ' ' -f 1 /proc/$CUR_PID/schedstat)"
	eval "$1_ut=\$(cut -d ')' -f 2 /proc/$CUR_PID/stat | cut -d ' ' -f 13)"
	eval "$1_st=\$(cut -d ')' -f 2 /proc/$CUR_PID/stat | cut -d ' ' -f 14)"
}

# The differences between snapshots a and b, in D_*.
# shellcheck disable=SC2154 # set by snap through eval
delta() {
	D_rule=$((b_rule - a_rule))
	D_v=$((b_v - a_v))
	D_unv=$((D_rule - D_v))
	D_full=$((D_rule - (b_ids - a_ids)))
	D_ovf=$((b_ids - a_ids - D_v))
	D_cpu=$((b_cpu - a_cpu))
	D_ut=$((b_ut - a_ut))
	D_st=$((b_st - a_st))
}

QFILE=""
start_prog() {
	CUR=$1
	case $1 in
	mxallowd)
		write_config 3600
		start_mxallowd -q -b --max-entries $((LISTED * 2))
		taskset -a -p -c 1 "$MXPID" >/dev/null
		CUR_PID=$MXPID
		CUR_LOG=$LOG
		;;
	one|batch)
		CUR_LOG=$TMP/$1.log
		taskset -c 1 ip netns exec "$NS_S" "$NFQREF" -m "$1" \
		    -n "$QUEUE" -d "$UNLISTED" -t 3600 >"$CUR_LOG" 2>&1 &
		CUR_PID=$!
		PIDS="$PIDS $CUR_PID"
		;;
	esac
	if ! wait_until 50 queue_bound; then
		echo "# $1 did not bind the queue" >&2
		cat "$CUR_LOG" >&2
		exit 1
	fi
	QFILE=/proc/$CUR_PID/net/netfilter/nfnetlink_queue
}

stop_prog() {
	kill -CONT "$CUR_PID" 2>/dev/null
	kill "$CUR_PID" 2>/dev/null
	wait "$CUR_PID" 2>/dev/null
	forget "$CUR_PID"
	wait_until 50 queue_unbound
	CUR_PID=""
}

# The preload: one fake-MX SYN from each listed sender, paced.
preload() {
	snap a
	send -n "$LISTED" -R "$RATE" -p F -w "$QFILE" -q "$QUEUE" \
	    -t 30 >/dev/null
	snap b
	delta
	if [ "$D_unv" -ne 0 ]; then
		echo "# $CUR: $D_unv preload SYNs not verdicted" >&2
	fi
	if [ "$CUR" = mxallowd ]; then
		n=$(stat_field "$(prog_stats)" "whitelist entries")
		[ "$n" -ge "$LISTED" ] ||
		    echo "# mxallowd: only $n whitelist entries" >&2
	fi
}

# The fixed rate: CPU per verdict, unverdicted SYNs, the largest backlog.
fixed_rate() {
	snap a
	out=$(send -n $((RATE * 3)) -R "$RATE" -p "$PATTERN" -w "$QFILE" \
	    -q "$QUEUE" -t 15)
	snap b
	delta
	record cpu_us "$(awk -v c="$D_cpu" -v v="$D_v" \
	    'BEGIN { printf "%.3f", v ? c / v / 1000 : 0 }')"
	record user_share "$(awk -v u="$D_ut" -v s="$D_st" \
	    'BEGIN { printf "%.2f", u + s ? u / (u + s) : 0 }')"
	record unv_fixed "$D_unv"
	record backlog_fixed "$(echo "$out" |
	    sed -n 's/.*largest seen \([0-9]*\).*/\1/p')"
}

# drain [PREFIX]: the drain rate, over DRAIN_FILLS fills of DRAIN_N SYNs,
# recorded as PREFIXdrain_rate, PREFIXdrain_cpu_us and PREFIXunv_drain.
drain() {
	key=${1:-}
	total=0
	secs=0
	cpu=0
	unv=0
	i=0
	while [ "$i" -lt "$DRAIN_FILLS" ]; do
		snap a
		kill -STOP "$CUR_PID"
		out=$(send -n "$DRAIN_N" -p "$PATTERN" -w "$QFILE" -q "$QUEUE" \
		    -c "$CUR_PID" -t 10)
		kill -CONT "$CUR_PID"
		wait_until 50 queue_drained
		snap b
		delta
		n=$(echo "$out" | sed -n 's/^drained \([0-9]*\) .*/\1/p')
		t=$(echo "$out" | sed -n 's/^drained .* in \([0-9.]*\) s (.*/\1/p')
		if [ -z "$n" ] || [ -z "$t" ]; then
			echo "# $CUR: drain failed: $out" >&2
			return
		fi
		total=$((total + n))
		secs=$(awk -v a="$secs" -v b="$t" 'BEGIN { print a + b }')
		cpu=$((cpu + D_cpu))
		unv=$((unv + D_unv))
		i=$((i + 1))
	done
	record "${key}drain_rate" "$(awk -v n="$total" -v t="$secs" \
	    'BEGIN { printf "%.0f", n / t }')"
	record "${key}drain_cpu_us" "$(awk -v c="$cpu" -v n="$total" \
	    'BEGIN { printf "%.3f", c / n / 1000 }')"
	record "${key}unv_drain" "$unv"
}

queue_drained() {
	[ "$(queue_field 3)" = 0 ]
}

# try_rate R: 2 s at R SYN/s; sets T_unv and T_ok (1: no SYN unverdicted
# and the sender kept the rate).
try_rate() {
	snap a
	out=$(send -n $(($1 * 2)) -R "$1" -p "$PATTERN" -w "$QFILE" \
	    -q "$QUEUE" -t 10)
	snap b
	delta
	T_unv=$D_unv
	T_full=$D_full
	T_ovf=$D_ovf
	got=$(echo "$out" | sed -n 's/^sent .*(\([0-9]*\)\/s).*/\1/p')
	T_ok=0
	if [ "$D_unv" -eq 0 ] && [ "${got:-0}" -ge $(($1 * 97 / 100)) ]; then
		T_ok=1
	fi
	T_sender=0
	[ "${got:-0}" -ge $(($1 * 97 / 100)) ] || T_sender=1
}

# The highest rate of the ladder sustained without a loss.
sustained() {
	best=0
	limit=""
	for r in $RATE $LADDER; do
		try_rate "$r"
		if [ "$T_ok" -ne 1 ]; then
			[ "$T_sender" -eq 1 ] && [ "$T_unv" -eq 0 ] && limit="+"
			break
		fi
		best=$r
	done
	record sustained "$best$limit"
	SUSTAINED=$best
}

# at_rate R: the unverdicted SYNs at the batched reference's rate.
at_rate() {
	[ "$1" -gt 0 ] || return
	try_rate "$1"
	record unv_at_ref "$T_unv"
	record full_at_ref "$T_full"
	record ovf_at_ref "$T_ovf"
}

# latency KIND: connect() times, idle or under RATE SYN/s.
latency() {
	bg=""
	if [ "$1" = loaded ]; then
		send -n $((RATE * 4)) -R "$RATE" -p "$PATTERN" -t 8 \
		    >/dev/null &
		bg=$!
		PIDS="$PIDS $bg"
		sleep 0.5
	fi
	out=$(taskset -c 0 ip netns exec "$NS_C" "$CONNLAT" -b "$CLIENT6" \
	    -n "$LAT_N" -i 200 -w 1000 -t 20 "$REAL6")
	if [ -n "$bg" ]; then
		wait "$bg"
		forget "$bg"
	fi
	record "p50_$1" "$(echo "$out" | sed -n 's/.* p50 \([0-9.]*\) us.*/\1/p')"
	record "p99_$1" "$(echo "$out" | sed -n 's/.* p99 \([0-9.]*\) us.*/\1/p')"
	record "lat_failed_$1" "$(echo "$out" |
	    sed -n 's/.* failed \([0-9]*\),.*/\1/p')"
}

run_kernel() {
	CUR=kernel
	rules_kernel
	out=$(send -n 1000000 -p "$PATTERN" -t 20)
	record ceiling "$(echo "$out" | sed -n 's/^sent .*(\([0-9]*\)\/s).*/\1/p')"
	latency idle
	latency loaded
	rules_queue
}

nft_loaded() {
	in_server nft list set inet "$NFT_TABLE" wl6 >/dev/null 2>&1
}

# The nftables backend: the table instead of the queue rule.
run_nft() {
	CUR=nftables
	rules_none
	write_config 3600
	sed -i '/^queue-num/d' "$CONF"
	printf 'backend nftables\nnft-table %s\n' "$NFT_TABLE" >>"$CONF"
	start_mxallowd -q -b --max-entries $((LISTED * 2))
	taskset -a -p -c 1 "$MXPID" >/dev/null
	CUR_PID=$MXPID
	CUR_LOG=$LOG
	wait_until 50 nft_loaded || { echo "# no nftables table" >&2; exit 1; }
	send -n "$LISTED" -R "$RATE" -p F -t 30 >/dev/null
	n=$(in_server nft -j list set inet "$NFT_TABLE" wl6 |
	    grep -o '"expires"' | wc -l)
	[ "$n" -ge "$LISTED" ] ||
	    echo "# nftables: only $n elements in the set" >&2
	ip netns exec "$NS_C" "$CONNLAT" -b "$CLIENT6" -n 1 -w 200 \
	    "$FAKE6" >/dev/null 2>&1
	out=$(send -n 1000000 -p "$PATTERN" -t 20)
	record ceiling "$(echo "$out" | sed -n 's/^sent .*(\([0-9]*\)\/s).*/\1/p')"
	latency idle
	latency loaded
	kill "$CUR_PID"
	wait "$CUR_PID" 2>/dev/null
	forget "$CUR_PID"
	in_server "$MXALLOWD" -c "$CONF" --remove-table >/dev/null
	rules_queue
}

run_prog() {
	start_prog "$1"
	preload
	# The latency client is a listed sender: one try at the fake MX.
	ip netns exec "$NS_C" "$CONNLAT" -b "$CLIENT6" -n 1 -w 200 \
	    "$FAKE6" >/dev/null 2>&1
	fixed_rate
	drain
	if [ "$1" = batch ]; then
		sustained
		REF_RATE=$SUSTAINED
	else
		sustained
		if [ "$SUSTAINED" -lt "$REF_RATE" ]; then
			at_rate "$REF_RATE"
		else
			record unv_at_ref 0
			record full_at_ref 0
			record ovf_at_ref 0
		fi
	fi
	latency idle
	latency loaded
	stop_prog
}

[ "$WAIT_QUIET" -gt 0 ] && wait_quiet "$MAX_LOAD" "$WAIT_QUIET"
LOAD_BEFORE=$(load_now)
: >"$RES"

setup_net
# Answers to the forged sources die in the server namespace.
in_server ip -6 route add blackhole 2001:db8:e::/47
MAC=$(in_server cat /sys/class/net/vs/address)
ip netns exec "$NS_S" "$CONNLAT" -l "$REAL6" -t 3600 >"$TMP/listener.log" 2>&1 &
PIDS="$PIDS $!"
rules_queue
# The client learns the server's link address before the clock starts.
ip netns exec "$NS_C" "$CONNLAT" -b "$CLIENT6" -n 1 -w 1000 "$REAL6" \
    >/dev/null 2>&1

round=1
while [ "$round" -le "$ROUNDS" ]; do
	echo "# round $round of $ROUNDS (load $(load_now))" >&2
	REF_RATE=0
	run_kernel
	run_nft
	for p in $PROGS; do
		run_prog "$p"
	done
	round=$((round + 1))
done

# The drains again, the batched loop's and mxallowd's alternating, a
# pair a few seconds apart: this VM's cpus have slow spells that last
# longer than that, and a ratio taken within a pair does not see them.
# The rounds above keep each program's other figures together.
pair=1
case $PROGS in
*batch*mxallowd*) ;;
*) DRAIN_PAIRS=0 ;;
esac
while [ "$pair" -le "$DRAIN_PAIRS" ]; do
	round=$pair
	# Who goes first alternates too: the second of a pair meets a
	# kernel that has just handled the first one's traffic.
	order="batch mxallowd"
	[ $((pair % 2)) -eq 0 ] && order="mxallowd batch"
	for p in $order; do
		start_prog "$p"
		preload
		drain pair_
		stop_prog
	done
	pair=$((pair + 1))
done
LOAD_AFTER=$(load_now)

# med PROGRAM KEY: the median over the rounds.
med() {
	# shellcheck disable=SC2046 # one value per round
	median $(awk -v p="$1" -v k="$2" '$1 == p && $2 == k { print $3 }' \
	    "$RES" | tr -d '+')
}

# sus PROGRAM: the median sustained rate, "+" when the sender was the
# limit in most rounds.
sus() {
	m=$(med "$1" sustained)
	plus=$(awk -v p="$1" '$1 == p && $2 == "sustained" && /\+$/' "$RES" |
	    wc -l)
	[ "$plus" -gt $((ROUNDS / 2)) ] && m="$m+"
	echo "$m"
}

# rratios PROGRAM REF KEY: PROGRAM's KEY over REF's, one line for each
# round (or pair) that has both.
rratios() {
	awk -v p="$1" -v r="$2" -v k="$3" '
	    $2 == k && ($1 == p || $1 == r) { v[$4, $1] = $3 + 0; n[$4] = 1 }
	    END { for (i in n) if (v[i, r] > 0 && (i, p) in v)
		printf "%.4f\n", v[i, p] / v[i, r] }' "$RES"
}

# rmed PROGRAM REF KEY: the median of those ratios (a round's figures are
# minutes apart, the rounds' medians could come from different spells of
# the machine).
rmed() {
	# shellcheck disable=SC2046 # one value per round
	ratio "$(median $(rratios "$@"))" 1
}

# The lowest and the highest of the alternated drains' ratios.
pair_extremes() {
	rratios mxallowd batch pair_drain_rate | sort -g | awk '
	    NR == 1 { lo = $1 } { hi = $1 }
	    END { if (NR) printf "lowest %.2f, highest %.2f", lo, hi }'
}

REFR=$(med batch sustained)
mkdir -p bench/results
{
	echo "# NFQUEUE gate, $(date -u +%Y-%m-%d), $(machine)"
	echo "# load (1, 5, 15 min) before $LOAD_BEFORE, after $LOAD_AFTER"
	echo "# mxallowd: $MXALLOWD, source $(revision)"
	echo "# IPv6 SYNs over a veth, sender on cpu 0, program on cpu 1;" \
	    "whitelist of $LISTED; traffic $PATTERN"
	echo "# (F fake MX, R real MX listed, B real MX unlisted: dropped);" \
	    "median of $ROUNDS rounds"
	echo
	printf '%-24s %11s %10s %11s %6s %12s %11s %11s\n' "" "drain" \
	    "cpu us/v" "cpu us/v" "user" "unverdicted" "sustained" \
	    "unverdicted"
	printf '%-24s %11s %10s %11s %6s %12s %11s %11s\n' "" "verdicts/s" \
	    "draining" "at $RATE/s" "share" "at $RATE/s" "SYN/s" \
	    "at $REFR/s"
	printf '%-24s %11s %10s %11s %6s %12s %11s %11s\n' \
	    "kernel, no queue" "$(med kernel ceiling)" - - - - - -
	for p in one batch mxallowd; do
		case $p in
		one) name="one verdict per recv" ;;
		batch) name="batched (recvmmsg 64)" ;;
		mxallowd) name="mxallowd -b" ;;
		esac
		printf '%-24s %11s %10s %11s %6s %12s %11s %11s\n' "$name" \
		    "$(med $p drain_rate)" "$(med $p drain_cpu_us)" \
		    "$(med $p cpu_us)" "$(med $p user_share)" \
		    "$(med $p unv_fixed)" "$(sus $p)" \
		    "$(if [ $p = batch ]; then echo 0; else med $p unv_at_ref; fi)"
	done
	for ref in batch one; do
		printf '%-24s %11s %10s %11s %6s %12s %11s %11s\n' \
		    "mxallowd / $ref" \
		    "$(rmed mxallowd $ref drain_rate)" \
		    "$(rmed mxallowd $ref drain_cpu_us)" \
		    "$(rmed mxallowd $ref cpu_us)" \
		    - - \
		    "$(rmed mxallowd $ref sustained)" -
	done
	echo "drain, alternated: $DRAIN_PAIRS pairs, mxallowd / batch" \
	    "per pair: median $(rmed mxallowd batch pair_drain_rate)" \
	    "($(pair_extremes))"
	echo
	echo "# connect() to the real MX through the gate, $LAT_N connections" \
	    "from a whitelisted client, microseconds"
	printf '%-24s %9s %9s %12s %12s\n' "" "idle p50" "idle p99" \
	    "loaded p50" "loaded p99"
	for p in kernel nftables one batch mxallowd; do
		case $p in
		kernel) name="kernel, no queue" ;;
		nftables) name="nftables backend" ;;
		one) name="one verdict per recv" ;;
		batch) name="batched (recvmmsg 64)" ;;
		mxallowd) name="mxallowd -b" ;;
		esac
		printf '%-24s %9s %9s %12s %12s\n' "$name" \
		    "$(med $p p50_idle)" "$(med $p p99_idle)" \
		    "$(med $p p50_loaded)" "$(med $p p99_loaded)"
	done
	for ref in one batch kernel; do
		printf '%-24s %9s %9s %12s %12s\n' "mxallowd / $ref" \
		    "$(rmed mxallowd $ref p50_idle)" \
		    "$(rmed mxallowd $ref p99_idle)" \
		    "$(rmed mxallowd $ref p50_loaded)" \
		    "$(rmed mxallowd $ref p99_loaded)"
	done
	printf '%-24s %9s %9s %12s %12s\n' "nftables / kernel" \
	    "$(rmed nftables kernel p50_idle)" \
	    "$(rmed nftables kernel p99_idle)" \
	    "$(rmed nftables kernel p50_loaded)" \
	    "$(rmed nftables kernel p99_loaded)"
	echo
	echo "# the two Linux backends: SYNs per second through the gate and" \
	    "connect() p50/p99 idle (us)"
	printf '%-24s %11s %9s %9s\n' "" "SYN/s" "p50" "p99"
	printf '%-24s %11s %9s %9s\n' "kernel, no queue" \
	    "$(med kernel ceiling)" "$(med kernel p50_idle)" \
	    "$(med kernel p99_idle)"
	printf '%-24s %11s %9s %9s\n' "nftables backend" \
	    "$(med nftables ceiling)" "$(med nftables p50_idle)" \
	    "$(med nftables p99_idle)"
	printf '%-24s %11s %9s %9s\n' "nfqueue backend" \
	    "$(sus mxallowd)" "$(med mxallowd p50_idle)" \
	    "$(med mxallowd p99_idle)"
	printf '%-24s %11s %9s %9s\n' "nftables / kernel" \
	    "$(rmed nftables kernel ceiling)" \
	    "$(rmed nftables kernel p50_idle)" \
	    "$(rmed nftables kernel p99_idle)"
	echo "# kernel and nftables: 1,000,000 SYNs as fast as the sender" \
	    "goes (the receiving kernel works on its cpu); nfqueue: the" \
	    "highest rate sustained with no SYN unverdicted"
	echo
	echo "# sustained: the highest rate of $RATE $LADDER with no SYN" \
	    "unverdicted; + the sender could go no faster (not a loss)"
	echo "# unverdicted SYNs at $REFR/s, queue full / socket overflow:" \
	    "one $(med one full_at_ref) / $(med one ovf_at_ref)," \
	    "mxallowd $(med mxallowd full_at_ref) / $(med mxallowd ovf_at_ref)"
	echo "# connects that failed (idle/loaded): one" \
	    "$(med one lat_failed_idle)/$(med one lat_failed_loaded)," \
	    "batch $(med batch lat_failed_idle)/$(med batch lat_failed_loaded)," \
	    "mxallowd $(med mxallowd lat_failed_idle)/$(med mxallowd lat_failed_loaded)"
	echo "# unverdicted while draining (should be 0): one" \
	    "$(med one unv_drain), batch $(med batch unv_drain)," \
	    "mxallowd $(med mxallowd unv_drain)"
} | tee "$OUT"
cp "$RES" "$OUT.raw"
