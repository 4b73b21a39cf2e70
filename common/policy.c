/*
 * The one place that decides.  Every port feeds it parsed packets and the
 * current time, and carries out the action it returns; nothing here knows
 * about netfilter, pf or the wall clock.
 */
#include "policy.h"

static enum mx_action
whitelist_sender(const struct mx_policy *p, const struct mx_addr *src,
    int64_t now)
{
	switch (wl_insert(p->wl, src, now + p->whitelist_time)) {
	case WL_ADDED:
		p->stats->whitelisted++;
		break;
	case WL_REFRESHED:
		p->stats->refreshed++;
		return MX_REFRESH;
	case WL_NOMEM:
		p->stats->nomem++;
		break;
	}
	return MX_WHITELIST;
}

/*
 * To a fake MX: whitelist the sender and let the SYN through, so that the
 * kernel answers with a RST and a real MTA moves on to the next MX at once.
 * To a real MX: pass a whitelisted sender and renew its entry (MTAs such as
 * Exim skip a host that refused them for a while, and must not be cut off
 * while they do); drop everybody else.
 */
enum mx_action
policy_decide(const struct mx_policy *p, const struct pkt_info *pkt,
    int64_t now)
{
	if (!pkt_is_new_connection(pkt)) {
		p->stats->ignored++;
		return MX_IGNORE;
	}
	if (addrlist_contains(p->fake, &pkt->dst)) {
		p->stats->fake_hits++;
		return whitelist_sender(p, &pkt->src, now);
	}
	if (addrlist_contains(p->real, &pkt->dst)) {
		if (wl_contains(p->wl, &pkt->src, now)) {
			if (wl_insert(p->wl, &pkt->src,
			    now + p->whitelist_time) == WL_REFRESHED)
				p->stats->refreshed++;
			p->stats->accepted++;
			return MX_PASS;
		}
		p->stats->blocked++;
		return MX_BLOCK;
	}
	p->stats->ignored++;
	return MX_IGNORE;
}

const char *
policy_action_name(enum mx_action action)
{
	switch (action) {
	case MX_WHITELIST:
		return "whitelist";
	case MX_REFRESH:
		return "refresh";
	case MX_PASS:
		return "pass";
	case MX_BLOCK:
		return "block";
	case MX_IGNORE:
		break;
	}
	return "ignore";
}
