#!/bin/sh
# Install the packages that building and testing mxallowd need, on Debian,
# when they are missing.  Does nothing when everything is there.
set -eu

PACKAGES="build-essential clang pkg-config libnetfilter-queue-dev libmnl-dev
libpcap-dev iptables nftables iproute2 tcpdump socat mandoc shellcheck bmake
libclang-rt-14-dev valgrind procps systemd man-db"

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
