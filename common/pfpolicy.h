/*
 * The policy for packets pf has already acted on: what pf logs (pflog).
 */
#ifndef MX_PFPOLICY_H
#define MX_PFPOLICY_H

#include <stdint.h>

#include "packet.h"
#include "pflog.h"
#include "policy.h"

/*
 * What one logged TCP segment means.  Only inbound connection attempts
 * count; everything else is MX_IGNORE.  The common policy decides, and
 * where pf has already acted otherwise on a real-MX SYN, pf's action is
 * what happened to the packet, so it wins, and is what is counted:
 *
 *  - to a fake MX: the sender is whitelisted (MX_WHITELIST) or its entry
 *    renewed (MX_REFRESH), whatever pf did with the SYN;
 *  - to a real MX, passed by pf: MX_PASS, and a whitelisted sender's entry
 *    is renewed.  A sender pf passed without the core knowing it (another
 *    pf rule let it in) is counted as accepted, not blocked, and is NOT
 *    added to the whitelist: the daemon only adds senders it has seen at
 *    a fake MX;
 *  - to a real MX, dropped by pf: MX_BLOCK, counted as blocked.  If the
 *    core holds the sender as whitelisted, the table add lost the race
 *    against this SYN (or the table lost its entries): the entry is kept
 *    and renewed, and the sender's retransmission will pass.  A caller may
 *    test wl_contains() for the sender's key after MX_BLOCK to spot this
 *    and put the sender into the table again.
 *
 * The pf action is the one logged; actions other than pass and drop (such
 * as a scrub or a match rule) are taken as "pf did not stop it".  Each
 * packet moves the policy's counters once, as policy_decide() does.
 */
enum mx_action	pfpolicy_decide(const struct mx_policy *,
		    const struct pflog_info *, const struct pkt_info *,
		    int64_t);

#endif
