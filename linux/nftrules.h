/*
 * The nftables ruleset of the nftables backend, as text that nft(8) and
 * libnftables read: a pure function of the configuration and the allow
 * list, so that what the daemon loads and what --print-ruleset shows are
 * the same, and a unit test can read it.
 */
#ifndef MX_NFTRULES_H
#define MX_NFTRULES_H

#include <stdbool.h>
#include <stddef.h>

#include "allow.h"
#include "config.h"

/* The sets' names in the table. */
#define NFT_SET_WL4	"wl4"
#define NFT_SET_WL6	"wl6"
#define NFT_SET_ALLOW4	"allow4"
#define NFT_SET_ALLOW6	"allow6"
#define NFT_CHAIN_HOOK	"input"
#define NFT_CHAIN_MX	"mx"
/*
 * Named counters of what the kernel passes without telling the daemon:
 * SYNs of whitelisted senders and of allowed ones to a real MX.
 */
#define NFT_COUNTER_PASSED	"passed"
#define NFT_COUNTER_ALLOWED	"allowed"
/*
 * The NFLOG messages are limited to NFT_LOG_RATE a second for each kind
 * (fake, full, block): under a flood, most of all from forged sources,
 * neither the kernel nor the daemon spend more on them, and the rest is
 * only counted, in these counters.
 */
#define NFT_LOG_RATE		1000
#define NFT_CHAIN_FAKE		"fake"
#define NFT_CHAIN_FULL		"full"
#define NFT_CHAIN_BLOCK		"block"
#define NFT_COUNTER_FAKE_UNLOGGED	"fake_unlogged"
#define NFT_COUNTER_FULL_UNLOGGED	"full_unlogged"
#define NFT_COUNTER_BLOCK_UNLOGGED	"block_unlogged"

/*
 * The NFLOG prefixes of the rules, which tell the daemon what the kernel
 * did: added or renewed the sender (fake), could not add it because the
 * set is full (full), dropped a SYN to a real MX (block), or let one
 * through in observe mode (observe).
 */
#define NFT_LOG_FAKE	"mxallowd fake"
#define NFT_LOG_FULL	"mxallowd full"
#define NFT_LOG_BLOCK	"mxallowd block"
#define NFT_LOG_OBSERVE	"mxallowd observe"

/* The input hook's priority: before the usual filter chains (0). */
#define NFT_PRIORITY	(-10)

/*
 * One transaction: the table, its sets (created if missing, kept with
 * their elements if present, or with recreate deleted and made anew,
 * empty), the allow list's sets filled afresh, and both chains emptied
 * and filled.  Returns a string to free(), or NULL without memory.
 */
char	*nftrules_build(const struct mx_config *, const struct mx_allow *,
	    bool);

/* The table's removal, for --remove-table. */
char	*nftrules_remove(const struct mx_config *);

#endif
