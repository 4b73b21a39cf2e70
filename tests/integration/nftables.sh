#!/bin/sh
# The nftables ruleset from the README: one inet table for IPv4 and IPv6,
# "queue num ... bypass".  Kernels built without nft_queue (CONFIG_NFT_QUEUE)
# cannot load it; there only its syntax is checked, and the rest is skipped.
FIREWALL=nft
. "$(dirname "$0")/../lib/netns.sh"
need nft

setup_net
err=$(nft_ruleset | in_server nft -c -f - 2>&1)
rc=$?
echo "# nft -c: ${err:-accepted}"
# Without nft_queue the kernel refuses the rule, but nft has parsed it.
if [ "$rc" -eq 0 ] || ! contains "$err" "syntax error"; then
	ok "the README's nftables ruleset is valid nft syntax"
else
	not_ok "the README's nftables ruleset is valid nft syntax"
fi
if [ "$rc" -ne 0 ]; then
	skip "this kernel has no nft_queue (CONFIG_NFT_QUEUE): the iptables tests cover the gate"
	finish
	exit
fi

setup_firewall
start_listener
write_config 60
start_mxallowd -d

probe 198.51.100.11 1500 connect "$REAL4"
check "nftables: IPv4 direct-to-second-MX client dropped" [ "$RC" -eq 2 ]
probe 198.51.100.10 3000 mta "$FAKE4" "$REAL4"
check "nftables: IPv4 retrying client delivered" [ "$RC" -eq 0 ]
probe 2001:db8:1::11 1500 connect "$REAL6"
check "nftables: IPv6 direct-to-second-MX client dropped" [ "$RC" -eq 2 ]
probe 2001:db8:1::10 3000 mta "$FAKE6" "$REAL6"
check "nftables: IPv6 retrying client delivered" [ "$RC" -eq 0 ]
finish
