/*
 * The pflog header of both layouts, the other link layers, and what pf's
 * logged verdicts mean to the policy (pfpolicy.c) on the daemon's path for
 * them (mxd_decidable(), mxd_decide_pf()), with the clock given by the
 * test.
 */
#include <string.h>

#include "daemon.h"
#include "pflog.h"
#include "t.h"

#define AF_OPENBSD_INET6	24
#define AF_FREEBSD_INET6	28

static uint8_t pkt[512];

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A TCP segment (no payload) at p; returns its length. */
static size_t
tcp(uint8_t *p, unsigned sport, unsigned dport, uint8_t flags)
{
	memset(p, 0, 20);
	put16(p, sport);
	put16(p + 2, dport);
	p[12] = 5 << 4;
	p[13] = flags;
	put16(p + 14, 65535);
	return 20;
}

static size_t
ipv4(uint8_t *p, const char *src, const char *dst, uint8_t flags)
{
	struct mx_addr a;

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, 40);
	p[8] = 64;
	p[9] = 6;
	addr_parse(src, &a);
	memcpy(p + 12, a.a + 12, 4);
	addr_parse(dst, &a);
	memcpy(p + 16, a.a + 12, 4);
	return 20 + tcp(p + 20, 40000, 25, flags);
}

static size_t
ipv6(uint8_t *p, const char *src, const char *dst, uint8_t flags)
{
	struct mx_addr a;

	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, 20);
	p[6] = 6;
	p[7] = 64;
	addr_parse(src, &a);
	memcpy(p + 8, a.a, 16);
	addr_parse(dst, &a);
	memcpy(p + 24, a.a, 16);
	return 40 + tcp(p + 40, 40000, 25, flags);
}

/* A pflog header of the given length byte, as pf would write it. */
static size_t
pflog(uint8_t *p, uint8_t len, uint8_t af, uint8_t action, uint8_t dir,
    const char *ifname)
{
	size_t hlen = ((size_t)len + 3) & ~(size_t)3;

	memset(p, 0, hlen);
	p[0] = len;
	p[1] = af;
	p[2] = action;
	p[3] = 0;
	memcpy(p + 4, ifname, strnlen(ifname, 16));
	if (len > 60)
		p[60] = dir;
	else
		p[44] = dir;
	return hlen;
}

static void
test_parse(void)
{
	struct pflog_info info;
	size_t n;

	n = pflog(pkt, 100, 2, 0, 1, "em0");
	n += ipv4(pkt + n, "198.51.100.1", "192.0.2.10", TCP_FLAG_SYN);
	CHECK(pflog_parse(pkt, n, &info) == 100, "OpenBSD header: IP at 100");
	CHECK(info.hdrlen == 100 && info.af == 2 && info.action == 0 &&
	    info.dir == PFLOG_DIR_IN && strcmp(info.ifname, "em0") == 0,
	    "OpenBSD header fields");

	n = pflog(pkt, 69, AF_FREEBSD_INET6, 1, 2, "vtnet0");
	CHECK(n == 72, "FreeBSD header occupies 72 bytes");
	n += ipv6(pkt + n, "2001:db8:1::1", "2001:db8::20", TCP_FLAG_SYN);
	CHECK(pflog_parse(pkt, n, &info) == 72, "FreeBSD header 69: IP at 72");
	CHECK(info.hdrlen == 69 && info.af == 28 &&
	    info.action == PFLOG_ACTION_DROP && info.dir == PFLOG_DIR_OUT &&
	    strcmp(info.ifname, "vtnet0") == 0, "FreeBSD header fields");

	pflog(pkt, 72, 2, 0, 1, "em0");
	CHECK(pflog_parse(pkt, 112, &info) == 72, "header length 72: IP at 72");

	pflog(pkt, 45, 2, 0, 1, "lo0");
	CHECK(pflog_parse(pkt, 88, &info) == 48 && info.dir == PFLOG_DIR_IN,
	    "old 45-byte header: IP at 48, dir at 44");

	pflog(pkt, 44, 2, 0, 1, "em0");
	CHECK(pflog_parse(pkt, 84, &info) == -1 && info.hdrlen == 0,
	    "header length 44 rejected");
	pkt[0] = 0;
	CHECK(pflog_parse(pkt, 84, &info) == -1, "header length 0 rejected");

	pflog(pkt, 100, 2, 0, 1, "em0");
	CHECK(pflog_parse(pkt, 99, &info) == -1,
	    "header length 100 in a 99-byte capture rejected");
	CHECK(pflog_parse(pkt, 100, &info) == 100,
	    "header alone (100 of 100 bytes) accepted");
	pflog(pkt, 69, 2, 0, 1, "em0");
	CHECK(pflog_parse(pkt, 70, &info) == -1,
	    "header length 69 rounds to 72, beyond a 70-byte capture");
	CHECK(pflog_parse(pkt, 44, &info) == -1, "44-byte capture rejected");
	CHECK(pflog_parse(pkt, 0, &info) == -1, "empty capture rejected");

	pflog(pkt, 100, 2, 0, 1, "abcdefghijklmnop");
	CHECK(pflog_parse(pkt, 100, &info) == 100 &&
	    strcmp(info.ifname, "abcdefghijklmnop") == 0,
	    "16-byte interface name without NUL is terminated");
}

static void
test_af(void)
{
	struct pflog_info info;
	struct pkt_info p;
	size_t n;

	CHECK(pflog_af_version(2) == 4 && pflog_af_version(24) == 6 &&
	    pflog_af_version(28) == 6 && pflog_af_version(10) == 6 &&
	    pflog_af_version(30) == 6 && pflog_af_version(0) == 0 &&
	    pflog_af_version(99) == 0, "af values of every system");

	n = pflog(pkt, 100, AF_OPENBSD_INET6, 0, 1, "em0");
	n += ipv6(pkt + n, "2001:db8:1::1", "2001:db8::10", TCP_FLAG_SYN);
	CHECK(link_decode(LINK_PFLOG, pkt, n, &info, &p) == PKT_TCP &&
	    p.ip_version == 6 && p.dport == 25 &&
	    p.tcp_flags == TCP_FLAG_SYN, "OpenBSD IPv6 (af 24) decodes");

	n = pflog(pkt, 69, AF_FREEBSD_INET6, 0, 1, "em0");
	n += ipv6(pkt + n, "2001:db8:1::1", "2001:db8::10", TCP_FLAG_SYN);
	CHECK(link_decode(LINK_PFLOG, pkt, n, &info, &p) == PKT_TCP &&
	    p.ip_version == 6, "FreeBSD IPv6 (af 28) decodes");

	pkt[1] = 2;
	CHECK(link_decode(LINK_PFLOG, pkt, n, &info, &p) == PKT_MALFORMED,
	    "af 2 over an IPv6 header is malformed");
	pkt[1] = 99;
	CHECK(link_decode(LINK_PFLOG, pkt, n, &info, &p) == PKT_TCP,
	    "unknown af: the IP header decides");

	n = pflog(pkt, 100, AF_OPENBSD_INET6, 0, 1, "em0");
	n += ipv4(pkt + n, "198.51.100.1", "192.0.2.10", TCP_FLAG_SYN);
	CHECK(link_decode(LINK_PFLOG, pkt, n, &info, &p) == PKT_MALFORMED,
	    "af 24 over an IPv4 header is malformed");

	n = pflog(pkt, 100, 2, 0, 1, "em0");
	n += ipv4(pkt + n, "198.51.100.1", "192.0.2.10", TCP_FLAG_SYN);
	CHECK(link_decode(LINK_PFLOG, pkt, n - 1, &info, &p) == PKT_MALFORMED,
	    "TCP header cut by the capture is malformed");
	pkt[0] = 40;
	CHECK(link_decode(LINK_PFLOG, pkt, n, &info, &p) == PKT_MALFORMED,
	    "short pflog header is malformed");
}

static void
test_links(void)
{
	struct pflog_info info;
	struct pkt_info p;
	size_t n;

	memset(pkt, 0, 18);
	pkt[12] = 0x08;
	n = 14 + ipv4(pkt + 14, "198.51.100.1", "192.0.2.10", TCP_FLAG_SYN);
	CHECK(link_decode(LINK_ETHER, pkt, n, &info, &p) == PKT_TCP &&
	    p.ip_version == 4 && info.hdrlen == 0, "Ethernet IPv4");
	CHECK(link_decode(LINK_ETHER, pkt, 13, &info, &p) == PKT_MALFORMED,
	    "Ethernet cut short is malformed");
	pkt[12] = 0x86;
	pkt[13] = 0xdd;
	CHECK(link_decode(LINK_ETHER, pkt, n, &info, &p) == PKT_MALFORMED,
	    "Ethernet IPv6 type over an IPv4 packet is malformed");
	pkt[12] = 0x08;
	pkt[13] = 0x06;
	CHECK(link_decode(LINK_ETHER, pkt, n, &info, &p) == PKT_NOT_TCP,
	    "ARP is not TCP");

	memset(pkt, 0, 18);
	put16(pkt + 12, 0x8100);
	put16(pkt + 14, 25);
	put16(pkt + 16, 0x86dd);
	n = 18 + ipv6(pkt + 18, "2001:db8:1::1", "2001:db8::20",
	    TCP_FLAG_SYN);
	CHECK(link_decode(LINK_ETHER, pkt, n, &info, &p) == PKT_TCP &&
	    p.ip_version == 6, "Ethernet with a VLAN tag, IPv6");
	CHECK(link_decode(LINK_ETHER, pkt, 17, &info, &p) == PKT_MALFORMED,
	    "VLAN tag cut short is malformed");

	memset(pkt, 0, 16);
	put16(pkt + 14, 0x0800);
	n = 16 + ipv4(pkt + 16, "198.51.100.1", "192.0.2.10", TCP_FLAG_SYN);
	CHECK(link_decode(LINK_SLL, pkt, n, &info, &p) == PKT_TCP,
	    "Linux cooked capture");
	memset(pkt, 0, 20);
	put16(pkt, 0x86dd);
	n = 20 + ipv6(pkt + 20, "2001:db8:1::1", "2001:db8::20",
	    TCP_FLAG_SYN);
	CHECK(link_decode(LINK_SLL2, pkt, n, &info, &p) == PKT_TCP &&
	    p.ip_version == 6, "Linux cooked capture v2");

	memset(pkt, 0, 4);
	pkt[0] = 2;
	n = 4 + ipv4(pkt + 4, "198.51.100.1", "192.0.2.10", TCP_FLAG_SYN);
	CHECK(link_decode(LINK_NULL, pkt, n, &info, &p) == PKT_TCP,
	    "BSD loopback");
	CHECK(link_decode(LINK_NULL, pkt, 3, &info, &p) == PKT_MALFORMED,
	    "BSD loopback cut short is malformed");

	n = ipv6(pkt, "2001:db8:1::1", "2001:db8::20", TCP_FLAG_SYN);
	CHECK(link_decode(LINK_RAW, pkt, n, &info, &p) == PKT_TCP,
	    "raw IPv6");
	CHECK(link_decode(LINK_IPV6, pkt, n, &info, &p) == PKT_TCP,
	    "IPv6 link type");
	CHECK(link_decode(LINK_IPV4, pkt, n, &info, &p) == PKT_MALFORMED,
	    "IPv6 packet on the IPv4 link type is malformed");
	CHECK(link_decode(LINK_RAW, pkt, 0, &info, &p) == PKT_MALFORMED,
	    "empty packet is malformed");
}

static struct removed {
	int		count;
	struct mx_addr	last;
} removed;

static void
on_removed(void *arg, const struct mx_addr *addr, int64_t expires,
    enum wl_removal why)
{
	(void)arg;
	(void)expires;
	(void)why;
	removed.count++;
	removed.last = *addr;
}

static void
setup(struct mxd *d)
{
	struct mx_addr a;

	memset(d, 0, sizeof(*d));
	config_init(&d->cfg);
	addr_parse("192.0.2.10", &a);
	addrlist_add(&d->cfg.fake, &a);
	addr_parse("2001:db8::10", &a);
	addrlist_add(&d->cfg.fake, &a);
	addr_parse("192.0.2.20", &a);
	addrlist_add(&d->cfg.real, &a);
	addr_parse("2001:db8::20", &a);
	addrlist_add(&d->cfg.real, &a);
	d->cfg.whitelist_time = 60;
	d->wl = wl_create(0, 1, on_removed, NULL);
	d->policy.fake = &d->cfg.fake;
	d->policy.real = &d->cfg.real;
	d->policy.whitelist_time = 60;
	d->policy.wl = d->wl;
	d->policy.stats = &d->stats;
}

static void
teardown(struct mxd *d)
{
	wl_destroy(d->wl);
	config_free(&d->cfg);
}

/* Decide one pflog packet: header, IP version by the address, SYN flags. */
static enum mx_action
logged(struct mxd *d, uint8_t action, uint8_t dir, const char *src,
    const char *dst, uint8_t flags, int64_t now)
{
	struct pflog_info info;
	struct pkt_info p;
	enum pkt_result res;
	size_t n;
	bool v6 = strchr(src, ':') != NULL;

	n = pflog(pkt, 100, v6 ? AF_OPENBSD_INET6 : 2, action, dir, "em0");
	n += v6 ? ipv6(pkt + n, src, dst, flags) : ipv4(pkt + n, src, dst,
	    flags);
	res = link_decode(LINK_PFLOG, pkt, n, &info, &p);
	return mxd_decidable(d, res) ? mxd_decide_pf(d, &info, &p, now) :
	    MX_IGNORE;
}

static bool
listed(struct mxd *d, const char *text, int64_t now)
{
	struct mx_addr a;

	addr_parse(text, &a);
	return wl_contains(d->wl, &a, now);
}

#define PASS	PFLOG_ACTION_PASS
#define DROP	PFLOG_ACTION_DROP
#define IN	PFLOG_DIR_IN
#define OUT	PFLOG_DIR_OUT
#define SYN	TCP_FLAG_SYN
#define S1	"198.51.100.1"
#define S2	"198.51.100.2"
#define S3	"198.51.100.3"
#define S6	"2001:db8:1::1"
#define FAKE	"192.0.2.10"
#define REAL	"192.0.2.20"

static void
test_decide(void)
{
	struct mxd d;
	enum mx_action a, b, c;
	struct mx_addr s1;

	/* CHECK evaluates its condition twice: decide outside it. */
	setup(&d);
	a = logged(&d, PASS, IN, S1, FAKE, SYN, 1000);
	CHECK(a == MX_WHITELIST && listed(&d, S1, 1000),
	    "fake-MX SYN whitelists the sender");
	a = logged(&d, DROP, IN, S1, FAKE, SYN, 1001);
	CHECK(a == MX_REFRESH,
	    "a second fake-MX SYN (even one pf dropped) refreshes");
	a = logged(&d, PASS, IN, S1, REAL, SYN, 1002);
	CHECK(a == MX_PASS && d.stats.accepted == 1,
	    "real-MX SYN pf passed: pass");
	a = logged(&d, DROP, IN, S2, REAL, SYN, 1003);
	CHECK(a == MX_BLOCK && d.stats.blocked == 1 && !listed(&d, S2, 1003),
	    "real-MX SYN pf dropped from a stranger: block");

	/* The table add lost the race against the first real SYN. */
	a = logged(&d, PASS, IN, S3, FAKE, SYN, 1010);
	CHECK(a == MX_WHITELIST, "race: fake-MX hit");
	a = logged(&d, DROP, IN, S3, REAL, SYN, 1010);
	CHECK(a == MX_BLOCK && d.stats.blocked == 2 && d.stats.accepted == 1,
	    "race: pf dropped the real SYN: block, counted as blocked");
	CHECK(listed(&d, S3, 1010),
	    "race: the sender stays whitelisted after the drop");
	a = logged(&d, PASS, IN, S3, REAL, SYN, 1011);
	CHECK(a == MX_PASS && d.stats.accepted == 2,
	    "race: the retransmission passes");

	a = logged(&d, PASS, IN, "198.51.100.9", REAL, SYN, 1020);
	CHECK(a == MX_PASS && d.stats.accepted == 3 && d.stats.blocked == 2,
	    "stranger pf passed (another rule): pass, counted as accepted");
	CHECK(!listed(&d, "198.51.100.9", 1020),
	    "stranger pf passed is not whitelisted");

	a = logged(&d, PASS, OUT, S2, FAKE, SYN, 1030);
	CHECK(a == MX_IGNORE && !listed(&d, S2, 1030),
	    "outbound SYN to a fake MX is ignored");
	a = logged(&d, DROP, OUT, S2, REAL, SYN, 1030);
	CHECK(a == MX_IGNORE && d.stats.blocked == 2,
	    "outbound SYN to a real MX is ignored");
	a = logged(&d, PASS, 0, S2, FAKE, SYN, 1030);
	CHECK(a == MX_IGNORE, "direction 0 (in or out) is ignored");
	a = logged(&d, PASS, IN, S2, FAKE, SYN | TCP_FLAG_ACK, 1030);
	CHECK(a == MX_IGNORE && !listed(&d, S2, 1030), "SYN-ACK is ignored");
	a = logged(&d, PASS, IN, S2, "192.0.2.99", SYN, 1030);
	CHECK(a == MX_IGNORE, "SYN to another host is ignored");
	CHECK(d.stats.ignored == 5, "ignored counted (%llu)",
	    (unsigned long long)d.stats.ignored);

	a = logged(&d, PASS, IN, S6, "2001:db8::10", SYN, 1040);
	b = logged(&d, DROP, IN, S6, "2001:db8::20", SYN, 1040);
	c = logged(&d, PASS, IN, S6, "2001:db8::20", SYN, 1041);
	CHECK(a == MX_WHITELIST && b == MX_BLOCK && c == MX_PASS,
	    "IPv6: whitelist, race block, pass");

	/* Expiry with the injected clock: S1 was last renewed at 1002. */
	CHECK(listed(&d, S1, 1061) && !listed(&d, S1, 1062),
	    "entry lives whitelist-time after its last use");
	a = logged(&d, PASS, IN, S1, REAL, SYN, 1061);
	CHECK(a == MX_PASS && listed(&d, S1, 1120),
	    "a real-MX pass renews the entry");
	removed.count = 0;
	wl_expire(d.wl, 1121);
	addr_parse(S1, &s1);
	CHECK(removed.count == 3 && !listed(&d, S1, 1121),
	    "entries expire, and the removal callback hears of them");
	CHECK(addr_equal(&removed.last, &s1),
	    "the last to expire is the one renewed last");
	a = logged(&d, DROP, IN, S1, REAL, SYN, 1125);
	CHECK(a == MX_BLOCK, "after expiry the sender is blocked");

	CHECK(!mxd_decidable(&d, PKT_MALFORMED) && d.stats.parse_errors == 1,
	    "malformed counted as parse error");
	CHECK(!mxd_decidable(&d, PKT_NOT_TCP) &&
	    !mxd_decidable(&d, PKT_FRAGMENT) && d.stats.ignored == 7,
	    "other protocols and fragments ignored");
	CHECK(mxd_decidable(&d, PKT_TCP) && d.stats.ignored == 7 &&
	    d.stats.parse_errors == 1, "TCP is decided, not counted here");
	teardown(&d);
}

/* The counters one packet moves, and by how much. */
struct moved {
	uint64_t	fake_hits, whitelisted, refreshed, accepted, blocked;
	uint64_t	ignored;
};

/* Did the counters move from before to after as want says, and only so? */
static bool
moved_by(const struct mx_stats *before, const struct mx_stats *after,
    const struct moved *want)
{
	struct mx_stats expect = *before;

	expect.fake_hits += want->fake_hits;
	expect.whitelisted += want->whitelisted;
	expect.refreshed += want->refreshed;
	expect.accepted += want->accepted;
	expect.blocked += want->blocked;
	expect.ignored += want->ignored;
	return memcmp(&expect, after, sizeof(expect)) == 0;
}

/*
 * Where pf's action wins, each packet is counted once, as what happened,
 * in the counters the policy is pointed at: never counted as the policy
 * alone would have decided and then moved.  The policy here counts apart
 * from the daemon's own statistics, so a count made in one and taken back
 * in the other shows (it did, before pfpolicy.c).
 */
static void
test_counted_once(void)
{
	static const struct {
		const char	*what;
		uint8_t		 action, dir;
		const char	*src, *dst;
		enum mx_action	 want;
		struct moved	 moved;
	} steps[] = {
		{ "stranger to the real MX, passed by pf (another rule): "
		    "accepted", PASS, IN, S2, REAL, MX_PASS,
		    { .accepted = 1 } },
		{ "stranger to the real MX, dropped by pf: blocked",
		    DROP, IN, S2, REAL, MX_BLOCK, { .blocked = 1 } },
		{ "fake-MX SYN dropped by pf: a fake-MX hit, whitelisted",
		    DROP, IN, S1, FAKE, MX_WHITELIST,
		    { .fake_hits = 1, .whitelisted = 1 } },
		{ "whitelisted sender dropped by pf (the race): blocked, "
		    "entry renewed", DROP, IN, S1, REAL, MX_BLOCK,
		    { .blocked = 1, .refreshed = 1 } },
		{ "whitelisted sender passed by pf: accepted, entry renewed",
		    PASS, IN, S1, REAL, MX_PASS,
		    { .accepted = 1, .refreshed = 1 } },
		{ "fake-MX SYN passed by pf from a listed sender: refreshed",
		    PASS, IN, S1, FAKE, MX_REFRESH,
		    { .fake_hits = 1, .refreshed = 1 } },
		{ "outbound SYN: ignored", DROP, OUT, S2, REAL, MX_IGNORE,
		    { .ignored = 1 } },
		{ "IPv6 stranger passed by pf: accepted", PASS, IN, S6,
		    "2001:db8::20", MX_PASS, { .accepted = 1 } },
	};
	struct mx_stats policy_stats, before;
	struct mxd d;
	enum mx_action a;
	size_t i;

	setup(&d);
	memset(&policy_stats, 0, sizeof(policy_stats));
	d.policy.stats = &policy_stats;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		before = policy_stats;
		a = logged(&d, steps[i].action, steps[i].dir, steps[i].src,
		    steps[i].dst, SYN, 2000 + (int64_t)i);
		CHECK(a == steps[i].want &&
		    moved_by(&before, &policy_stats, &steps[i].moved),
		    "counted once: %s", steps[i].what);
	}
	CHECK(policy_stats.accepted == 3 && policy_stats.blocked == 2 &&
	    policy_stats.whitelisted == 1 && policy_stats.fake_hits == 2,
	    "counted once: 3 accepted, 2 blocked, 1 whitelisted in all");
	memset(&before, 0, sizeof(before));
	CHECK(memcmp(&d.stats, &before, sizeof(before)) == 0,
	    "counted once: nothing counted beside the policy's counters");
	CHECK(!listed(&d, S2, 2010) && !listed(&d, S6, 2010),
	    "counted once: strangers pf passed are not whitelisted");
	teardown(&d);
}

int
main(void)
{
	test_parse();
	test_af();
	test_links();
	test_decide();
	test_counted_once();
	return T_DONE();
}
