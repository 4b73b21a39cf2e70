/*
 * The one place that decides and counts.  Every port feeds it parsed
 * packets and the current time, and carries out the action it returns, or,
 * where the firewall acts first (pf), tells it what the firewall did
 * (pfpolicy.c); nothing here knows about netfilter, pf or the wall clock.
 */
#include "log.h"
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
 * To a real MX: a whitelisted sender's entry is renewed (MTAs such as Exim
 * skip a host that refused them for a while, and must not be cut off while
 * they do), and the SYN passes; anybody else's is dropped.  Unless the
 * firewall has acted already: then what it did is what happened, and it is
 * what is counted, once.  *own is what the policy alone would have done.
 */
/* Observe mode: what would have been blocked, logged once in a while. */
static void
would_block(const struct mx_policy *p, const struct pkt_info *pkt,
    int64_t now)
{
	char src[MX_ADDRSTRLEN], dst[MX_ADDRSTRLEN];

	p->stats->would_block++;
	if (p->observed != NULL) {
		if (wl_contains(p->observed, &pkt->src, now))
			return;
		(void)wl_insert(p->observed, &pkt->src,
		    now + p->whitelist_time);
	}
	log_info("would block %s -> %s",
	    addr_format(&pkt->src, src, sizeof(src)),
	    addr_format(&pkt->dst, dst, sizeof(dst)));
}

static enum mx_action
real_mx_hit(const struct mx_policy *p, const struct pkt_info *pkt,
    const struct mx_addr *key, enum mx_fw_done done, int64_t now,
    enum mx_action *own)
{
	bool listed, passed;

	/* The allow list first: it never expires, and needs no renewal. */
	if (allow_match(p->allow, &pkt->src)) {
		*own = MX_PASS;
		if (done == MX_FW_DROPPED) {
			p->stats->blocked++;
			return MX_BLOCK;
		}
		p->stats->allowed++;
		p->stats->accepted++;
		return MX_PASS;
	}
	listed = wl_renew(p->wl, key, now, now + p->whitelist_time);
	if (listed)
		p->stats->refreshed++;
	*own = listed ? MX_PASS : MX_BLOCK;
	passed = done == MX_FW_WAITING ? listed : done == MX_FW_PASSED;
	if (!listed && p->observe && done != MX_FW_DROPPED) {
		would_block(p, pkt, now);
		passed = true;
	}
	if (passed) {
		p->stats->accepted++;
		return MX_PASS;
	}
	p->stats->blocked++;
	return MX_BLOCK;
}

/*
 * To a fake MX: whitelist the sender and let the SYN through, so that the
 * kernel answers with a RST and a real MTA moves on to the next MX at once.
 * What the firewall did with it changes nothing: a refused SYN to a fake MX
 * is the point.  To a real MX: see real_mx_hit().  Each packet moves
 * exactly one of the counters fake_hits, accepted, blocked and ignored.
 */
enum mx_action
policy_decide_after(const struct mx_policy *p, const struct pkt_info *pkt,
    enum mx_fw_done done, int64_t now, enum mx_action *own)
{
	struct mx_addr key;

	*own = MX_IGNORE;
	if (!pkt_is_new_connection(pkt)) {
		p->stats->ignored++;
		return MX_IGNORE;
	}
	policy_key(p, &pkt->src, &key);
	if (addrlist_contains(p->fake, &pkt->dst)) {
		p->stats->fake_hits++;
		/* The listener decides once the handshake is done. */
		if (p->fake_answers)
			return MX_IGNORE;
		*own = whitelist_sender(p, &key, now);
		return *own;
	}
	if (addrlist_contains(p->real, &pkt->dst))
		return real_mx_hit(p, pkt, &key, done, now, own);
	p->stats->ignored++;
	return MX_IGNORE;
}

/*
 * A peer completed the handshake with the answering fake MX: whitelisted
 * as a fake-MX hit would be (its network with whitelist-prefix4/6).
 */
enum mx_action
policy_answered(const struct mx_policy *p, const struct mx_addr *src,
    int64_t now)
{
	struct mx_addr key;

	policy_key(p, src, &key);
	return whitelist_sender(p, &key, now);
}

/* A packet the firewall waits on our verdict for (NFQUEUE, replay). */
enum mx_action
policy_decide(const struct mx_policy *p, const struct pkt_info *pkt,
    int64_t now)
{
	enum mx_action own;

	return policy_decide_after(p, pkt, MX_FW_WAITING, now, &own);
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

const char *
policy_origin_name(uint32_t origin)
{
	switch (origin) {
	case MX_ORIGIN_FAKE:
		return "fake";
	case MX_ORIGIN_SIBLING:
		return "sibling";
	case MX_ORIGIN_MANUAL:
		return "manual";
	case MX_ORIGIN_RESTORED:
		return "restored";
	case MX_ORIGIN_SYNC:
		return "sync";
	}
	return "unknown";
}
