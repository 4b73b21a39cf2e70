#!/bin/sh
# Reverse-DNS sibling whitelisting against a real DNS server (dnsmasq) in
# the server namespace, and whitelisting by network prefix.
#
#   198.51.100.10, .11, 2001:db8:1::10  pool.mail.example.test (shared name)
#   198.51.100.12  PTR liar.example.test, which resolves to .13 only
#   198.51.100.14  big.example.test, with 99 more addresses in 203.0.113/24
#   198.51.100.15  no PTR (NXDOMAIN)
#   198.51.100.16  PTR x.servfail.test, whose lookup fails (SERVFAIL)
. "$(dirname "$0")/../lib/netns.sh"
need dnsmasq
need_file "$ROOT/build/tools/pflogen" "make tests"

DEAD_DNS=192.0.2.54
HOSTS=$TMP/hosts

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

start_dns() {
	{
		echo "198.51.100.10 pool.mail.example.test"
		echo "198.51.100.11 pool.mail.example.test"
		echo "2001:db8:1::10 pool.mail.example.test"
		echo "198.51.100.14 big.example.test"
		i=1
		while [ $i -le 99 ]; do
			echo "203.0.113.$i big.example.test"
			i=$((i + 1))
		done
	} >"$HOSTS"
	# dnsmasq reads it after dropping to an unprivileged user.
	chmod 755 "$TMP"
	chmod 644 "$HOSTS"
	in_server ip addr add "$DNS_ADDR/32" dev lo
	ip netns exec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null \
	    --no-resolv --no-hosts --no-poll --bind-interfaces \
	    --listen-address="$DNS_ADDR" --pid-file= --addn-hosts="$HOSTS" \
	    --local=/100.51.198.in-addr.arpa/ --local=/example.test/ \
	    --ptr-record=12.100.51.198.in-addr.arpa,liar.example.test \
	    --host-record=liar.example.test,198.51.100.13 \
	    --ptr-record=16.100.51.198.in-addr.arpa,x.servfail.test \
	    --server=/servfail.test/192.0.2.55 2>/dev/null &
	PIDS="$PIDS $!"
	wait_until 50 sh -c "ip netns exec $NS_S ss -Hlun | grep -q $DNS_ADDR:53"
}

# Each section starts afresh: no whitelist restored from the state file.
restart_mxallowd() {
	kill "$MXPID"
	wait_until 50 gone "$MXPID"
	rm -f "$TMP/state/whitelist"
	start_mxallowd -d "$@"
}

setup_net
setup_firewall
in_server ip route add 203.0.113.0/24 dev vs
in_client ip addr add 203.0.113.200/24 dev vc
start_listener
start_dns
write_config 60
start_mxallowd -d

# Two addresses sharing one name.
t0=$(now_ms)
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "sender .10 is delivered through the fake MX" [ "$RC" -eq 0 ]
i=0
while [ $i -lt 500 ] &&
    ! log_has "whitelist sibling 198.51.100.11 of 198.51.100.10"; do
	sleep 0.01
	i=$((i + 1))
done
t1=$(now_ms)
check "its name's other IPv4 address .11 is whitelisted ($((t1 - t0)) ms after the fake-MX hit)" \
    log_has "whitelist sibling 198.51.100.11 of 198.51.100.10"
echo "# fake-MX hit to sibling whitelisted: $((t1 - t0)) ms"
check "its name's IPv6 address is whitelisted too" \
    log_has "whitelist sibling 2001:db8:1::10 of 198.51.100.10"
probe 198.51.100.11 2000 connect "$REAL4"
check "sibling .11 connects to the real MX directly" [ "$RC" -eq 0 ]
probe 2001:db8:1::10 2000 connect "$REAL6"
check "IPv6 sibling connects to the real MX directly" [ "$RC" -eq 0 ]

# A PTR name that does not resolve back to the sender.
probe 198.51.100.12 3000 mta "$FAKE4" "$REAL4"
check "sender .12 (lying PTR) is delivered" [ "$RC" -eq 0 ]
wait_until 50 log_has "rdns 198.51.100.12: name does not resolve back"
check "its lookup is reported unconfirmed" \
    log_has "rdns 198.51.100.12: name does not resolve back"
probe 198.51.100.13 1500 connect "$REAL4"
check "the lying name's address .13 is not whitelisted" [ "$RC" -eq 2 ]

# A name with 100 addresses: at most rdns-max-addresses (32) are taken.
probe 198.51.100.14 3000 mta "$FAKE4" "$REAL4"
wait_until 50 log_has "rdns 198.51.100.14: found big.example.test"
n=$(grep -c "whitelist sibling .* of 198.51.100.14 " "$LOG")
check "a 100-address name adds at most 32 addresses ($n siblings)" \
    in_range "$n" 31 32

# NXDOMAIN and SERVFAIL: only the sender, no crash, counted.
probe 198.51.100.15 3000 mta "$FAKE4" "$REAL4"
check "sender without PTR (NXDOMAIN) is delivered" [ "$RC" -eq 0 ]
wait_until 50 log_has "rdns 198.51.100.15: no PTR name"
check "the missing PTR is reported" log_has "rdns 198.51.100.15: no PTR name"
probe 198.51.100.16 3000 mta "$FAKE4" "$REAL4"
check "sender whose name fails to resolve (SERVFAIL) is delivered" \
    [ "$RC" -eq 0 ]
wait_until 80 log_has "rdns 198.51.100.16: lookup failed"
check "the failed lookup is reported" log_has "rdns 198.51.100.16: lookup failed"
check "the daemon is alive" kill -0 "$MXPID"

# A second hit from a known sender is answered from the cache.
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
wait_until 30 log_has "rdns 198.51.100.10: found pool.mail.example.test (3 addresses), cached"
check "a repeated sender is answered from the cache" \
    log_has "rdns 198.51.100.10: found pool.mail.example.test (3 addresses), cached"

stats=$(stats_line)
echo "# $stats"
check "statistics count 5 lookups" contains "$stats" "rdns lookups 5,"
check "statistics count 3 failed lookups" contains "$stats" "rdns failed 3,"
check "statistics count the siblings added" \
    contains_re "$stats" "rdns siblings 3[34](,|$)"

# Replay (-R) looks up siblings too, as if DNS answered at once: in a
# pflog file of either layout and in an Ethernet capture.
PFLOGEN=$ROOT/build/tools/pflogen
for layout in openbsd freebsd ether; do
	"$PFLOGEN" -l "$layout" -o "$TMP/siblings-$layout.pcap" siblings
	out=$(in_server "$MXALLOWD" -c /dev/null -f "$FAKE4" -r "$REAL4" \
	    -R "$TMP/siblings-$layout.pcap" 2>&1)
	echo "$out" | sed "s/^/# $layout: /"
	check "replay ($layout): the sender's sibling is whitelisted" \
	    contains "$out" "000 whitelist 198.51.100.11 -"
	check "replay ($layout): so is its IPv6 sibling" \
	    contains "$out" "000 whitelist 2001:db8:1::10 -"
	check "replay ($layout): the sibling's real-MX SYN passes" \
	    contains "$out" "000 pass 198.51.100.11 $REAL4"
	check "replay ($layout): the stranger is blocked" \
	    contains "$out" "000 block 198.51.100.12 $REAL4"
done
out=$(in_server "$MXALLOWD" -t 5 -c /dev/null -f "$FAKE4" -r "$REAL4" \
    -R "$TMP/siblings-ether.pcap" 2>&1)
echo "$out" | sed "s/^/# -t 5: /"
check "replay: siblings answered from the cache are printed too" \
    contains "$out" "1700000020.000000 whitelist 198.51.100.11 -"
check "replay: and the sibling passes again" \
    contains "$out" "1700000021.000000 pass 198.51.100.11 $REAL4"
out=$(in_server "$MXALLOWD" -b -c /dev/null -f "$FAKE4" -r "$REAL4" \
    -R "$TMP/siblings-ether.pcap" 2>&1)
check "replay with -b: no sibling, so its SYN is blocked" \
    contains "$out" "000 block 198.51.100.11 $REAL4"

# In a chroot the system resolver finds the copies of its files.
mkdir "$TMP/jail"
echo "chroot $TMP/jail" >>"$CONF"
restart_mxallowd
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
wait_until 50 log_has "whitelist sibling 198.51.100.11 of 198.51.100.10"
check "chrooted, the sender's siblings are still found" \
    log_has "whitelist sibling 198.51.100.11 of 198.51.100.10"
check "the resolver's files were copied into the chroot" \
    [ -s "$TMP/jail/etc/resolv.conf" ]
check "the daemon's root is the chroot" \
    same_file "/proc/$MXPID/root" "$TMP/jail"
sed -i '/^chroot /d' "$CONF"

# Forward confirmation off: the lying name's address is taken.
echo "rdns-require-forward-confirm no" >>"$CONF"
restart_mxallowd
probe 198.51.100.12 3000 mta "$FAKE4" "$REAL4"
wait_until 50 log_has "whitelist sibling 198.51.100.13 of 198.51.100.12"
check "without forward confirmation the PTR name's address is whitelisted" \
    log_has "whitelist sibling 198.51.100.13 of 198.51.100.12"

# -b: no siblings.
restart_mxallowd -b
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
sleep 1
probe 198.51.100.11 1500 connect "$REAL4"
check "with -b a sibling is not whitelisted" [ "$RC" -eq 2 ]
check "with -b no lookup is made" sh -c "! grep -q 'rdns ' '$LOG'"

# Prefixes: a /24 and a /64 instead of single addresses.
printf 'whitelist-prefix4 24\nwhitelist-prefix6 64\n' >>"$CONF"
restart_mxallowd -b
probe 198.51.100.17 3000 mta "$FAKE4" "$REAL4"
probe 198.51.100.18 2000 connect "$REAL4"
check "whitelist-prefix4 24: a neighbour in the /24 connects directly" \
    [ "$RC" -eq 0 ]
probe 203.0.113.200 1500 connect "$REAL4"
check "whitelist-prefix4 24: a host outside the /24 is dropped" [ "$RC" -eq 2 ]
probe 2001:db8:1::17 3000 mta "$FAKE6" "$REAL6"
probe 2001:db8:1::18 2000 connect "$REAL6"
check "whitelist-prefix6 64: a neighbour in the /64 connects directly" \
    [ "$RC" -eq 0 ]
stats=$(stats_line)
check "one entry per network: 2 entries for 4 senders" \
    contains "$stats" "whitelist entries 2,"

# A dead DNS server (queries dropped; 5 s x 2 tries per lookup) must not
# delay a single verdict.  Latency of connections through the gate, for
# fresh senders (each starts a lookup) and for whitelisted ones.
gate_latency() {
	PROBE_QUIET=1
	worst=0
	for h in 10 11 12 13 14 15 16 17 18 19; do
		probe "198.51.100.$h" 3000 mta "$FAKE4" "$REAL4"
		for ms in $(probe_ms "$FAKE4") $(probe_ms "$REAL4"); do
			[ "$ms" -gt "$worst" ] && worst=$ms
		done
		probe "2001:db8:1::$h" 3000 mta "$FAKE6" "$REAL6"
		for ms in $(probe_ms "$FAKE6") $(probe_ms "$REAL6"); do
			[ "$ms" -gt "$worst" ] && worst=$ms
		done
	done
	PROBE_QUIET=
	echo "$worst"
}
sed -i '/^whitelist-prefix/d' "$CONF"
restart_mxallowd
healthy=$(gate_latency)
in_server ip addr add "$DEAD_DNS/32" dev lo
in_server iptables -I INPUT -d "$DEAD_DNS" -j DROP
set_resolver "$DEAD_DNS" 5 2
restart_mxallowd
dead=$(gate_latency)
echo "# worst connect time through the gate: healthy DNS ${healthy} ms, dead DNS ${dead} ms"
check "a dead DNS server does not delay verdicts (worst ${dead} ms; a blocking lookup takes >= 5000 ms)" \
    [ "$dead" -lt 500 ]
stats=$(stats_line)
echo "# $stats"
check "the lookups to the dead server are still pending, not blocking" \
    contains "$stats" "rdns lookups 0,"
finish
