#!/bin/sh
# Install the packages that building and testing mxallowd need, on Debian,
# when they are missing.  Does nothing when everything is there.
set -eu

# What uses them:
#   build (make, make bench): build-essential pkg-config
#     libnetfilter-queue-dev libmnl-dev libpcap-dev; the nftables
#     backend (linux/nft.c, left out without them): libnftables-dev
#     libnftnl-dev
#   integration tests, make demo, make bench (tests/lib/netns.sh):
#     iproute2 iptables nftables socat procps; rdns.sh: dnsmasq-base;
#     control.sh: python3
#     reports.sh: python3-prometheus-client (tests/tools/promcheck.py)
#   scripted checks (tests/scripts/): tcpdump mandoc shellcheck bmake
#     valgrind systemd (systemd-analyze) man-db, clang libclang-rt-14-dev
#     (fuzzing)
#   the Debian package (make deb, tests/scripts/deb.sh): debhelper
#     dpkg-dev lintian
# tests/lib/need.sh names the package of every program a test needs.
PACKAGES="build-essential clang pkg-config libnetfilter-queue-dev libmnl-dev
libnftables-dev libnftnl-dev
libpcap-dev iptables nftables iproute2 tcpdump socat dnsmasq-base mandoc
shellcheck bmake libclang-rt-14-dev valgrind procps systemd man-db
debhelper dpkg-dev lintian python3 python3-prometheus-client"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

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
