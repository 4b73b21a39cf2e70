/*
 * Replaying a savefile: the same core the daemon runs, with each packet's
 * own timestamp as the clock, and a line on standard output for every
 * decision instead of a firewall change:
 *
 *	<unix-time> <whitelist|refresh|pass|block|expire|evict> <src> <dst>
 *
 * (destination "-" for expire and evict), then one summary line.
 *
 * A pflog file (OpenBSD's or FreeBSD's, such as pflogd's /var/log/pflog)
 * carries pf's own verdict and direction, and is decided as the pf port
 * decides (mxd_decide_pf(), pfpolicy.c).  Other link types carry no
 * verdict: the core policy alone decides, passing whitelisted senders and
 * blocking others.
 *
 * Packets are read and decoded in batches, their senders' entries
 * prefetched together, then decided one by one in file order, as the
 * Linux port does with a received burst.
 *
 * Only TCP to port 25 is replayed, as with the default pcap-filter and the
 * Linux firewall rule.  The pcap-filter option itself is not applied: BPF
 * code for pflog data tests the header's af against the reading system's
 * AF_INET6, so it would silently skip the IPv6 packets of a file logged on
 * another system.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pflog.h"
#include "replay.h"

/* The link types as savefiles number them (tcpdump.org's LINKTYPE_). */
#define LINKTYPE_NULL		0
#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101
#define LINKTYPE_LOOP		108
#define LINKTYPE_LINUX_SLL	113
#define LINKTYPE_PFLOG		117
#define LINKTYPE_IPV4		228
#define LINKTYPE_IPV6		229
#define LINKTYPE_LINUX_SLL2	276

#define USEC_PER_SEC		1000000

/*
 * The savefile is read through a buffer this large rather than stdio's
 * default (a page or so): a replay of a large file otherwise spends about
 * a fifth of its time in read(2) calls.
 */
#define REPLAY_READ_BUFSIZE	(1024 * 1024)

/* A packet read and decoded, waiting for its decision. */
struct decoded {
	int64_t			 usec;		/* its time stamp */
	struct pflog_info	 pfl;
	struct pkt_info		 pkt;
	enum pkt_result		 res;
};

struct replay {
	struct mxd	*d;
	struct decoded	 batch[WL_PREFETCH_BATCH];
	struct mx_addr	 keys[WL_PREFETCH_BATCH];
	size_t		 nbatch;
	struct whitelist *blocked;	/* distinct blocked sources */
	FILE		*out;
	bool		 print;
	bool		 deciding;	/* a packet is being decided */
	struct mx_addr	 key;		/* its sender's whitelist key */
	struct mx_addr	*siblings;	/* added meanwhile, printed after */
	size_t		 nsiblings;
	size_t		 siblings_cap;
	int64_t		 now;		/* packet time, seconds */
	int64_t		 now_usec;	/* and in microseconds */
	uint64_t	 packets;
	uint64_t	 actions[MX_BLOCK + 1];
};

static const struct {
	int		 dlt;
	enum link_type	 link;
} link_types[] = {
	/* What libpcap reports on this system first... */
	{ DLT_PFLOG,		LINK_PFLOG },
	{ DLT_EN10MB,		LINK_ETHER },
	{ DLT_NULL,		LINK_NULL },
	{ DLT_RAW,		LINK_RAW },
#ifdef DLT_LOOP
	{ DLT_LOOP,		LINK_NULL },
#endif
#ifdef DLT_LINUX_SLL
	{ DLT_LINUX_SLL,	LINK_SLL },
#endif
#ifdef DLT_LINUX_SLL2
	{ DLT_LINUX_SLL2,	LINK_SLL2 },
#endif
#ifdef DLT_IPV4
	{ DLT_IPV4,		LINK_IPV4 },
#endif
#ifdef DLT_IPV6
	{ DLT_IPV6,		LINK_IPV6 },
#endif
	/* ...then the file's own numbers, for a libpcap that keeps them. */
	{ LINKTYPE_PFLOG,	LINK_PFLOG },
	{ LINKTYPE_ETHERNET,	LINK_ETHER },
	{ LINKTYPE_NULL,	LINK_NULL },
	{ LINKTYPE_RAW,		LINK_RAW },
	{ LINKTYPE_LOOP,	LINK_NULL },
	{ LINKTYPE_LINUX_SLL,	LINK_SLL },
	{ LINKTYPE_LINUX_SLL2,	LINK_SLL2 },
	{ LINKTYPE_IPV4,	LINK_IPV4 },
	{ LINKTYPE_IPV6,	LINK_IPV6 },
};

static int
link_from_dlt(int dlt, enum link_type *link)
{
	size_t i;

	for (i = 0; i < sizeof(link_types) / sizeof(link_types[0]); i++) {
		if (link_types[i].dlt == dlt) {
			*link = link_types[i].link;
			return 0;
		}
	}
	return -1;
}

/* Append v in decimal, zero-padded to width digits. */
static char *
put_decimal(char *p, uint64_t v, int width)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 || n < width);
	while (n > 0)
		*p++ = digits[--n];
	return p;
}

/* Append an address; dotted quads without inet_ntop's printf. */
static char *
put_addr(char *p, const struct mx_addr *addr)
{
	int i;

	if (!addr_is_v4(addr)) {
		addr_format(addr, p, MX_ADDRSTRLEN);
		return p + strlen(p);
	}
	for (i = 12; i < 16; i++) {
		p = put_decimal(p, addr->a[i], 1);
		*p++ = i < 15 ? '.' : ' ';
	}
	return p - 1;
}

/*
 * One decision line.  Built by hand: with a million packets, printf is
 * most of the cost of a replay.
 */
static void
print_line(struct replay *r, int64_t usec, const char *what,
    const struct mx_addr *src, const struct mx_addr *dst)
{
	char line[2 * MX_ADDRSTRLEN + 64], *p = line;
	size_t len = strlen(what);

	p = put_decimal(p, (uint64_t)usec / USEC_PER_SEC, 1);
	*p++ = '.';
	p = put_decimal(p, (uint64_t)usec % USEC_PER_SEC, 6);
	*p++ = ' ';
	memcpy(p, what, len);
	p += len;
	*p++ = ' ';
	p = put_addr(p, src);
	*p++ = ' ';
	if (dst != NULL)
		p = put_addr(p, dst);
	else
		*p++ = '-';
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), r->out);
}

/* The core has counted the removal; print it. */
static void
replay_removed(struct mxd *d, const struct mx_addr *addr, int64_t expires,
    enum wl_removal why)
{
	struct replay *r = d->port_state;

	if (!r->print)
		return;
	switch (why) {
	case WL_EXPIRED:
		print_line(r, expires * USEC_PER_SEC, "expire", addr, NULL);
		break;
	case WL_EVICTED:
		print_line(r, r->now_usec, "evict", addr, NULL);
		break;
	case WL_DROPPED:
		break;
	}
}

/*
 * Entries the packet's sender did not bring: reverse-DNS siblings.  Those
 * that come while the packet is decided (answered from the resolver's
 * cache) are printed after its decision line, the others at once.
 */
static void
replay_added(struct mxd *d, const struct mx_addr *addr)
{
	struct replay *r = d->port_state;
	struct mx_addr *grown;

	if (!r->print)
		return;
	if (!r->deciding) {
		print_line(r, r->now_usec, "whitelist", addr, NULL);
		return;
	}
	if (addr_equal(addr, &r->key))
		return;
	if (r->nsiblings == r->siblings_cap) {
		grown = reallocarray(r->siblings, r->siblings_cap + 32,
		    sizeof(*grown));
		if (grown == NULL) {
			d->stats.nomem++;
			return;
		}
		r->siblings = grown;
		r->siblings_cap += 32;
	}
	r->siblings[r->nsiblings++] = *addr;
}

static void
print_siblings(struct replay *r)
{
	size_t i;

	for (i = 0; i < r->nsiblings; i++)
		print_line(r, r->now_usec, "whitelist", &r->siblings[i], NULL);
	r->nsiblings = 0;
}

/*
 * Offline there is no hurry: take the answers to the packet's lookups
 * before the next packet, as if DNS answered at once.  A lookup that takes
 * longer than ten seconds is collected later.
 */
static void
wait_for_siblings(struct replay *r)
{
	struct mxd *d = r->d;
	struct pollfd pfd;
	int rounds;

	for (rounds = 0; resolver_pending(d->resolver) > 0 && rounds < 100;
	    rounds++) {
		pfd.fd = resolver_fd(d->resolver);
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
		mxd_resolver_collect(d, r->now);
	}
}

static void
decode(struct replay *r, enum link_type link, const struct pcap_pkthdr *hdr,
    const uint8_t *data)
{
	struct decoded *b = &r->batch[r->nbatch++];

	b->usec = (int64_t)hdr->ts.tv_sec * USEC_PER_SEC +
	    (int64_t)hdr->ts.tv_usec;
	b->res = link_decode(link, data, hdr->caplen, &b->pfl, &b->pkt);
	if (b->res == PKT_TCP && b->pkt.dport != REPLAY_SMTP_PORT)
		b->res = PKT_NOT_TCP;
}

static void
decide(struct replay *r, enum link_type link, const struct decoded *b)
{
	struct mxd *d = r->d;
	const struct pkt_info *pkt = &b->pkt;
	enum mx_action action;
	int64_t now;

	r->now_usec = b->usec;
	/* Seconds, rounded down also before 1970. */
	r->now = b->usec / USEC_PER_SEC - (b->usec % USEC_PER_SEC < 0);
	now = r->now;
	wl_expire(d->wl, now);
	r->deciding = true;
	/* For replay_added(), to tell the sender's own entry from siblings. */
	if (r->print)
		policy_key(&d->policy, &pkt->src, &r->key);
	if (!mxd_decidable(d, b->res))
		action = MX_IGNORE;
	else if (link == LINK_PFLOG)
		action = mxd_decide_pf(d, &b->pfl, pkt, now);
	else
		action = mxd_decide(d, pkt, now);
	r->deciding = false;
	r->actions[action]++;
	if (action == MX_IGNORE) {
		r->nsiblings = 0;
		return;
	}
	if (action == MX_BLOCK &&
	    wl_insert(r->blocked, &pkt->src, WL_NEVER) == WL_NOMEM)
		d->stats.nomem++;
	if (r->print)
		print_line(r, r->now_usec, policy_action_name(action),
		    &pkt->src, &pkt->dst);
	print_siblings(r);
	if (d->resolver != NULL)
		wait_for_siblings(r);
}

/* Decide the batch in file order, its senders' entries fetched first. */
static void
decide_batch(struct replay *r, enum link_type link)
{
	size_t i, nkeys = 0;

	for (i = 0; i < r->nbatch; i++)
		if (r->batch[i].res == PKT_TCP)
			policy_key(&r->d->policy, &r->batch[i].pkt.src,
			    &r->keys[nkeys++]);
	wl_prefetch(r->d->wl, r->keys, nkeys);
	for (i = 0; i < r->nbatch; i++)
		decide(r, link, &r->batch[i]);
	r->nbatch = 0;
}

static void
summary(const struct replay *r)
{
	const struct mx_stats *s = &r->d->stats;

	fprintf(r->out, "summary: packets %" PRIu64 ", malformed %" PRIu64
	    ", ignored %" PRIu64 ", whitelisted %" PRIu64 ", refreshed %"
	    PRIu64 ", passed %" PRIu64 ", blocked %" PRIu64
	    ", blocked-sources %zu, expired %" PRIu64 ", evicted %" PRIu64
	    ", entries %zu\n", r->packets, s->parse_errors, s->ignored,
	    r->actions[MX_WHITELIST], r->actions[MX_REFRESH],
	    r->actions[MX_PASS], r->actions[MX_BLOCK], wl_count(r->blocked),
	    s->expired, s->evictions, wl_count(r->d->wl));
	if (s->nomem > 0)
		fprintf(r->out, "summary: out of memory %" PRIu64 " times\n",
		    s->nomem);
}

/*
 * Open a savefile for libpcap: a file read through a buffer of our own,
 * freed after pcap_close() (*bufp), or "-", standard input as it is.
 */
static pcap_t *
open_savefile(const char *path, char **bufp)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	FILE *fp;
	pcap_t *p;

	*bufp = NULL;
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if (fp != stdin && (*bufp = malloc(REPLAY_READ_BUFSIZE)) != NULL)
		setvbuf(fp, *bufp, _IOFBF, REPLAY_READ_BUFSIZE);
	errbuf[0] = '\0';
	if ((p = pcap_fopen_offline(fp, errbuf)) == NULL) {
		/* Some of libpcap's messages name the file, some do not. */
		if (strstr(errbuf, path) != NULL)
			log_warnx("%s", errbuf);
		else
			log_warnx("%s: %s", path, errbuf);
		if (fp != stdin)
			fclose(fp);
		free(*bufp);
		*bufp = NULL;
	}
	return p;
}

static int
replay_file(struct replay *r, const char *path)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	enum link_type link;
	char *buf;
	pcap_t *p;
	int dlt, rc;

	if ((p = open_savefile(path, &buf)) == NULL)
		return 1;
	dlt = pcap_datalink(p);
	if (link_from_dlt(dlt, &link) == -1) {
		const char *name = pcap_datalink_val_to_name(dlt);

		log_warnx("%s: unsupported link type %s (%d): pflog, "
		    "Ethernet, Linux cooked, raw IP or loopback expected",
		    path, name != NULL ? name : "unknown", dlt);
		rc = 1;
		goto done;
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		r->packets++;
		decode(r, link, hdr, data);
		if (r->nbatch == WL_PREFETCH_BATCH)
			decide_batch(r, link);
	}
	decide_batch(r, link);
	summary(r);
	if (rc == PCAP_ERROR) {
		log_warnx("%s: corrupt or truncated after %" PRIu64
		    " packets: %s", path, r->packets, pcap_geterr(p));
		rc = 1;
	} else
		rc = 0;
done:
	pcap_close(p);
	free(buf);
	return rc;
}

/*
 * The replay is a port of the core whose firewall is standard output: the
 * core tells it of every entry that comes or goes, and it prints them.  It
 * has no descriptor, loop or privileges of its own: only the hooks the
 * core calls while the replay decides.
 */
static const struct mx_port replay_port = {
	.name = "replay",
	.added = replay_added,
	.removed = replay_removed,
};

int
replay_run(struct mxd *d)
{
	struct replay r;
	int rc = 1;

	memset(&r, 0, sizeof(r));
	r.d = d;
	r.out = stdout;
	r.print = !d->cfg.quiet;
	if (d->cfg.debug)
		log_set_level(LOG_LEVEL_DEBUG);
	d->port = &replay_port;
	d->port_state = &r;
	if (mxd_init_core(d, mxd_random_seed()) == -1 ||
	    (r.blocked = wl_create(0, mxd_random_seed(), NULL, NULL)) == NULL) {
		log_warnx("out of memory");
		goto done;
	}
	mxd_resolver_start(d);
	rc = replay_file(&r, d->cfg.replay);
	if (fflush(r.out) == EOF || ferror(r.out)) {
		log_warn("standard output");
		rc = 1;
	}
done:
	resolver_destroy(d->resolver);
	d->resolver = NULL;
	free(r.siblings);
	wl_destroy(r.blocked);
	mxd_allow_free(d);
	wl_destroy(d->wl);
	d->wl = NULL;
	report_destroy(d->report);
	d->report = NULL;
	config_free(&d->cfg);
	config_free(&d->cmdline);
	return rc;
}
