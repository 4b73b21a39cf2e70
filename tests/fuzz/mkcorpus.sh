#!/bin/sh
# Write the seed corpora of the fuzz targets, tests/fuzz/corpus/NAME/, from
# scratch: packets of pflogen's scenarios in every layout, split out of the
# savefiles, real SYNs (TCP options, IPv4 options, IPv6 extension headers)
# written byte by byte, config files and command lines that use every
# option (from optdump), and state files good and bad.  Needs
# build/tools/pflogen and build/tools/optdump (make tests).  The corpora are
# committed: run this only to rebuild them, and commit what changes.
set -eu
cd "$(dirname "$0")/../.." || exit 1

PFLOGEN=build/tools/pflogen
OPTDUMP=build/tools/optdump
CORPUS=tests/fuzz/corpus

for t in "$PFLOGEN" "$OPTDUMP"; do
	if [ ! -x "$t" ]; then
		echo "mkcorpus: $t missing: run make tests" >&2
		exit 1
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# bytes HEX...: write the bytes the hex digits spell (blanks ignored).
bytes() {
	hex=$(printf '%s' "$*" | tr -d ' \n\t')
	while [ -n "$hex" ]; do
		rest=${hex#??}
		h=${hex%"$rest"}
		hex=$rest
		# shellcheck disable=SC2059
		printf "\\$(printf '%03o' "$((0x$h))")"
	done
}

# split FILE PREFIX DIR [MAX]: each packet (or the first MAX) of a
# savefile that pflogen wrote, in this host's byte order, as DIR/PREFIX-N.
split() {
	size=$(wc -c <"$1" | tr -d ' ')
	off=24
	n=1
	while [ "$off" -lt "$size" ] && [ "$n" -le "${4:-1000}" ]; do
		len=$(od -An -tu4 -j $((off + 8)) -N4 "$1" | tr -d ' ')
		dd if="$1" of="$3/$2-$n" bs=1 skip=$((off + 16)) \
		    count="$len" 2>/dev/null
		off=$((off + 16 + len))
		n=$((n + 1))
	done
}

# dedup DIR: remove the files whose contents an earlier one has.
dedup() {
	for f in "$1"/*; do
		printf '%s %s\n' "$(cksum <"$f" | tr ' ' _)" "$f"
	done | sort -s -k1,1 | awk 'seen[$1]++ { print $2 }' |
	    while read -r f; do rm -f "$f"; done
}

fresh() {
	rm -rf "${CORPUS:?}/$1"
	mkdir -p "$CORPUS/$1"
	echo "$CORPUS/$1"
}

# --- packets: IP with no link layer ---
IP4SRC='c6 33 64 01'				# 198.51.100.1
IP4DST='c0 00 02 0a'				# 192.0.2.10
IP6SRC='20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01'
IP6DST='20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10'
# A SYN as Linux sends it: MSS, SACK permitted, timestamps, NOP, wscale.
TCPSYN='9c 41 00 19 6b 8b 45 67 00 00 00 00 a0 02 fa f0 00 00 00 00
	02 04 05 b4 04 02 08 0a 00 01 e2 40 00 00 00 00 01 03 03 07'
TCPBARE='9c 42 00 19 00 00 00 01 00 00 00 00 50 02 72 10 00 00 00 00'

real_packets() {
	bytes "45 00 00 3c 1c 46 40 00 40 06 00 00 $IP4SRC $IP4DST $TCPSYN" \
	    >"$1/syn4-options"
	bytes "60 00 00 00 00 28 06 40 $IP6SRC $IP6DST $TCPSYN" \
	    >"$1/syn6-options"
	# IPv4 header of 60 bytes: record route, NOPs, end of options.
	bytes "4f 00 00 50 00 01 00 00 40 06 00 00 $IP4SRC $IP4DST
	    07 0b 04 00 00 00 00 00 00 00 00 01 01 01 01 01 01 01 01 01
	    01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 00
	    $TCPBARE" >"$1/syn4-ipopts"
	# Routing header, then AH, then TCP.
	bytes "60 00 00 00 00 34 2b 40 $IP6SRC $IP6DST
	    33 00 02 00 00 00 00 00
	    06 04 00 00 00 00 10 00 00 00 00 01 00 00 00 00 00 00 00 00
	    00 00 00 00 $TCPBARE" >"$1/syn6-routing-ah"
	# First fragment (offset 0, more fragments), and a later one.
	bytes "60 00 00 00 00 1c 2c 40 $IP6SRC $IP6DST
	    06 00 00 01 12 34 56 78 $TCPBARE" >"$1/syn6-frag-first"
	bytes "60 00 00 00 00 1c 2c 40 $IP6SRC $IP6DST
	    06 00 00 08 12 34 56 78 $TCPBARE" >"$1/syn6-frag-later"
	# Jumbogram: payload length 0, hop-by-hop jumbo payload option.
	bytes "60 00 00 00 00 00 00 40 $IP6SRC $IP6DST
	    06 00 c2 04 00 00 00 1c $TCPBARE" >"$1/syn6-jumbo"
	# ESP: not TCP.
	bytes "60 00 00 00 00 10 32 40 $IP6SRC $IP6DST
	    00 00 10 00 00 00 00 01 00 00 00 00 00 00 00 00" >"$1/esp6"
	# IPv4 first fragment, later fragment, UDP.
	bytes "45 00 00 28 00 02 20 00 40 06 00 00 $IP4SRC $IP4DST
	    $TCPBARE" >"$1/syn4-frag-first"
	bytes "45 00 00 28 00 02 00 10 40 06 00 00 $IP4SRC $IP4DST
	    $TCPBARE" >"$1/syn4-frag-later"
	bytes "45 00 00 1c 00 03 00 00 40 11 00 00 $IP4SRC $IP4DST
	    d4 31 00 35 00 08 00 00" >"$1/udp4"
	# Padded by the link layer past the total length.
	bytes "45 00 00 28 00 04 00 00 40 06 00 00 $IP4SRC $IP4DST
	    $TCPBARE 00 00 00 00 00 00" >"$1/syn4-padded"
}

dir=$(fresh fuzz_packet)
for s in fake-real4 fake-real6 noise direct; do
	"$PFLOGEN" -l raw -o "$tmp/$s.pcap" "$s"
	split "$tmp/$s.pcap" "$s" "$dir"
done
real_packets "$dir"
dedup "$dir"

# --- link layers: pflog of both layouts, and the others ---
dir=$(fresh fuzz_pflog)
for x in noise-openbsd noise-freebsd fake-real4-openbsd fake-real6-freebsd \
    fake-real4-ether fake-real6-vlan fake-real4-sll fake-real6-null; do
	s=${x%-*}
	l=${x##*-}
	"$PFLOGEN" -l "$l" -o "$tmp/$x.pcap" "$s"
	case $x in
	noise-*) split "$tmp/$x.pcap" "$x" "$dir" ;;
	fake-real*-*bsd) split "$tmp/$x.pcap" "$x" "$dir" 3 ;;
	*) split "$tmp/$x.pcap" "$x" "$dir" 2 ;;
	esac
done
real_packets "$tmp"
# Linux cooked v2 (protocol first), and an 802.1ad tag.
{ bytes "08 00 00 00 00 00 00 02 00 01 04 00 00 00 00 00 00 00 00 00"
  cat "$tmp/syn4-options"; } >"$dir/sll2-syn4"
{ bytes "86 dd 00 00 00 00 00 02 00 01 04 00 00 00 00 00 00 00 00 00"
  cat "$tmp/syn6-routing-ah"; } >"$dir/sll2-syn6"
{ bytes "00 00 5e 00 53 01 00 00 5e 00 53 02 88 a8 00 64 86 dd"
  cat "$tmp/syn6-options"; } >"$dir/qinq-syn6"
dedup "$dir"

# --- config files and command lines ---
dir=$(fresh fuzz_config)
# value OPTION ARG: a valid value for an option.
value() {
	case $1 in
	fake-mailserver) echo 192.0.2.10 ;;
	real-mailserver) echo 2001:db8::20 ;;
	*)
		case $2 in
		-) echo yes ;;
		yes\|no) echo no ;;
		*) echo "$3" ;;
		esac
		;;
	esac
}
# Every option the file may hold, for each port, and for both.
"$OPTDUMP" | while IFS='	' read -r name short arg def ports where; do
	[ "$where" = conf ] || continue
	[ "$def" != - ] || def=1
	v=$(value "$name" "$arg" "$def")
	for p in all linux pf; do
		if [ "$ports" = all ] || [ "$ports" = "$p" ] || [ "$p" = all ]
		then
			echo "$name $v" >>"$dir/every-option-$p.conf"
		fi
	done
	echo "$name=$v" >>"$dir/every-option-equals.conf"
	if [ "$short" != - ]; then
		printf -- '-%s\0' "$short" >>"$dir/every-short.argv"
		[ "$arg" = - ] || printf '%s\0' "$v" >>"$dir/every-short.argv"
	fi
	if [ "$arg" = - ]; then
		printf -- '--%s\0' "$name" >>"$dir/every-long.argv"
	else
		printf -- '--%s=%s\0' "$name" "$v" >>"$dir/every-long.argv"
	fi
done
# A libFuzzer dictionary: the option names, and what surrounds them.
{
	"$OPTDUMP" | while IFS='	' read -r name short _; do
		printf '"%s"\n"--%s"\n' "$name" "$name"
		[ "$short" = - ] || printf '"-%s"\n' "$short"
	done
	printf '"%s"\n' yes no on off true false = '#' :: ffff: 192.0.2.1
	printf '"\\x00"\n"\\x0a"\n"\\x09"\n"--"\n'
} >tests/fuzz/fuzz_config.dict
sed -n 's/^#\([a-z]\)/\1/p' etc/mxallowd.conf >"$dir/sample-uncommented.conf"
printf '# comment\n\n  fake-mailserver = 192.0.2.10  # trailing\n\treal-mailserver\t192.0.2.20\nqueue-num 0\nstdout\ndebug off\n' \
    >"$dir/blanks-and-comments.conf"
printf 'fake-mailserver 192.0.2.10\r\nreal-mailserver 192.0.2.20\r\n' \
    >"$dir/crlf.conf"
printf 'whitelist-time 0\n' >"$dir/bad-number.conf"
printf 'whitelist-time 99999999999999999999999\n' >"$dir/overflow.conf"
printf 'fake-mailserver 192.0.2.300\n' >"$dir/bad-address.conf"
printf 'no-such-option 1\n' >"$dir/unknown.conf"
printf '= 192.0.2.10\n' >"$dir/no-name.conf"
printf 'config /etc/other.conf\n' >"$dir/command-line-only.conf"
printf 'quiet maybe\n' >"$dir/bad-bool.conf"
printf 'pidfile\n' >"$dir/no-value.conf"
printf 'fake-mailserver 192.0.2.10\nreal-mailserver 192.0.2.10\n' \
    >"$dir/fake-is-real.conf"
printf 'fake-mailserver 192.0.2.10\0\nreal-mailserver 192.0.2.20\n' \
    >"$dir/nul-byte.conf"
printf 'fake-mailserver 192.0.2.10' >"$dir/no-newline.conf"
printf -- '-f\0192.0.2.10\0-r\0192.0.2.20\0-n\0000\0' >"$dir/minimal.argv"
printf -- '-sqdFb\0-t60\0-f192.0.2.10\0--real-mailserver\0::1\0' \
    >"$dir/grouped.argv"
printf -- '-f\0192.0.2.10\0--\0-r\0' >"$dir/end-of-options.argv"
printf -- '-f\0192.0.2.10\0stray\0' >"$dir/unexpected.argv"
printf -- '-x\0' >"$dir/unknown-short.argv"
printf -- '--no-such\0' >"$dir/unknown-long.argv"
printf -- '--stdout=yes\0' >"$dir/flag-with-value.argv"
printf -- '-t\0' >"$dir/missing-value.argv"
printf -- '-c\0/nonexistent/mxallowd.conf\0-f\0::1\0-r\0::2\0-n\0001\0' \
    >"$dir/config-file.argv"
printf -- '-h\0' >"$dir/help.argv"
printf -- '-V\0' >"$dir/version.argv"

# --- state files ---
dir=$(fresh fuzz_state)
magic='mxallowd-state 1'
printf '%s\n198.51.100.10 1700003600\n2001:db8:1:: 1700000123\n' "$magic" \
    >"$dir/good"
printf '%s\n' "$magic" >"$dir/magic-only"
printf '%s\n198.51.100.10 1600000000\n198.51.100.11 1700000000\n198.51.100.12 1700000001\n' \
    "$magic" >"$dir/expired"
printf '%s\n198.51.100.10 9223372036854775807\n::ffff:198.51.100.13 1800000000\n' \
    "$magic" >"$dir/far-future"
printf '%s\n2001:db8::1 1700000500\n198.51.100.10 1700000100\n10.0.0.1 1700000300\n10.0.0.2 1700000200\n' \
    "$magic" >"$dir/unsorted"
printf 'mxallowd-state 2\n198.51.100.10 1700003600\n' >"$dir/bad-magic"
printf '%s\n198.51.100.10 1700003600' "$magic" >"$dir/no-newline"
printf '%s\n198.51.100.10 1700003600\n198.51.100.11\n' "$magic" \
    >"$dir/no-expiry"
printf '%s\n198.51.100.10 -5\n' "$magic" >"$dir/negative"
printf '%s\n198.51.100.10 99999999999999999999\n' "$magic" >"$dir/overflow"
printf '%s\n198.51.100.300 1700003600\n' "$magic" >"$dir/bad-address"
printf '%s\n198.51.100.10  1700003600\n' "$magic" >"$dir/two-spaces"
printf '%s\n198.51.100.10 1700003600\0\n' "$magic" >"$dir/nul-byte"
{ printf '%s\n2001:db8:' "$magic"
  i=0
  while [ "$i" -lt 40 ]; do printf '1:'; i=$((i + 1)); done
  printf ': 1700003600\n'; } >"$dir/long-line"
printf '%s\r\n198.51.100.10 1700003600\r\n' "$magic" >"$dir/crlf"

# --- control requests: every command in its forms, and malformed ones ---
dir=$(fresh fuzz_control)
n=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s' "$line" >"$dir/$(printf '%02d' "$n")"
done <<'EOF'
show stats
json show stats
show whitelist
show whitelist 198.51.100.1
show whitelist 2001:db8::/32
json show whitelist ::ffff:198.51.100.0/24
add 198.51.100.1
add 198.51.100.0/24 3600
add 2001:db8:1::1/128 31622400
add 198.51.100.1 31622401
add 198.51.100.1 0
add 198.51.100.1/33
add 2001:db8::1/129
add 198.51.100.300
add
delete 198.51.100.1
delete 2001:db8::/48
delete 198.51.100.1 60
flush force
flush
flush force now
reload
reload now
log debug
log info
log quiet
log loud
json
show
show nothing
show stats extra extra extra extra
frobnicate
show tried
show tried 198.51.100.1
json show tried 2001:db8::1
show tried 198.51.100.0/24
EOF
printf '\t show\tstats \t' >"$dir/blanks"
printf 'show stats\r' >"$dir/crlf"
printf 'show\rstats' >"$dir/inner-cr"
printf 'add 198.51.100.1\0' >"$dir/nul-byte"
printf 'log \377' >"$dir/high-byte"
printf 'add 198.51.100.1 9223372036854775808' >"$dir/overflow"
printf 'add 198.51.100.1 +5' >"$dir/plus"
printf 'add 198.51.100.1/-1' >"$dir/negative-prefix"
{ printf 'show whitelist '
  i=0
  while [ "$i" -lt 1100 ]; do printf 'a'; i=$((i + 1)); done; } \
    >"$dir/too-long"
# A libFuzzer dictionary: the words of the protocol.
{
	printf '"%s"\n' json show stats whitelist add delete flush force \
	    reload log debug info quiet 198.51.100.1 2001:db8:: ::ffff: /24 \
	    /128 3600
	printf '"\\x09"\n"\\x0d"\n" "\n'
} >tests/fuzz/fuzz_control.dict

# --- SMTP command lines of the answering fake MX, good and bad ---
dir=$(fresh fuzz_smtp)
n=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s' "$line" >"$dir/$(printf '%02d' "$n")"
done <<'EOF'
HELO relay.example.test
EHLO relay.example.test
ehlo [192.0.2.7]
EHLO [IPv6:2001:db8::7]
HELO
HELO two words
HELO bad!name
MAIL FROM:<sender@example.test>
MAIL FROM:<>
mail from: <sender@example.test> SIZE=1000 BODY=8BITMIME
MAIL FROM:sender@example.test
MAIL FROM:<a b@example.test>
MAIL FROM:<"quoted"@example.test>
RCPT TO:<a@example.org>
RCPT TO:<postmaster>
RCPT TO:<>
RCPT TO:<a@example.org>junk
DATA
RSET
NOOP
NOOP hello
QUIT
QUIT now
VRFY root
STARTTLS
EOF
printf 'HELO a\0b' >"$dir/nul-byte"
printf 'HELO caf\303\251.example' >"$dir/utf8"
printf 'MAIL FROM:<a@b>\tSIZE=1' >"$dir/tab"
{ printf 'RCPT TO:<'
  i=0
  while [ "$i" -lt 520 ]; do printf 'a'; i=$((i + 1)); done
  printf '@example.org>'; } >"$dir/too-long"
{
	printf '"%s"\n' HELO EHLO "MAIL FROM:" "RCPT TO:" DATA RSET NOOP \
	    QUIT "<" ">" "@" "[" "]" "IPv6:" " SIZE="
} >tests/fuzz/fuzz_smtp.dict
# --- sync events: each input is 8 bytes of clock and whitelist-time
# (zero shift, 3600 s), then one event; and some bare garbage ---
dir=$(fresh fuzz_sync)
n=0
while IFS= read -r line; do
	n=$((n + 1))
	{ bytes 00 00 00 0f 0e 00 00 00; printf '%s' "$line"; } \
	    >"$dir/$(printf '%02d' "$n")"
done <<'EOF'
mxallowd/1 mx-a add 192.0.2.1/32 1700000600000
mxallowd/1 mx-b del 2001:db8::/64 1700000000000
mxallowd/1 mx-a add 198.51.100.0/24 1699999999999
mxallowd/1 mx-a add 203.0.113.9/32 9999999999999
mxallowd/1 mx-a add 203.0.113.9/24 1700000600000
mxallowd/1 mx-a add ::ffff:203.0.113.9/128 1700000600000
mxallowd/1 mx-a del 192.0.2.1/32 1700000060000
mxallowd/1 g.example.org add 2001:db8:1:2:3:4:5:6/128 1700003630000
mxallowd/2 mx-a add 192.0.2.1/32 1700000600000
EOF
printf 'mxallowd/2 x put garbage' >"$dir/bare-garbage"
{ bytes 00 00 00 0f 0e 00 00 00; printf 'mxallowd/1 a add 192.0.2.1/32 1\0'; } \
    >"$dir/nul-byte"

for d in "$CORPUS"/*; do
	echo "$d: $(find "$d" -type f | wc -l | tr -d ' ') files," \
	    "$(find "$d" -type f -exec cat {} + | wc -c | tr -d ' ') bytes"
done
