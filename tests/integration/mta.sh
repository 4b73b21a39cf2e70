#!/bin/sh
# Real MTAs against the answering fake MX (issue 17): the Debian 12
# Postfix and Exim, unpacked by tests/install-deps.sh under build/mta
# (never installed), run with their own configuration and spool
# directories in the client namespace, deliver to example.test, whose MX
# records (dnsmasq in the server namespace) point at the fake MX
# (preference 10) and then the real one (20).  The real MX is Postfix's
# smtp-sink.  For each fake-answer mode and each MTA: the message reaches
# the real MX, and the MTA's own log shows what the fake MX did.
#
#   198.51.100.16   Exim's source address
#   198.51.100.17   Postfix's
. "$(dirname "$0")/../lib/netns.sh"
need dnsmasq
MTA=${MTA:-$ROOT/build/mta/root}
need_file "$MTA/usr/sbin/exim4" "sh tests/install-deps.sh"
need_file "$MTA/usr/lib/postfix/sbin/master" "sh tests/install-deps.sh"
LIBS=$MTA/usr/lib/postfix:$MTA/usr/lib/x86_64-linux-gnu
# A library the unpacked MTAs need and the machine lacks: say which, once,
# instead of a Postfix that cannot start its smtpd.
for prog in "$MTA/usr/sbin/exim4" "$MTA/usr/lib/postfix/sbin/smtpd" \
    "$MTA/usr/lib/postfix/sbin/smtp" "$MTA/usr/sbin/smtp-source"; do
	lost=$(LD_LIBRARY_PATH=$LIBS ldd "$prog" 2>&1 | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p')
	if [ -n "$lost" ]; then
		echo "not ok 1 - mta.sh: $(basename "$prog") lacks $(echo "$lost" | tr '\n' ' ')(sh tests/install-deps.sh)"
		exit 1
	fi
done
MTA_TIME=${MTA_TIME:-30}	# seconds a delivery may take

# The MTAs' users, seen only inside the namespaces ("ip netns exec" mounts
# /etc/netns/NAME/passwd over /etc/passwd): nothing changes on the host.
users() {
	mkdir -p "/etc/netns/$1"
	cp /etc/passwd "/etc/netns/$1/passwd"
	cp /etc/group "/etc/netns/$1/group"
	printf 'Debian-exim:x:60001:60001::/nonexistent:/usr/sbin/nologin\n' \
	    >>"/etc/netns/$1/passwd"
	printf 'postfix:x:60002:60002::/nonexistent:/usr/sbin/nologin\n' \
	    >>"/etc/netns/$1/passwd"
	printf 'Debian-exim:x:60001:\npostfix:x:60002:\npostdrop:x:60003:\n' \
	    >>"/etc/netns/$1/group"
}

start_dns() {
	in_server ip addr add "$DNS_ADDR/32" dev lo
	ip netns exec "$NS_S" dnsmasq --keep-in-foreground \
	    --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
	    --bind-interfaces --listen-address="$DNS_ADDR" --pid-file= \
	    --local=/example.test/ \
	    --mx-host=example.test,mx0.example.test,10 \
	    --mx-host=example.test,mx1.example.test,20 \
	    --host-record=mx0.example.test,"$FAKE4" \
	    --host-record=mx1.example.test,"$REAL4" 2>/dev/null &
	PIDS="$PIDS $!"
	wait_until 50 sh -c "ip netns exec $NS_S ss -Hlun | grep -q $DNS_ADDR:53"
}

# The real MX: Postfix's smtp-sink, which keeps every message it gets.
start_sink() {
	mkdir -p "$TMP/sink"
	chown 60002 "$TMP/sink"
	ip netns exec "$NS_S" env LD_LIBRARY_PATH="$LIBS" \
	    "$MTA/usr/sbin/smtp-sink" -u postfix -h mx1.example.test \
	    -d "$TMP/sink/%H%M%S." "$REAL4:25" 64 2>"$TMP/sink.err" &
	PIDS="$PIDS $!"
	wait_until 50 listening "$REAL4:25"
}

# A message for example.test, with a subject to find it by.
message() {
	printf 'From: sender@client.example.test\nTo: rcpt@example.test\n'
	printf 'Subject: %s\n\nbody\n' "$1"
}

delivered() {
	grep -rqs "Subject: $1" "$TMP/sink"
}

# Exim: one delivery in the foreground (-odi), its log in $TMP/exim.
exim_send() {
	d=$TMP/exim
	rm -rf "$d"
	mkdir -p "$d/spool"
	# Exim drops root for its own user at once (-C names a file of ours).
	chown -R 60001:60001 "$d"
	cat >"$d/exim.conf" <<-EOF2
	exim_path = $MTA/usr/sbin/exim4
	keep_environment = LD_LIBRARY_PATH
	spool_directory = $d/spool
	log_file_path = $d/%slog
	primary_hostname = client.example.test
	begin routers
	dnslookup:
	  driver = dnslookup
	  transport = remote_smtp
	  no_more
	begin transports
	remote_smtp:
	  driver = smtp
	  interface = 198.51.100.16
	  connect_timeout = 10s
	begin retry
	* * F,1h,1m
	EOF2
	message "$1" | timeout "$MTA_TIME" ip netns exec "$NS_C" env \
	    LD_LIBRARY_PATH="$LIBS" "$MTA/usr/sbin/exim4" -C "$d/exim.conf" \
	    -odi -f sender@client.example.test rcpt@example.test \
	    >"$d/out" 2>&1
	echo "# exim: $(cat "$d/out" "$d/mainlog" 2>/dev/null | tr '\n' ' ')"
}

PF=$TMP/postfix
PFPID=""

# Postfix: its own configuration, queue and log, its master in the
# foreground under our PID.
postfix_start() {
	rm -rf "$PF"
	mkdir -p "$PF/etc" "$PF/data" "$PF/spool/pid"
	for q in active bounce corrupt defer deferred flush hold incoming \
	    private saved trace; do
		mkdir -p "$PF/spool/$q"
		chown 60002 "$PF/spool/$q"
		chmod 700 "$PF/spool/$q"
	done
	mkdir -p "$PF/spool/maildrop" "$PF/spool/public"
	chown 60002:60003 "$PF/spool/maildrop" "$PF/spool/public"
	chmod 730 "$PF/spool/maildrop"
	chmod 710 "$PF/spool/public"
	chown 60002 "$PF/data"
	cat >"$PF/etc/main.cf" <<-EOF2
	compatibility_level = 3.6
	config_directory = $PF/etc
	queue_directory = $PF/spool
	data_directory = $PF/data
	daemon_directory = $MTA/usr/lib/postfix/sbin
	command_directory = $MTA/usr/sbin
	shlib_directory = $MTA/usr/lib/postfix
	meta_directory = $PF/etc
	mail_owner = postfix
	setgid_group = postdrop
	myhostname = client.example.test
	mydestination =
	inet_interfaces = loopback-only
	inet_protocols = ipv4
	mynetworks = 127.0.0.0/8
	smtp_bind_address = 198.51.100.17
	smtp_connect_timeout = 10s
	maillog_file = $PF/maillog
	maillog_file_prefixes = $PF
	import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LD_LIBRARY_PATH
	EOF2
	cat >"$PF/etc/master.cf" <<-EOF2
	pickup    unix  n       -       n       60      1       pickup
	cleanup   unix  n       -       n       -       0       cleanup
	qmgr      unix  n       -       n       300     1       qmgr
	rewrite   unix  -       -       n       -       -       trivial-rewrite
	bounce    unix  -       -       n       -       0       bounce
	defer     unix  -       -       n       -       0       bounce
	trace     unix  -       -       n       -       0       bounce
	verify    unix  -       -       n       -       1       verify
	flush     unix  n       -       n       1000?   0       flush
	proxymap  unix  -       -       n       -       -       proxymap
	smtp      unix  -       -       n       -       -       smtp
	relay     unix  -       -       n       -       -       smtp
	showq     unix  n       -       n       -       -       showq
	error     unix  -       -       n       -       -       error
	retry     unix  -       -       n       -       -       error
	discard   unix  -       -       n       -       -       discard
	anvil     unix  -       -       n       -       1       anvil
	scache    unix  -       -       n       -       1       scache
	postlog   unix-dgram n  -       n       -       1       postlogd
	127.0.0.1:10025 inet n  -       n       -       -       smtpd
	EOF2
	ip netns exec "$NS_C" env LD_LIBRARY_PATH="$LIBS" \
	    "$MTA/usr/lib/postfix/sbin/master" -c "$PF/etc" -d \
	    >"$PF/master.out" 2>&1 &
	PFPID=$!
	PIDS="$PIDS $PFPID"
	wait_until 50 sh -c "ip netns exec $NS_C ss -Hltn | grep -q 127.0.0.1:10025"
}

# Submitted over SMTP, with Postfix's own smtp-source: its sendmail's
# postdrop would lose LD_LIBRARY_PATH (sendmail cleans the environment).
postfix_send() {
	timeout "$MTA_TIME" ip netns exec "$NS_C" env LD_LIBRARY_PATH="$LIBS" \
	    "$MTA/usr/sbin/smtp-source" -m 1 -f sender@client.example.test \
	    -t rcpt@example.test -S "$1" 127.0.0.1:10025
}

postfix_stop() {
	kill "$PFPID" 2>/dev/null
	wait_until 50 gone "$PFPID"
}

restart_mxallowd() {
	if [ -n "$MXPID" ]; then
		kill "$MXPID"
		wait_until 50 gone "$MXPID"
	fi
	rm -f "$TMP/state/whitelist"
	start_mxallowd -d "$@"
}

setup_net
users "$NS_C"
users "$NS_S"
mkdir -p "/etc/netns/$NS_C"
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$DNS_ADDR" \
    >"/etc/netns/$NS_C/resolv.conf"
setup_firewall
start_dns
start_sink || { echo "# smtp-sink did not start: $(cat "$TMP/sink.err")"; exit 1; }
write_config 60
chmod 755 "$TMP"

for mode in rst 421 450; do
	restart_mxallowd --fake-answer "$mode"
	# Exim
	exim_send "exim-$mode"
	check "$mode: Exim delivers through the real MX" \
	    wait_until 20 delivered "exim-$mode"
	check "$mode: Exim's log shows the delivery to mx1" \
	    grep -q "=> rcpt@example.test .*H=mx1.example.test \[$REAL4\]" \
	    "$TMP/exim/mainlog"
	# Postfix
	postfix_start
	postfix_send "postfix-$mode"
	check "$mode: Postfix delivers through the real MX" \
	    wait_until $((MTA_TIME * 10)) delivered "postfix-$mode"
	wait_until 30 grep -qs "status=sent" "$PF/maillog"
	echo "# postfix: $(grep -E 'smtp\[|status=' "$PF/maillog" | tr '\n' ' ')"
	check "$mode: Postfix's log shows the delivery to mx1" \
	    grep -q "relay=mx1.example.test\[$REAL4\]:25.*status=sent" \
	    "$PF/maillog"
	delay=$(sed -n 's/.*relay=mx1.* delay=\([0-9]*\)\..*status=sent.*/\1/p' \
	    "$PF/maillog" | head -n 1)
	check "$mode: Postfix moved on to the real MX at once (delay ${delay:-?} s < 5 s)" \
	    [ "${delay:-99}" -lt 5 ]
	postfix_stop
	case $mode in
	rst)
		check "rst: Postfix was refused at the fake MX (RST) first" \
		    grep -q "connect to mx0.example.test\[$FAKE4\]:25: Connection refused" "$PF/maillog"
		check "rst: so was Exim" grep -q \
		    "H=mx0.example.test \[$FAKE4\] Connection refused" \
		    "$TMP/exim/mainlog" ;;
	421)
		check "421: Postfix's log shows the fake MX's 421" \
		    grep -q "mx0.example.test\[$FAKE4\] refused to talk to me: 421 4.3.2" "$PF/maillog"
		check "421: Exim's log shows the fake MX's 421" \
		    grep -q "421 4.3.2" "$TMP/exim/mainlog"
		check "421: show tried lists both MTAs" \
		    sh -c "'$ROOT/build/mxallowctl' -s '$TMP/ctl.sock' show tried |
		        grep -q 198.51.100.16 &&
		        '$ROOT/build/mxallowctl' -s '$TMP/ctl.sock' show tried |
		        grep -q 198.51.100.17" ;;
	450)
		check "450: the fake MX recorded Exim's HELO and sender" \
		    log_has "answered 450 to 198.51.100.16: helo client.example.test, from <sender@client.example.test>"
		check "450: the fake MX recorded Postfix's HELO and sender" \
		    log_has "answered 450 to 198.51.100.17: helo client.example.test, from <sender@client.example.test>" ;;
	esac
done
finish
