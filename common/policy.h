/*
 * The decision policy: what one new connection attempt means.
 */
#ifndef MX_POLICY_H
#define MX_POLICY_H

#include <stdint.h>

#include "addr.h"
#include "allow.h"
#include "packet.h"
#include "stats.h"
#include "whitelist.h"

enum mx_action {
	MX_IGNORE,	/* not a new connection to an MX: let it be */
	MX_WHITELIST,	/* to a fake MX: sender whitelisted, let it through */
	MX_REFRESH,	/* to a fake MX from a sender already whitelisted */
	MX_PASS,	/* to the real MX from a whitelisted sender */
	MX_BLOCK	/* to the real MX, not whitelisted: drop it */
};

/*
 * What the firewall did with a packet before the policy heard of it.  An
 * NFQUEUE packet waits for our verdict; pf acts first and logs what it
 * did, and what it did to a real-MX SYN is what happened.
 */
enum mx_fw_done {
	MX_FW_WAITING,	/* nothing yet: the policy's action is the verdict */
	MX_FW_PASSED,	/* let it through */
	MX_FW_DROPPED	/* dropped it */
};

/*
 * How an entry of the daemon's whitelist came in last: its value in the
 * whitelist (which costs no memory: the value fills padding).  A sender
 * the policy whitelists is 0, what wl_insert() gives.
 */
enum mx_origin {
	MX_ORIGIN_FAKE = 0,	/* a connection attempt to a fake MX */
	MX_ORIGIN_SIBLING,	/* an address of a sender's name (rDNS) */
	MX_ORIGIN_MANUAL,	/* the control socket's "add" */
	MX_ORIGIN_RESTORED,	/* the state file, or the pf table at start */
	MX_ORIGIN_SYNC		/* another gate, through the sync server */
};

const char	*policy_origin_name(uint32_t);

struct mx_policy {
	const struct mx_addrlist *fake;
	const struct mx_addrlist *real;
	int64_t		 whitelist_time;
	unsigned	 prefix4;	/* whitelist the sender's network */
	unsigned	 prefix6;
	struct whitelist *wl;
	struct mx_stats	*stats;
	const struct mx_allow *allow;	/* NULL: none */
	/*
	 * Observe mode: a SYN the policy would block passes, is counted as
	 * would_block, and its sender is logged once per whitelist-time
	 * (observed remembers whom; NULL: log every time).
	 */
	bool		 observe;
	struct whitelist *observed;
	/*
	 * fake-answer 421 or 450: the fake MX answers, and whitelists a peer
	 * once the handshake is complete (policy_answered()); a SYN to it,
	 * which anybody can forge, whitelists nobody and passes.
	 */
	bool		 fake_answers;
};

void		policy_key(const struct mx_policy *, const struct mx_addr *,
		    struct mx_addr *);
enum mx_action	policy_decide(const struct mx_policy *, const struct pkt_info *,
		    int64_t);
enum mx_action	policy_decide_after(const struct mx_policy *,
		    const struct pkt_info *, enum mx_fw_done, int64_t,
		    enum mx_action *);
enum mx_action	policy_answered(const struct mx_policy *, const struct mx_addr *,
		    int64_t);
const char	*policy_action_name(enum mx_action);

#endif
