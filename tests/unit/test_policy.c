/*
 * Unit tests for policy.c, with the clock injected: every decision is
 * taken at a time the test chooses.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logcap.h"
#include "pfpolicy.h"
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

/* An allow list of these entries (addresses, networks). */
static struct mx_allow *
allow_of(char *const *entries, size_t n)
{
	struct mx_allow *al = allow_build(entries, n, NULL);

	if (al == NULL)
		abort();
	return al;
}

static void
test_allow(void)
{
	char *entries[] = { "198.51.100.7", "203.0.113.0/24",
	    "2001:db8:5::/48", "mail.example.net" };
	struct mx_addr names_addrs[2];
	struct mx_allow *al = allow_of(entries, 4);
	struct setup s;
	enum mx_action a, own;
	struct pflog_info pfl;
	struct pkt_info pkt;
	int i;
	bool all;

	setup_init(&s);
	s.p.allow = al;
	CHECK(al->count == 3 && al->nnames == 1 && !al->resolved[0],
	    "allow list: 3 networks and a name, not yet resolved");
	CHECK(syn(&s, "198.51.100.8", REAL4, 0) == MX_BLOCK &&
	    s.stats.allowed == 0, "an address next to an allowed one is "
	    "blocked");
	all = true;
	for (i = 0; i < 3; i++)
		all = all && syn(&s, "198.51.100.7", REAL4,
		    (int64_t)i * 10 * WL_TIME) == MX_PASS;
	CHECK(all && s.stats.allowed == 3 && s.stats.fake_hits == 0 &&
	    s.stats.whitelisted == 0 && !listed(&s, "198.51.100.7", 0),
	    "an allowed address passes the real MX with no fake-MX hit, "
	    "long after any whitelist-time, and is not whitelisted");
	CHECK(syn(&s, "203.0.113.200", REAL4, 5) == MX_PASS &&
	    syn(&s, "::ffff:203.0.113.1", REAL4, 5) == MX_PASS &&
	    syn(&s, "203.0.114.1", REAL4, 5) == MX_BLOCK,
	    "an allowed /24 covers its addresses (IPv4-mapped too), no more");
	CHECK(syn(&s, "2001:db8:5:ffff::1", REAL6, 5) == MX_PASS &&
	    syn(&s, "2001:db8:6::1", REAL6, 5) == MX_BLOCK,
	    "an allowed IPv6 /48 likewise");
	CHECK(s.stats.allowed == 6 && s.stats.accepted == 6 &&
	    s.stats.blocked == 3, "allowed SYNs are counted as allowed and "
	    "accepted, each once");
	names_addrs[0] = A("192.0.2.77");
	names_addrs[1] = A("2001:db8:77::1");
	CHECK(syn(&s, "192.0.2.77", REAL4, 6) == MX_BLOCK &&
	    allow_set_name(al, 0, names_addrs, 2) == 0 && al->resolved[0] &&
	    syn(&s, "192.0.2.77", REAL4, 7) == MX_PASS &&
	    syn(&s, "2001:db8:77::1", REAL6, 7) == MX_PASS,
	    "a name's addresses pass once it is resolved");
	CHECK(allow_set_name(al, 0, NULL, 0) == 0 &&
	    syn(&s, "192.0.2.77", REAL4, 8) == MX_BLOCK && al->count == 3,
	    "a name that lost its addresses no longer passes");
	CHECK(syn(&s, "198.51.100.7", FAKE4, 9) == MX_WHITELIST,
	    "an allowed sender at a fake MX is whitelisted as anybody");
	/* pf: what pf did wins. */
	memset(&pfl, 0, sizeof(pfl));
	pfl.dir = PFLOG_DIR_IN;
	pfl.action = PFLOG_ACTION_PASS;
	pkt = tcp("203.0.113.9", REAL4, TCP_FLAG_SYN);
	a = policy_decide_after(&s.p, &pkt, MX_FW_PASSED, 10, &own);
	CHECK(a == MX_PASS && own == MX_PASS && s.stats.allowed == 9,
	    "pf passed an allowed sender: allowed");
	a = policy_decide_after(&s.p, &pkt, MX_FW_DROPPED, 10, &own);
	CHECK(a == MX_BLOCK && own == MX_PASS && s.stats.allowed == 9 &&
	    s.stats.blocked == 6, "pf dropped an allowed sender (its table "
	    "lost the entry): blocked, and the core says pass");
	CHECK(pfpolicy_decide(&s.p, &pfl, &pkt, 11) == MX_PASS &&
	    s.stats.allowed == 10, "pfpolicy counts it too");
	CHECK(s.stats.fake_hits + s.stats.accepted + s.stats.blocked +
	    s.stats.ignored == 17, "17 packets, each counted once");
	setup_free(&s);
	allow_free(al);
}

/* The names' DNS, substituted: a.test has two addresses, b.test none,
 * c.test fails (SERVFAIL) once resolved. */
static int c_fails;

static int
fake_addrs(const char *name, struct mx_addr *out, size_t max, size_t *n)
{
	*n = 0;
	if (strcmp(name, "a.test") == 0 && max >= 2) {
		out[0] = A("192.0.2.41");
		out[1] = A("2001:db8:41::1");
		*n = 2;
		return 0;
	}
	if (strcmp(name, "c.test") == 0) {
		if (c_fails)
			return -1;
		out[0] = A("192.0.2.43");
		*n = 1;
		return 0;
	}
	return 1;
}

/* Resolve al's names in the thread; bounded wait. */
static int
resolve(struct mx_allow *al)
{
	struct allow_resolve *r = allow_resolve_start(al, -1, fake_addrs);
	int i;

	if (r == NULL)
		return -2;
	for (i = 0; i < 5000 && !allow_resolve_done(r); i++)
		usleep(1000);
	return allow_resolve_finish(r, al);
}

static void
test_allow_resolve(void)
{
	char *entries[] = { "a.test", "b.test", "c.test", "192.0.2.0/28" };
	struct mx_allow *al = allow_of(entries, 4), *next;
	struct mx_addr x = A("192.0.2.43");

	CHECK(resolve(al) == 0 && al->count == 4 && al->resolved[0] &&
	    al->resolved[1] && al->resolved[2],
	    "the thread resolves every name: 2 + 0 + 1 addresses, and the "
	    "network");
	CHECK(allow_has(al, &x, 128), "c.test's address is on the list");
	c_fails = 1;
	CHECK(resolve(al) == 1 && allow_has(al, &x, 128),
	    "a name that fails keeps its addresses, and the failure is "
	    "counted");
	next = allow_build(entries + 2, 1, al);
	CHECK(next != NULL && next->count == 1 && next->resolved[0] &&
	    allow_has(next, &x, 128), "a reloaded list keeps the addresses "
	    "of names it still has");
	allow_free(next);
	allow_free(al);
	c_fails = 0;
	al = allow_of(entries + 3, 1);
	CHECK(allow_resolve_start(al, -1, fake_addrs) == NULL,
	    "nothing to resolve: no thread");
	allow_free(al);
}

static void
test_allow_parse(void)
{
	struct mx_addr a, net = A("192.0.2.0");
	unsigned bits;
	char err[256];

	CHECK(allow_parse("192.0.2.1", &a, &bits, err, sizeof(err)) ==
	    ALLOW_NET && bits == 128, "an IPv4 address");
	CHECK(allow_parse("192.0.2.1/24", &a, &bits, err, sizeof(err)) ==
	    ALLOW_NET && bits == 120 && addr_equal(&a, &net),
	    "an IPv4 network, masked");
	CHECK(allow_parse("2001:db8::1/64", &a, &bits, err, sizeof(err)) ==
	    ALLOW_NET && bits == 64, "an IPv6 network");
	CHECK(allow_parse("mx-1.example.net", &a, &bits, err, sizeof(err)) ==
	    ALLOW_NAME, "a host name");
	CHECK(allow_parse("192.0.2.1/7", &a, &bits, err, sizeof(err)) ==
	    ALLOW_BAD && strstr(err, "from 8 to 32") != NULL,
	    "an IPv4 prefix shorter than 8 is refused");
	CHECK(allow_parse("2001:db8::/15", &a, &bits, err, sizeof(err)) ==
	    ALLOW_BAD && allow_parse("2001:db8::/129", &a, &bits, err,
	    sizeof(err)) == ALLOW_BAD && allow_parse("192.0.2.0/33", &a, &bits,
	    err, sizeof(err)) == ALLOW_BAD && allow_parse("192.0.2.0/", &a,
	    &bits, err, sizeof(err)) == ALLOW_BAD && allow_parse("192.0.2.0/x",
	    &a, &bits, err, sizeof(err)) == ALLOW_BAD &&
	    allow_parse("192.0.2.0/+8", &a, &bits, err, sizeof(err)) ==
	    ALLOW_BAD, "bad prefixes are refused");
	CHECK(allow_parse("192.0.2.300", &a, &bits, err, sizeof(err)) ==
	    ALLOW_BAD && allow_parse("-a.example", &a, &bits, err,
	    sizeof(err)) == ALLOW_BAD && allow_parse("a..example", &a, &bits,
	    err, sizeof(err)) == ALLOW_BAD && allow_parse("a b", &a, &bits,
	    err, sizeof(err)) == ALLOW_BAD && allow_parse("", &a, &bits, err,
	    sizeof(err)) == ALLOW_BAD && allow_parse("host/24", &a, &bits, err,
	    sizeof(err)) == ALLOW_BAD && strstr(err, "not an address") != NULL,
	    "bad addresses and names are refused");
}

/* logcap for the standard output, where info lines go. */
static void
outcap_start(struct logcap *c)
{
	fflush(stdout);
	if ((c->file = tmpfile()) == NULL ||
	    (c->saved = dup(STDOUT_FILENO)) == -1 ||
	    dup2(fileno(c->file), STDOUT_FILENO) == -1)
		abort();
}

static const char *
outcap_stop(struct logcap *c)
{
	size_t n;

	fflush(stdout);
	if (dup2(c->saved, STDOUT_FILENO) == -1)
		abort();
	close(c->saved);
	rewind(c->file);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->file);
	c->text[n] = '\0';
	fclose(c->file);
	return c->text;
}

static void
test_observe(void)
{
	struct setup s;
	struct logcap c;
	const char *text;
	enum mx_action a, own;
	struct pkt_info pkt;
	bool all = true;
	int i;

	setup_init(&s);
	s.p.observe = true;
	if ((s.p.observed = wl_create(100, 7, NULL, NULL)) == NULL)
		abort();
	log_init("test_policy", true, LOG_LEVEL_INFO);
	outcap_start(&c);
	for (i = 0; i < 5; i++)
		all = all && syn(&s, OTHER4, REAL4, i) == MX_PASS;
	all = all && syn(&s, OTHER4, REAL4, WL_TIME + 10) == MX_PASS;
	text = outcap_stop(&c);
	CHECK(all && s.stats.would_block == 6 && s.stats.accepted == 6 &&
	    s.stats.blocked == 0, "observe: a direct sender passes, every "
	    "SYN counted as would-block and accepted");
	CHECK(logcap_count(text, "would block " OTHER4 " -> " REAL4) == 2,
	    "observe: logged once per whitelist-time");
	CHECK(!listed(&s, OTHER4, 0), "observe: the sender is not "
	    "whitelisted");
	CHECK(syn(&s, OTHER4, FAKE4, 100) == MX_WHITELIST &&
	    syn(&s, OTHER4, REAL4, 101) == MX_PASS && s.stats.would_block == 6,
	    "observe: a whitelisted sender is no would-block");
	pkt = tcp("192.0.2.31", REAL4, TCP_FLAG_SYN);
	outcap_start(&c);
	a = policy_decide_after(&s.p, &pkt, MX_FW_PASSED, 200, &own);
	text = outcap_stop(&c);
	CHECK(a == MX_PASS && own == MX_BLOCK && s.stats.would_block == 7 &&
	    logcap_count(text, "would block 192.0.2.31") == 1,
	    "observe on pf: a SYN pf passed from a non-whitelisted sender is "
	    "a would-block");
	a = policy_decide_after(&s.p, &pkt, MX_FW_DROPPED, 201, &own);
	CHECK(a == MX_BLOCK && s.stats.would_block == 7 &&
	    s.stats.blocked == 1, "observe on pf: a SYN pf dropped is blocked");
	s.p.observe = false;
	CHECK(syn(&s, "192.0.2.32", REAL4, 300) == MX_BLOCK &&
	    s.stats.would_block == 7, "enforcing again: blocked");
	wl_destroy(s.p.observed);
	setup_free(&s);
}

/*
 * fake-answer 421/450 (issue 17): a SYN to the fake MX whitelists nobody
 * and passes; a completed handshake (policy_answered()) whitelists as a
 * fake-MX hit did, with the prefix; the real MX then lets the peer in.
 */
static void
test_fake_answers(void)
{
	struct setup s;
	struct mx_addr a = A("198.51.100.7"), net;

	setup_init(&s);
	s.p.fake_answers = true;
	CHECK(syn(&s, "198.51.100.7", FAKE4, 0) == MX_IGNORE &&
	    !listed(&s, "198.51.100.7", 0) && s.stats.fake_hits == 1 &&
	    s.stats.whitelisted == 0 && s.stats.ignored == 0,
	    "answering: a SYN to the fake MX passes, is a fake-MX hit, and "
	    "whitelists nobody");
	CHECK(syn(&s, "198.51.100.7", REAL4, 1) == MX_BLOCK,
	    "answering: a SYN alone does not open the real MX");
	CHECK(policy_answered(&s.p, &a, 2) == MX_WHITELIST &&
	    listed(&s, "198.51.100.7", 2) && s.stats.whitelisted == 1,
	    "answering: a completed handshake whitelists the peer");
	CHECK(policy_answered(&s.p, &a, 3) == MX_REFRESH &&
	    s.stats.refreshed == 1, "answering: again, it is renewed");
	CHECK(syn(&s, "198.51.100.7", REAL4, 4) == MX_PASS,
	    "answering: the peer then passes the real MX");
	s.p.prefix4 = 24;
	a = A("203.0.113.9");
	net = A("203.0.113.0");
	CHECK(policy_answered(&s.p, &a, 5) == MX_WHITELIST &&
	    wl_contains(s.p.wl, &net, 5) && !listed(&s, "203.0.113.9", 5),
	    "answering: whitelist-prefix4 applies, as to a fake-MX hit");
	s.p.fake_answers = false;
	s.p.prefix4 = 0;
	CHECK(syn(&s, "192.0.2.77", FAKE4, 6) == MX_WHITELIST &&
	    listed(&s, "192.0.2.77", 6), "rst: the SYN whitelists, as before");
	setup_free(&s);
}

int
main(void)
{
	test_fake_answers();
	test_allow();
	test_allow_parse();
	test_allow_resolve();
	test_observe();
	test_flow();
	test_expiry();
	test_refresh_on_use();
	test_families();
	test_firewall_first();
	test_names();
	return T_DONE();
}
