#!/bin/sh
# Install the packages that building and testing mxallowd need, on Debian,
# when they are missing.  Does nothing when everything is there.
set -eu

# What uses them:
#   build (make, make bench): build-essential pkg-config
#     libnetfilter-queue-dev libmnl-dev libpcap-dev libhiredis-dev (sync);
#     the nftables backend (linux/nft.c, left out without them):
#     libnftables-dev libnftnl-dev
#   integration tests, make demo, make bench (tests/lib/netns.sh):
#     iproute2 iptables nftables socat procps; rdns.sh: dnsmasq-base;
#     control.sh: python3; sync.sh, make bench: redis-server redis-tools
#     reports.sh: python3-prometheus-client (tests/tools/promcheck.py)
#   scripted checks (tests/scripts/): tcpdump mandoc shellcheck bmake
#     valgrind systemd (systemd-analyze) man-db, clang libclang-rt-14-dev
#     (fuzzing)
#   the Debian package (make deb, tests/scripts/deb.sh): debhelper
#     dpkg-dev lintian
#   mta.sh: the Debian 12 Postfix and Exim themselves (postfix,
#     exim4-daemon-light, exim4-base, libidn12), fetched with
#     "apt-get download" and unpacked under build/mta/root, never
#     installed: they conflict with each other (both provide
#     mail-transport-agent), and installing either would start a mail
#     server on this machine.  The test runs them from there, with their
#     own configuration and spool directories, in its namespaces.  The
#     shared libraries they need that a minimal Debian lacks are
#     installed: libsasl2-2 (Postfix), libgnutls-dane0 (Exim).
# tests/lib/need.sh names the package of every program a test needs.
PACKAGES="build-essential clang pkg-config libnetfilter-queue-dev libmnl-dev
libnftables-dev libnftnl-dev
libpcap-dev iptables nftables iproute2 tcpdump socat dnsmasq-base mandoc
shellcheck bmake libclang-rt-14-dev valgrind procps systemd man-db
debhelper dpkg-dev lintian python3 python3-prometheus-client
libhiredis-dev redis-server redis-tools libsasl2-2 libgnutls-dane0"

MTA_PACKAGES="postfix exim4-daemon-light exim4-base libidn12"
MTA_DIR=$(cd "$(dirname "$0")/.." && pwd)/build/mta

# The MTAs, unpacked and not installed (see above); once.
fetch_mtas() {
	[ -x "$MTA_DIR/root/usr/sbin/exim4" ] &&
	    [ -x "$MTA_DIR/root/usr/lib/postfix/sbin/master" ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "install-deps: cannot fetch $MTA_PACKAGES (not root" \
		    "with apt-get): mta.sh will say so" >&2
		return 0
	fi
	rm -rf "$MTA_DIR"
	mkdir -p "$MTA_DIR/debs" "$MTA_DIR/root"
	# _apt cannot write into a directory of root's: download as root.
	# shellcheck disable=SC2086
	(cd "$MTA_DIR/debs" && apt-get download -qq \
	    -o APT::Sandbox::User=root $MTA_PACKAGES)
	for deb in "$MTA_DIR"/debs/*.deb; do
		dpkg-deb -x "$deb" "$MTA_DIR/root"
	done
	# exim4 comes setuid root: nothing here may be.
	find "$MTA_DIR/root" -type f -perm /6000 -exec chmod ug-s {} +
}

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -z "$missing" ]; then
	fetch_mtas
	exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: install them as root (apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
fetch_mtas
