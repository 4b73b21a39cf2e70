/*
 * The one place that decides.  Every port feeds it parsed packets and the
 * current time, and carries out the action it returns; nothing here knows
 * about netfilter, pf or the wall clock.
 */
#include "policy.h"

/*
 * The whitelist key for a sender: its network when whitelist-prefix4/6 ask
 * for one, else the address itself.  Unset prefixes (0), and full ones
 * (32, 128), mean the address.
 */
void
policy_key(const struct mx_policy *p, const struct mx_addr *src,
    struct mx_addr *key)
{
	unsigned bits4 = p->prefix4 ? p->prefix4 : 32;
	unsigned bits6 = p->prefix6 ? p->prefix6 : 128;

	*key = *src;
	if (addr_is_v4(src) ? bits4 < 32 : bits6 < 128)
		addr_mask(key, addr_prefix_bits(src, bits4, bits6));
}

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
	struct mx_addr key;

	if (!pkt_is_new_connection(pkt)) {
		p->stats->ignored++;
		return MX_IGNORE;
	}
	policy_key(p, &pkt->src, &key);
	if (addrlist_contains(p->fake, &pkt->dst)) {
		p->stats->fake_hits++;
		return whitelist_sender(p, &key, now);
	}
	if (addrlist_contains(p->real, &pkt->dst)) {
		if (wl_renew(p->wl, &key, now, now + p->whitelist_time)) {
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
