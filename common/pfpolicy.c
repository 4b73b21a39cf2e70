/*
 * The policy for packets pf has already acted on (see pfpolicy.h): pflog's
 * header says what pf did, and the common policy counts what happened.
 */
#include "log.h"
#include "pfpolicy.h"

static void
log_decision(enum mx_action action, const struct pflog_info *pfl,
    const struct pkt_info *pkt, enum mx_action own)
{
	char src[MX_ADDRSTRLEN], dst[MX_ADDRSTRLEN];

	log_debug("%s %s -> %s (firewall: %s on %s%s%s)", policy_action_name(action),
	    addr_format(&pkt->src, src, sizeof(src)),
	    addr_format(&pkt->dst, dst, sizeof(dst)),
	    pfl->action == PFLOG_ACTION_DROP ? "drop" : "pass",
	    pfl->ifname[0] != '\0' ? pfl->ifname : "?",
	    action != own ? ", core said " : "",
	    action != own ? policy_action_name(own) : "");
}

enum mx_action
pfpolicy_decide(const struct mx_policy *p, const struct pflog_info *pfl,
    const struct pkt_info *pkt, int64_t now)
{
	enum mx_action action, own;
	enum mx_fw_done done;

	if (pfl->dir != PFLOG_DIR_IN) {
		p->stats->ignored++;
		return MX_IGNORE;
	}
	done = pfl->action == PFLOG_ACTION_DROP ? MX_FW_DROPPED :
	    MX_FW_PASSED;
	action = policy_decide_after(p, pkt, done, now, &own);
	if (action != MX_IGNORE && log_debug_enabled())
		log_decision(action, pfl, pkt, own);
	return action;
}
