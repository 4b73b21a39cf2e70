#!/bin/sh
# The documentation against the code.  build/tools/optdump prints the
# option table (mx_options[] in common/config.c); from it this script
# derives what must be documented, and fails when
#  - man/mxallowd.8 lacks an option, documents one the code does not have,
#    gives another short letter, argument name or default, or does not
#    mark an option of one port or one that is command line only as such,
#    or its SYNOPSIS misses an option;
#  - man/mxallowd.conf.5 lacks a config key (every option that is not
#    command line only), documents one too many, or differs in argument,
#    default or port;
#  - "build/mxallowd -h" lacks an option of the Linux port or its default,
#    or shows one it should not;
#  - etc/mxallowd.conf lacks a key, names an unknown one, or shows a
#    default other than the code's; or, with its lines for this port
#    uncommented, is refused by build/mxallowd;
#  - mandoc -Tlint -Wwarning finds anything in the pages.
# Then it makes sure it can fail: each check runs once more on a copy with
# one deliberate mistake, and must catch it.
#
# The markup conventions it relies on are written at the top of each page.
# DOC_OPTDUMP, DOC_MXALLOWD, DOC_MAN8, DOC_MAN5 and DOC_SAMPLE name other
# files to check, such as edited copies.
set -u
. "$(dirname "$0")/../tap.sh"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/need.sh
need mandoc

OPTDUMP=${DOC_OPTDUMP:-build/tools/optdump}
MXALLOWD=${DOC_MXALLOWD:-build/mxallowd}
MAN8=${DOC_MAN8:-man/mxallowd.8}
MAN5=${DOC_MAN5:-man/mxallowd.conf.5}
SAMPLE=${DOC_SAMPLE:-etc/mxallowd.conf}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# Compare two record lists, sorted; show the difference as TAP comments.
# "-" lines are what the code says, "+" lines what the document says.
same() {
	sort "$1" >"$1.s"
	sort "$2" >"$2.s"
	if diff -u "$1.s" "$2.s" >"$tmp/diff"; then
		return 0
	fi
	sed '1,2d' "$tmp/diff"
	return 1
}

# A page's list items, as records.  $1 is the macro that starts an item's
# head (Fl or Ic); every other list item is passed over.  Record:
#	name|short|argument|default|ports|where
# The argument is the head's words after the name without the macros Ar,
# Cm, Ns, spaces, and with an Op part in brackets; "-" for none.
items() {
	awk -v head="$1" '
	function flush() {
		if (name != "")
			print name "|" short "|" arg "|" def "|" ports "|" where
		name = ""
	}
	/^\.Bl/ { depth++; next }
	/^\.El/ { if (depth == idepth) flush(); depth--; next }
	/^\.It/ {
		if (depth == idepth) flush()
		if ($2 != head)
			next
		i = 3
		short = "-"
		if (head == "Fl" && $i !~ /^-/) {
			short = $i
			i++
			if ($i == ",")
				i++
		}
		name = $i
		if (head == "Fl")
			sub(/^-/, "", name)
		arg = ""
		opt = 0
		for (i++; i <= NF; i++) {
			if ($i == "Op") {
				arg = arg "["
				opt = 1
			} else if ($i != "Ar" && $i != "Cm" && $i != "Ns")
				arg = arg $i
		}
		if (opt)
			arg = arg "]"
		if (arg == "")
			arg = "-"
		def = "-"
		ports = "all"
		where = "conf"
		want = 0
		idepth = depth
		next
	}
	name == "" { next }
	want {
		# The macro line after "The default is": its arguments.
		want = 0
		v = $0
		sub(/^\.[A-Za-z]+[ \t]+/, "", v)
		sub(/[ \t]+[.,;:]$/, "", v)
		gsub(/"/, "", v)
		def = v
		next
	}
	$0 == "The default is" { want = 1; next }
	/^The default is .*\.$/ {
		v = $0
		sub(/^The default is /, "", v)
		sub(/\.$/, "", v)
		def = v
	}
	/applies to the Linux port only/ { ports = "linux" }
	/applies to the pf port only/ { ports = "pf" }
	/accepted on the command line only/ { where = "cli" }
	END { flush() }
	' "$2"
}

# What the code says each page must show.
expect8() {
	awk -F '\t' '{ print $1 "|" $2 "|" $3 "|" $4 "|" $5 "|" $6 }' "$1"
}

# Config keys: options that are not command line only.  A flag takes an
# optional yes or no in the file (config.c, parse_bool).
expect5() {
	awk -F '\t' '$6 == "conf" {
		print $1 "|-|" ($3 == "-" ? "[yes|no]" : $3) "|" $4 "|" \
		    $5 "|conf"
	}' "$1"
}

# The short letter, or the long name of an option without one, of every
# option the SYNOPSIS names ("Fl bdFqs" names five).
synopsis() {
	awk '
	/^\.Sh/ { on = ($2 == "SYNOPSIS"); next }
	!on { next }
	{
		sub(/^\./, "", $1)
		for (i = 1; i < NF; i++) {
			if ($i != "Fl")
				continue
			t = $(i + 1)
			if (t ~ /^-/)
				print "--" substr(t, 2)
			else
				for (j = 1; j <= length(t); j++)
					print "-" substr(t, j, 1)
		}
	}' "$1" | sort -u
}

expect_synopsis() {
	awk -F '\t' '{ print ($2 == "-" ? "--" $1 : "-" $2) }' "$1" | sort -u
}

# "mxallowd -h": name|short|default of every option line.
help_options() {
	awk '
	/^ +(-[A-Za-z], +)?--[a-z0-9]/ {
		line = $0
		sub(/^ +/, "", line)
		short = "-"
		if (line ~ /^-[A-Za-z],/) {
			short = substr(line, 2, 1)
			sub(/^-[A-Za-z], +/, "", line)
		}
		name = substr(line, 3)
		sub(/[ \t].*$/, "", name)
		def = "-"
		if (match($0, /\(default: [^)]*\)$/))
			def = substr($0, RSTART + 10, RLENGTH - 11)
		print name "|" short "|" def
	}' "$1"
}

expect_help() {
	awk -F '\t' '$5 != "pf" { print $1 "|" $2 "|" $4 }' "$1"
}

# The sample's key lines, commented ("#key value") or not; prose comments
# start with "# ".  Record: key|value for a key with a default, key|any
# otherwise (the sample shows an example value there).
sample_keys() {
	awk -F '\t' '
	FNR == NR { def[$1] = $4; next }
	/^#?[a-z][a-z0-9-]*([ \t=]|$)/ {
		line = $0
		sub(/^#/, "", line)
		key = line
		sub(/[ \t=].*$/, "", key)
		value = substr(line, length(key) + 1)
		sub(/^[ \t=]+/, "", value)
		sub(/[ \t]+$/, "", value)
		print key "|" ((key in def) && def[key] != "-" ? value : "any")
	}' "$1" "$2" | sort -u
}

expect_sample() {
	awk -F '\t' '$6 == "conf" { print $1 "|" ($4 == "-" ? "any" : $4) }' \
	    "$1"
}

# The checks, each on the files it is given; 0 when they agree.
check_man8() {
	expect8 "$1" >"$tmp/want8"
	items Fl "$2" >"$tmp/have8"
	same "$tmp/want8" "$tmp/have8"
}

check_synopsis() {
	expect_synopsis "$1" >"$tmp/wantsyn"
	synopsis "$2" >"$tmp/havesyn"
	same "$tmp/wantsyn" "$tmp/havesyn"
}

check_man5() {
	expect5 "$1" >"$tmp/want5"
	items Ic "$2" >"$tmp/have5"
	same "$tmp/want5" "$tmp/have5"
}

check_help() {
	expect_help "$1" >"$tmp/wanth"
	help_options "$2" >"$tmp/haveh"
	[ -s "$tmp/haveh" ] || echo "no option lines in the -h output"
	same "$tmp/wanth" "$tmp/haveh" && [ -s "$tmp/haveh" ]
}

check_sample() {
	expect_sample "$1" >"$tmp/wants"
	sample_keys "$1" "$2" >"$tmp/haves"
	same "$tmp/wants" "$tmp/haves"
}

# The sample with its key lines for the Linux port uncommented must be a
# configuration build/mxallowd accepts: replaying an empty capture file
# reads and checks it without touching any firewall.
check_sample_parses() {
	awk -F '\t' '
	FNR == NR { if ($5 != "pf") linux[$1] = 1; next }
	/^#[a-z][a-z0-9-]*([ \t=]|$)/ {
		key = substr($0, 2)
		sub(/[ \t=].*$/, "", key)
		if (key in linux)
			$0 = substr($0, 2)
	}
	{ print }' "$1" "$2" >"$tmp/sample.conf"
	# An empty pcap savefile: the global header alone (Ethernet).
	printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' \
	    >"$tmp/empty.pcap"
	"$3" -c "$tmp/sample.conf" -R "$tmp/empty.pcap"
}

for f in "$OPTDUMP" "$MXALLOWD"; do
	if [ ! -x "$f" ]; then
		not_ok "$f is missing: run make tests first"
		exit 1
	fi
done
dump=$tmp/options
if "$OPTDUMP" >"$dump" && [ -s "$dump" ]; then
	ok "optdump lists $(wc -l <"$dump" | tr -d ' ') options"
else
	not_ok "optdump lists the options"
	exit 1
fi
"$MXALLOWD" -h >"$tmp/help" 2>&1

check "mxallowd.8 documents every option, default, port and command-line-only option" \
    check_man8 "$dump" "$MAN8"
check "mxallowd.8 SYNOPSIS names every option" \
    check_synopsis "$dump" "$MAN8"
check "mxallowd.conf.5 documents every config key, default and port" \
    check_man5 "$dump" "$MAN5"
check "mxallowd -h lists every option of the Linux port with its default" \
    check_help "$dump" "$tmp/help"
check "the sample configuration shows every key with its default" \
    check_sample "$dump" "$SAMPLE"
check "the sample configuration, uncommented, is accepted on Linux" \
    check_sample_parses "$dump" "$SAMPLE" "$MXALLOWD"

check "mandoc -Tlint -Wwarning finds nothing" \
    mandoc -Tlint -Wwarning "$MAN8" "$MAN5"

# Each check once more, on a copy with one mistake.
printf 'new-option\t-\tnumber\t7\tall\tconf\n' | cat "$dump" - >"$tmp/dump+"
grep -v '^whitelist-time	' "$dump" >"$tmp/dump-"
must_fail "an option in the code but not in mxallowd.8" \
    check_man8 "$tmp/dump+" "$MAN8"
must_fail "an option in mxallowd.8 but not in the code" \
    check_man8 "$tmp/dump-" "$MAN8"
must_fail "an option missing from the SYNOPSIS" \
    check_synopsis "$tmp/dump+" "$MAN8"
must_fail "a config key in the code but not in mxallowd.conf.5" \
    check_man5 "$tmp/dump+" "$MAN5"
must_fail "a config key in mxallowd.conf.5 but not in the code" \
    check_man5 "$tmp/dump-" "$MAN5"
must_fail "an option in the code but not in -h" \
    check_help "$tmp/dump+" "$tmp/help"
must_fail "a key in the code but not in the sample" \
    check_sample "$tmp/dump+" "$SAMPLE"

sed 's/^\(The default is [0-9][0-9]*\)\.$/\10./' "$MAN8" >"$tmp/default.8"
must_fail "a default in mxallowd.8 other than the code's" \
    check_man8 "$dump" "$tmp/default.8"
sed 's/^\.Pa \/var\/run\/mxallowd\.pid \.$/.Pa \/run\/mxallowd.pid ./' \
    "$MAN5" >"$tmp/default.5"
must_fail "a default in mxallowd.conf.5 other than the code's" \
    check_man5 "$dump" "$tmp/default.5"
grep -v 'applies to the pf port only' "$MAN8" >"$tmp/ports.8"
must_fail "a pf-only option not marked as such in mxallowd.8" \
    check_man8 "$dump" "$tmp/ports.8"
grep -v 'accepted on the command line only' "$MAN8" >"$tmp/cli.8"
must_fail "a command-line-only option not marked as such in mxallowd.8" \
    check_man8 "$dump" "$tmp/cli.8"
sed 's/(default: 3600)/(default: 60)/' "$tmp/help" >"$tmp/help-default"
must_fail "a default in -h other than the code's" \
    check_help "$dump" "$tmp/help-default"
tap_done
