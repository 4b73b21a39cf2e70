/*
 * Unit tests for policy.c, with the clock injected: every decision is
 * taken at a time the test chooses.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "t.h"

#define FAKE4		"192.0.2.10"
#define REAL4		"192.0.2.20"
#define FAKE6		"2001:db8::10"
#define REAL6		"2001:db8::20"
#define OTHER4		"192.0.2.30"
#define WL_TIME		3600

struct setup {
	struct mx_addrlist	fake, real;
	struct mx_stats		stats;
	struct mx_policy	p;
};

static struct mx_addr
A(const char *text)
{
	struct mx_addr a;

	if (!addr_parse(text, &a))
		abort();
	return a;
}

static void
setup_init(struct setup *s)
{
	struct mx_addr a;

	memset(s, 0, sizeof(*s));
	a = A(FAKE4);
	addrlist_add(&s->fake, &a);
	a = A(FAKE6);
	addrlist_add(&s->fake, &a);
	a = A(REAL4);
	addrlist_add(&s->real, &a);
	a = A(REAL6);
	addrlist_add(&s->real, &a);
	s->p.fake = &s->fake;
	s->p.real = &s->real;
	s->p.whitelist_time = WL_TIME;
	s->p.stats = &s->stats;
	if ((s->p.wl = wl_create(1000, 42, NULL, NULL)) == NULL)
		abort();
}

static void
setup_free(struct setup *s)
{
	wl_destroy(s->p.wl);
	addrlist_free(&s->fake);
	addrlist_free(&s->real);
}

/* A TCP segment from src to dst. */
static struct pkt_info
tcp(const char *src, const char *dst, uint8_t flags)
{
	struct pkt_info pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.src = A(src);
	pkt.dst = A(dst);
	pkt.sport = 40000;
	pkt.dport = 25;
	pkt.tcp_flags = flags;
	pkt.ip_version = strchr(src, ':') && strchr(dst, ':') ? 6 : 4;
	return pkt;
}

/* One TCP segment from src to dst at time now. */
static enum mx_action
seg(struct setup *s, const char *src, const char *dst, uint8_t flags,
    int64_t now)
{
	struct pkt_info pkt = tcp(src, dst, flags);

	return policy_decide(&s->p, &pkt, now);
}

static enum mx_action
syn(struct setup *s, const char *src, const char *dst, int64_t now)
{
	return seg(s, src, dst, TCP_FLAG_SYN, now);
}

static bool
listed(struct setup *s, const char *src, int64_t now)
{
	struct mx_addr a = A(src);

	return wl_contains(s->p.wl, &a, now);
}

static void
test_flow(void)
{
	struct setup s;
	enum mx_action a;

	setup_init(&s);
	a = syn(&s, "198.51.100.7", REAL4, 0);
	CHECK(a == MX_BLOCK, "real MX from an unknown sender -> block");
	a = syn(&s, "198.51.100.7", FAKE4, 1);
	CHECK(a == MX_WHITELIST, "fake MX hit -> whitelist");
	CHECK(listed(&s, "198.51.100.7", 1) &&
	    listed(&s, "198.51.100.7", 1 + WL_TIME - 1) &&
	    !listed(&s, "198.51.100.7", 1 + WL_TIME),
	    "the sender is whitelisted for whitelist-time from the hit");
	a = syn(&s, "198.51.100.7", REAL4, 2);
	CHECK(a == MX_PASS, "then the real MX from that sender -> pass");
	a = syn(&s, "198.51.100.7", FAKE4, 3);
	CHECK(a == MX_REFRESH, "a second fake hit -> refresh");
	a = syn(&s, "198.51.100.8", REAL4, 4);
	CHECK(a == MX_BLOCK, "real MX from another sender is still blocked");
	a = syn(&s, "198.51.100.7", REAL6, 5);
	CHECK(a == MX_PASS, "a whitelisted sender passes to any real MX");

	a = seg(&s, "198.51.100.8", REAL4, TCP_FLAG_SYN | TCP_FLAG_ACK, 6);
	CHECK(a == MX_IGNORE, "SYN|ACK to the real MX -> ignore");
	a = seg(&s, "198.51.100.8", REAL4, TCP_FLAG_ACK, 7);
	CHECK(a == MX_IGNORE, "ACK to the real MX -> ignore");
	a = seg(&s, "198.51.100.8", FAKE4, TCP_FLAG_SYN | TCP_FLAG_RST, 8);
	CHECK(a == MX_IGNORE && !listed(&s, "198.51.100.8", 8),
	    "SYN|RST to a fake MX -> ignore, sender not whitelisted");
	a = seg(&s, "198.51.100.8", FAKE4, TCP_FLAG_SYN | TCP_FLAG_ACK, 9);
	CHECK(a == MX_IGNORE && !listed(&s, "198.51.100.8", 9),
	    "SYN|ACK to a fake MX -> ignore, sender not whitelisted");
	a = syn(&s, "198.51.100.8", OTHER4, 10);
	CHECK(a == MX_IGNORE, "SYN to an address that is no MX -> ignore");
	a = syn(&s, "198.51.100.7", OTHER4, 11);
	CHECK(a == MX_IGNORE, "whitelisted sender to no MX -> ignore");

	/* Counted: 2 fake hits, 1 new, 2 passes, 2 blocks, 6 ignored. */
	CHECK(s.stats.fake_hits == 2, "fake_hits = 2 (%llu)",
	    (unsigned long long)s.stats.fake_hits);
	CHECK(s.stats.whitelisted == 1, "whitelisted = 1 (%llu)",
	    (unsigned long long)s.stats.whitelisted);
	CHECK(s.stats.accepted == 2, "accepted = 2 (%llu)",
	    (unsigned long long)s.stats.accepted);
	CHECK(s.stats.blocked == 2, "blocked = 2 (%llu)",
	    (unsigned long long)s.stats.blocked);
	CHECK(s.stats.ignored == 6, "ignored = 6 (%llu)",
	    (unsigned long long)s.stats.ignored);
	/* The fake re-hit and each pass renew the entry. */
	CHECK(s.stats.refreshed == 3, "refreshed = 3 (%llu)",
	    (unsigned long long)s.stats.refreshed);
	CHECK(s.stats.nomem == 0 && s.stats.parse_errors == 0 &&
	    s.stats.evictions == 0 && s.stats.expired == 0,
	    "no other counter moves");
	CHECK(wl_count(s.p.wl) == 1, "exactly one sender is whitelisted");
	setup_free(&s);
}

static void
test_expiry(void)
{
	struct setup s;
	enum mx_action a;

	setup_init(&s);
	syn(&s, "198.51.100.1", FAKE4, 1000);
	syn(&s, "198.51.100.2", FAKE4, 1000);
	a = syn(&s, "198.51.100.1", REAL4, 1000 + WL_TIME - 1);
	CHECK(a == MX_PASS, "pass one second before whitelist-time ends");
	a = syn(&s, "198.51.100.2", REAL4, 1000 + WL_TIME);
	CHECK(a == MX_BLOCK, "block at exactly whitelist-time after the hit");

	/* The daemon purges before deciding; a new hit whitelists anew. */
	wl_expire(s.p.wl, 1000 + WL_TIME);
	a = syn(&s, "198.51.100.2", FAKE4, 1000 + WL_TIME);
	CHECK(a == MX_WHITELIST && s.stats.whitelisted == 3,
	    "after expiry a fake hit whitelists the sender again");
	setup_free(&s);
}

static void
test_refresh_on_use(void)
{
	struct setup s;
	enum mx_action a;

	setup_init(&s);
	syn(&s, "198.51.100.1", FAKE4, 0);
	syn(&s, "198.51.100.2", FAKE4, 0);
	a = syn(&s, "198.51.100.1", REAL4, 3000);
	CHECK(a == MX_PASS, "pass at t=3000");
	a = syn(&s, "198.51.100.1", REAL4, 5000);
	CHECK(a == MX_PASS, "the pass at t=3000 keeps the sender alive at "
	    "t=5000 (whitelist-time 3600)");
	a = syn(&s, "198.51.100.2", REAL4, 5000);
	CHECK(a == MX_BLOCK, "a sender not seen since t=0 is blocked at "
	    "t=5000");
	CHECK(listed(&s, "198.51.100.1", 5000 + WL_TIME - 1) &&
	    !listed(&s, "198.51.100.1", 5000 + WL_TIME),
	    "each pass renews the entry to whitelist-time from then");

	/* A fake re-hit also renews. */
	syn(&s, "198.51.100.3", FAKE4, 100);
	a = syn(&s, "198.51.100.3", FAKE4, 3000);
	CHECK(a == MX_REFRESH && listed(&s, "198.51.100.3", 6599) &&
	    !listed(&s, "198.51.100.3", 6600),
	    "a fake re-hit at t=3000 renews the entry to t=6600");
	setup_free(&s);
}

static void
test_families(void)
{
	struct setup s;
	enum mx_action a;

	setup_init(&s);
	a = syn(&s, "198.51.100.9", FAKE4, 0);
	CHECK(a == MX_WHITELIST, "IPv4 fake hit");
	a = syn(&s, "::ffff:198.51.100.9", "::ffff:" REAL4, 10);
	CHECK(a == MX_PASS, "the same sender as an IPv4-mapped IPv6 source "
	    "passes");
	a = syn(&s, "::ffff:198.51.100.10", "::ffff:" FAKE4, 20);
	CHECK(a == MX_WHITELIST, "a fake hit to the IPv4-mapped fake MX "
	    "counts as a fake hit");
	a = syn(&s, "198.51.100.10", REAL4, 30);
	CHECK(a == MX_PASS, "and whitelists the plain IPv4 sender");

	a = syn(&s, "2001:db8:ffff::1", FAKE6, 40);
	CHECK(a == MX_WHITELIST, "IPv6 fake hit");
	a = syn(&s, "2001:db8:ffff::1", REAL6, 50);
	CHECK(a == MX_PASS, "then the IPv6 real MX -> pass");
	a = syn(&s, "2001:db8:ffff::2", REAL6, 60);
	CHECK(a == MX_BLOCK, "another IPv6 sender in the same /64 is "
	    "blocked");
	setup_free(&s);
}

/* A SYN the firewall has already acted on; own: the policy's own view. */
static enum mx_action
syn_after(struct setup *s, const char *src, const char *dst,
    enum mx_fw_done done, int64_t now, enum mx_action *own)
{
	struct pkt_info pkt = tcp(src, dst, TCP_FLAG_SYN);

	return policy_decide_after(&s->p, &pkt, done, now, own);
}

/*
 * A firewall that acts first (pf): what it did to a real-MX SYN is what
 * happened and what is counted, once; a whitelisted sender's entry is
 * renewed either way; a fake-MX SYN is a fake-MX hit whatever it did.
 */
static void
test_firewall_first(void)
{
	struct setup s;
	struct mx_stats before;
	enum mx_action a, own;

	setup_init(&s);
	a = syn_after(&s, "198.51.100.1", REAL4, MX_FW_PASSED, 10, &own);
	CHECK(a == MX_PASS && own == MX_BLOCK && s.stats.accepted == 1 &&
	    s.stats.blocked == 0 && s.stats.refreshed == 0 &&
	    !listed(&s, "198.51.100.1", 10),
	    "stranger passed by the firewall: pass, accepted, not listed");
	a = syn_after(&s, "198.51.100.1", REAL4, MX_FW_DROPPED, 11, &own);
	CHECK(a == MX_BLOCK && own == MX_BLOCK && s.stats.accepted == 1 &&
	    s.stats.blocked == 1, "stranger dropped by the firewall: block");
	a = syn_after(&s, "198.51.100.2", FAKE4, MX_FW_DROPPED, 20, &own);
	CHECK(a == MX_WHITELIST && own == MX_WHITELIST &&
	    s.stats.fake_hits == 1 && s.stats.whitelisted == 1,
	    "fake-MX SYN dropped by the firewall: whitelist");
	before = s.stats;
	a = syn_after(&s, "198.51.100.2", REAL4, MX_FW_DROPPED, 30, &own);
	CHECK(a == MX_BLOCK && own == MX_PASS &&
	    s.stats.blocked == before.blocked + 1 &&
	    s.stats.accepted == before.accepted &&
	    s.stats.refreshed == before.refreshed + 1 &&
	    listed(&s, "198.51.100.2", 30 + WL_TIME - 1),
	    "listed sender dropped by the firewall: block, entry renewed");
	before = s.stats;
	a = syn_after(&s, "198.51.100.2", REAL4, MX_FW_PASSED, 40, &own);
	CHECK(a == MX_PASS && own == MX_PASS &&
	    s.stats.accepted == before.accepted + 1 &&
	    s.stats.blocked == before.blocked &&
	    s.stats.refreshed == before.refreshed + 1,
	    "listed sender passed by the firewall: pass, entry renewed");
	a = syn_after(&s, "198.51.100.2", OTHER4, MX_FW_PASSED, 50, &own);
	CHECK(a == MX_IGNORE && own == MX_IGNORE && s.stats.ignored == 1,
	    "SYN to no MX: ignored, whatever the firewall did");
	a = syn_after(&s, "198.51.100.3", REAL4, MX_FW_WAITING, 60, &own);
	CHECK(a == MX_BLOCK && own == MX_BLOCK && s.stats.blocked == 3,
	    "a waiting firewall gets the policy's own verdict");
	CHECK(s.stats.fake_hits + s.stats.accepted + s.stats.blocked +
	    s.stats.ignored == 7, "7 packets, each counted once");
	setup_free(&s);
}

static void
test_names(void)
{
	CHECK(strcmp(policy_action_name(MX_IGNORE), "ignore") == 0 &&
	    strcmp(policy_action_name(MX_WHITELIST), "whitelist") == 0 &&
	    strcmp(policy_action_name(MX_REFRESH), "refresh") == 0 &&
	    strcmp(policy_action_name(MX_PASS), "pass") == 0 &&
	    strcmp(policy_action_name(MX_BLOCK), "block") == 0,
	    "every action has its name");
}

int
main(void)
{
	test_flow();
	test_expiry();
	test_refresh_on_use();
	test_families();
	test_firewall_first();
	test_names();
	return T_DONE();
}
