# shellcheck shell=sh
# need PROGRAM...: the programs a test script uses, checked before it
# starts.  When one is missing the script fails once, with one line that
# names the program and the Debian package that has it, instead of a
# cascade of failures that each point somewhere else:
#
#   not ok 1 - rdns.sh: dnsmasq not found (apt-get install dnsmasq-base)
#
# tests/install-deps.sh installs every package named here.  Sourced;
# defines functions only.

# The Debian package that holds a program.
need_package() {
	case $1 in
	ip|ss) echo iproute2 ;;
	iptables|ip6tables) echo iptables ;;
	nft) echo nftables ;;
	dnsmasq) echo dnsmasq-base ;;
	systemd-analyze) echo systemd ;;
	man) echo man-db ;;
	ps|pgrep) echo procps ;;
	dpkg-buildpackage|dpkg-deb) echo dpkg-dev ;;
	dh) echo debhelper ;;
	cc|gcc) echo build-essential ;;
	timeout|stat) echo coreutils ;;
	userdel|groupdel) echo passwd ;;
	python3) echo python3 ;;
	redis-cli) echo redis-tools ;;
	prometheus_client) echo python3-prometheus-client ;;
	*) echo "$1" ;;
	esac
}

need() {
	need_missing=""
	for need_p in "$@"; do
		command -v "$need_p" >/dev/null 2>&1 && continue
		need_missing="$need_missing${need_missing:+, }$need_p not found"
		need_missing="$need_missing (apt-get install $(need_package "$need_p"))"
	done
	[ -z "$need_missing" ] && return 0
	echo "not ok 1 - $(basename "$0"): $need_missing"
	echo "# tests/install-deps.sh installs them (as root)"
	echo "1..1"
	exit 1
}

# need_pymodule MODULE: a module of Debian's python3 (/usr/bin/python3).
need_pymodule() {
	/usr/bin/python3 -c "import $1" >/dev/null 2>&1 && return 0
	echo "not ok 1 - $(basename "$0"): python3 module $1 not found" \
	    "(apt-get install $(need_package "$1"))"
	echo "1..1"
	exit 1
}

# need_file FILE WHAT: a file the test needs, such as a build product.
need_file() {
	[ -e "$1" ] && return 0
	echo "not ok 1 - $(basename "$0"): $1 not found ($2)"
	echo "1..1"
	exit 1
}
