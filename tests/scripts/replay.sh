#!/bin/sh
# Offline replay (-R): every pflogen scenario in every layout (pflog as
# OpenBSD and FreeBSD log it, Ethernet, VLAN, Linux cooked, raw IP, BSD
# loopback) is decoded by tcpdump, replayed by mxallowd, and the decision
# lines and summary compared with what they must be.  Files that are
# missing, corrupt, truncated or of an unsupported link type are refused
# with exit status 1, and damaged packets never crash the replay.
# Runs the normal build and, when it exists, the ASan+UBSan build.
set -u
cd "$(dirname "$0")/../.." || exit 1

PFLOGEN=build/tools/pflogen
LAYOUTS="openbsd freebsd ether vlan sll raw null"
SCENARIOS="fake-real4 fake-real6 direct race expiry noise"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
. tests/tap.sh
. tests/lib/need.sh
need tcpdump

# result DESCRIPTION: one test line from the status of the last command.
result() {
	if [ $? -eq 0 ]; then ok "$1"; else not_ok "$1"; fi
}

# Show a difference as TAP comments.
same() {
	if diff -u "$1" "$2" >"$tmp/diff"; then
		return 0
	fi
	sed 's/^/# /' "$tmp/diff"
	return 1
}

# Packets the summary in file $1 does not account for: 0 when each packet
# is malformed, ignored or decided exactly once.
accounted() {
	awk -F'[ ,]+' '/^summary:/ {
		for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
		print v["packets"] - v["malformed"] - v["ignored"] - \
		    v["whitelisted"] - v["refreshed"] - v["passed"] - v["blocked"]
	}' "$1"
}

replay() {
	# -b: no reverse-DNS lookups here (tests/integration/rdns.sh has them).
	"$MXALLOWD" -b -c /dev/null -f 192.0.2.10 -f 2001:db8::10 \
	    -r 192.0.2.20 -r 2001:db8::20 -t 60 -R "$@"
}

# The decisions and summary a scenario must give; pflog layouts carry
# pf's verdict and direction, the others do not.
expected() {
	scenario=$1
	kind=$2
	case $scenario in
	fake-real4) cat <<'EOF'
1700000000.000000 whitelist 198.51.100.1 192.0.2.10
1700000000.001500 pass 198.51.100.1 192.0.2.20
1700000030.000000 refresh 198.51.100.1 192.0.2.10
summary: packets 6, malformed 0, ignored 3, whitelisted 1, refreshed 1, passed 1, blocked 0, blocked-sources 0, expired 0, evicted 0, entries 1
EOF
		;;
	fake-real6) cat <<'EOF'
1700000000.000000 whitelist 2001:db8:1::1 2001:db8::10
1700000000.001500 pass 2001:db8:1::1 2001:db8::20
1700000030.000000 refresh 2001:db8:1::1 2001:db8::10
summary: packets 6, malformed 0, ignored 3, whitelisted 1, refreshed 1, passed 1, blocked 0, blocked-sources 0, expired 0, evicted 0, entries 1
EOF
		;;
	direct) cat <<'EOF'
1700000000.000000 block 198.51.100.2 192.0.2.20
1700000003.000000 block 198.51.100.2 192.0.2.20
1700000009.000000 block 198.51.100.2 192.0.2.20
1700000020.000000 block 198.51.100.3 192.0.2.20
1700000025.000000 block 2001:db8:1::2 2001:db8::20
summary: packets 5, malformed 0, ignored 0, whitelisted 0, refreshed 0, passed 0, blocked 5, blocked-sources 3, expired 0, evicted 0, entries 0
EOF
		;;
	race)
		# pf dropped the SYN that beat the table add; without pf's
		# verdict the core alone passes it.
		if [ "$kind" = pflog ]; then cat <<'EOF'
1700000000.000000 whitelist 198.51.100.1 192.0.2.10
1700000000.001000 block 198.51.100.1 192.0.2.20
1700000001.001000 pass 198.51.100.1 192.0.2.20
summary: packets 3, malformed 0, ignored 0, whitelisted 1, refreshed 0, passed 1, blocked 1, blocked-sources 1, expired 0, evicted 0, entries 1
EOF
		else cat <<'EOF'
1700000000.000000 whitelist 198.51.100.1 192.0.2.10
1700000000.001000 pass 198.51.100.1 192.0.2.20
1700000001.001000 pass 198.51.100.1 192.0.2.20
summary: packets 3, malformed 0, ignored 0, whitelisted 1, refreshed 0, passed 2, blocked 0, blocked-sources 0, expired 0, evicted 0, entries 1
EOF
		fi
		;;
	expiry) cat <<'EOF'
1700000000.000000 whitelist 198.51.100.1 192.0.2.10
1700000005.000000 pass 198.51.100.1 192.0.2.20
1700000065.000000 expire 198.51.100.1 -
1700000070.000000 whitelist 198.51.100.2 192.0.2.10
1700000075.000000 block 198.51.100.1 192.0.2.20
summary: packets 4, malformed 0, ignored 0, whitelisted 2, refreshed 0, passed 1, blocked 1, blocked-sources 1, expired 1, evicted 0, entries 1
EOF
		;;
	noise)
		cat <<'EOF'
1700000001.200000 whitelist 198.51.100.4 192.0.2.10
1700000001.300000 whitelist 2001:db8:1::7 2001:db8::10
EOF
		# Four packets exist only with a pflog header: an outbound
		# SYN, a short header, a cut header, a contradicting af.
		if [ "$kind" = pflog ]; then
			echo "summary: packets 14, malformed 4, ignored 8, whitelisted 2, refreshed 0, passed 0, blocked 0, blocked-sources 0, expired 0, evicted 0, entries 2"
		else
			echo "summary: packets 10, malformed 1, ignored 7, whitelisted 2, refreshed 0, passed 0, blocked 0, blocked-sources 0, expired 0, evicted 0, entries 2"
		fi
		;;
	esac
}

# A line tcpdump must print for the scenario.
tcpdump_line() {
	case $1 in
	fake-real4|race) echo '198.51.100.1.40001 > 192.0.2.10.25: Flags \[S\]' ;;
	fake-real6) echo '2001:db8:1::1.40001 > 2001:db8::10.25: Flags \[S\]' ;;
	direct) echo '2001:db8:1::2.40001 > 2001:db8::20.25: Flags \[S\]' ;;
	expiry) echo '198.51.100.2.40001 > 192.0.2.10.25: Flags \[S\]' ;;
	noise) echo '2001:db8:1::7 > 2001:db8::10: HBH DSTOPT 40013 > 25: Flags \[S\]' ;;
	esac
}

if [ ! -x "$PFLOGEN" ] || [ ! -x build/mxallowd ]; then
	not_ok "build/mxallowd and $PFLOGEN missing: run make tests"
	exit 1
fi

# Generate every file once; tcpdump must read each packet of it.
for s in $SCENARIOS; do
	for l in $LAYOUTS; do
		f=$tmp/$s-$l.pcap
		check "pflogen $s, $l layout" "$PFLOGEN" -l "$l" -o "$f" "$s"
		tcpdump -r "$f" -nn >"$tmp/td" 2>/dev/null
		kind=plain
		case $l in openbsd|freebsd) kind=pflog ;; esac
		want=$(expected "$s" "$kind" | sed -n 's/^summary: packets \([0-9]*\),.*/\1/p')
		got=$(wc -l <"$tmp/td" | tr -d ' ')
		if [ "$got" = "$want" ] && grep -q "$(tcpdump_line "$s")" "$tmp/td"
		then
			ok "tcpdump decodes $s, $l layout ($got packets)"
		else
			sed 's/^/# /' "$tmp/td"
			not_ok "tcpdump decodes $s, $l layout ($got of $want packets)"
		fi
	done
done
tcpdump -r "$tmp/race-openbsd.pcap" -nn -e >"$tmp/td" 2>/dev/null
check "tcpdump reads pf's verdicts from an OpenBSD header" \
    grep -q 'block in on em0: 198.51.100.1.40001 > 192.0.2.20.25' \
    "$tmp/td"
tcpdump -r "$tmp/noise-freebsd.pcap" -nn -e >"$tmp/td" 2>/dev/null
check "tcpdump reads pf's direction from a FreeBSD header" \
    grep -q 'pass out on em0: 198.51.100.1.40005 > 192.0.2.10.25' \
    "$tmp/td"

# Damaged savefiles, made once.
printf 'this is not a pcap savefile, not at all\n' >"$tmp/garbage.pcap"
: >"$tmp/empty.pcap"
head -c 300 "$tmp/fake-real4-openbsd.pcap" >"$tmp/truncated.pcap"
"$PFLOGEN" -D 105 -o "$tmp/wifi.pcap" race
"$PFLOGEN" -n 3000 -s 300 -o "$tmp/bench.pcap" bench
# Overwrite bytes all over a pflog file, record headers included.
cp "$tmp/bench.pcap" "$tmp/damaged.pcap"
awk 'BEGIN { for (i = 0; i < 400; i++) print 24 + (i * 7919) % 400000 }' |
while read -r off; do
	printf '\377' | dd of="$tmp/damaged.pcap" bs=1 seek="$off" \
	    conv=notrunc 2>/dev/null
done
# Damage the packets only, in every layout.
for l in $LAYOUTS; do
	"$PFLOGEN" -x -l "$l" -n 5000 -s 300 -o "$tmp/fuzz-$l.pcap" bench
done

for MXALLOWD in build/mxallowd build/asan/mxallowd; do
	if [ ! -x "$MXALLOWD" ]; then
		skip "$MXALLOWD not built"
		continue
	fi
	for s in $SCENARIOS; do
		for l in $LAYOUTS; do
			kind=plain
			case $l in openbsd|freebsd) kind=pflog ;; esac
			expected "$s" "$kind" >"$tmp/want"
			replay "$tmp/$s-$l.pcap" >"$tmp/got" 2>"$tmp/err"
			rc=$?
			if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] &&
			    same "$tmp/want" "$tmp/got"; then
				ok "$MXALLOWD replays $s, $l layout"
			else
				sed 's/^/# stderr: /' "$tmp/err"
				not_ok "$MXALLOWD replays $s, $l layout (exit $rc)"
			fi
		done
	done

	replay "$tmp/expiry-openbsd.pcap" -q >"$tmp/got" 2>&1
	expected expiry pflog | tail -n 1 >"$tmp/want"
	same "$tmp/want" "$tmp/got"
	result "$MXALLOWD -q replay prints the summary only"

	# A capture holds no handshakes: fake-answer replays as rst.
	expected fake-real4 plain >"$tmp/want"
	replay "$tmp/fake-real4-ether.pcap" --fake-answer 450 >"$tmp/got" \
	    2>"$tmp/err"
	same "$tmp/want" "$tmp/got"
	result "$MXALLOWD --fake-answer 450 replays as rst"

	# "-" is standard input, read as stdio sets it up (a file gets a
	# larger buffer of mxallowd's own): the same decisions either way.
	expected expiry pflog >"$tmp/want"
	replay - <"$tmp/expiry-openbsd.pcap" >"$tmp/got" 2>&1
	same "$tmp/want" "$tmp/got"
	result "$MXALLOWD -R - replays standard input"

	replay "$tmp/no-such-file.pcap" >"$tmp/got" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q 'no-such-file.pcap' "$tmp/err"
	result "$MXALLOWD: a missing file is an error (exit $rc)"

	for bad in garbage empty; do
		replay "$tmp/$bad.pcap" >"$tmp/got" 2>"$tmp/err"
		rc=$?
		[ "$rc" -eq 1 ] && [ -s "$tmp/err" ] && [ ! -s "$tmp/got" ]
		result "$MXALLOWD: a $bad file is an error (exit $rc): $(cat "$tmp/err")"
	done

	replay "$tmp/truncated.pcap" >"$tmp/got" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q truncated "$tmp/err" &&
	    grep -q '^summary: packets 1,' "$tmp/got"
	result "$MXALLOWD: a truncated file is an error after its packets (exit $rc): $(cat "$tmp/err")"

	replay "$tmp/wifi.pcap" >"$tmp/got" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q 'unsupported link type' "$tmp/err"
	result "$MXALLOWD: an unsupported link type is an error (exit $rc): $(cat "$tmp/err")"

	# Every packet is accounted for exactly once.
	replay "$tmp/bench.pcap" -q >"$tmp/got" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 0 ] && [ "$(accounted "$tmp/got")" = 0 ]
	result "$MXALLOWD: 3000 generated packets all accounted for: $(cat "$tmp/got")"

	for l in $LAYOUTS; do
		replay "$tmp/fuzz-$l.pcap" -q >"$tmp/got" 2>"$tmp/err"
		rc=$?
		[ "$rc" -eq 0 ] && [ "$(accounted "$tmp/got")" = 0 ] &&
		    grep -q '^summary: packets 5000,' "$tmp/got"
		result "$MXALLOWD: 5000 damaged packets, $l layout: $(cat "$tmp/got")"
	done

	replay "$tmp/damaged.pcap" >"$tmp/got" 2>"$tmp/err"
	rc=$?
	[ "$rc" -le 1 ] && grep -q '^summary:' "$tmp/got"
	result "$MXALLOWD: a damaged pflog file ends cleanly (exit $rc): $(tail -n 1 "$tmp/got")"
done

echo "1..$tap_n"
tap_done
