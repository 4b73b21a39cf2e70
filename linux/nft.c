/*
 * The Linux port's nftables backend: the kernel decides every SYN, as pf
 * does on the BSDs, and mxallowd keeps the sets it decides with.
 *
 * At start, one nftables transaction (nftrules.c's text, through
 * libnftables) creates the table, its sets and its chains, or adopts
 * sets an earlier run left (their elements keep their remaining time;
 * they enter the core's whitelist first) and replaces the chains.  A
 * reload does the same with the new configuration.  Sets of another size
 * (max-entries changed) are made anew, in the same transaction, with the
 * core's entries and their remaining time.  The table outlives the
 * daemon: stopped or killed, the kernel goes on deciding alone.
 *
 * The rules log to NFLOG what the daemon must know (nftrules.h): fake-MX
 * hits, which the kernel has already added to the set (the core is told,
 * for the statistics, the reports and the reverse-DNS siblings), fake-MX
 * hits a full set refused (the core whitelists the sender, evicting the
 * entry closest to expiry, and both changes go to the kernel), and
 * dropped SYNs to the real MX (counted and reported; a sender the core
 * holds as whitelisted goes into the set again).  A real-MX SYN the set
 * lets through is not logged: the kernel renews the element, and the
 * daemon learns of it when it reads the sets back (nft_readback()).
 *
 * Every other change of the whitelist (siblings, the control socket's
 * add and delete, restored entries, evictions) is queued and leaves in
 * one transaction when the burst is over (the flush hook, or the end of
 * a batch of NFLOG messages).  Entries that expire in the core are left
 * to the kernel, which has its own timeout and may have renewed them.
 *
 * The core's view follows the kernel's: before entries expire in the
 * core, before the state file is written and before the control socket
 * shows the whitelist, the sets are read back (libmnl; at most once a
 * second, less often for large sets), and each kernel element's
 * remaining time renews the core's entry, kernel elements the core lacks
 * enter it, and core entries the kernel no longer has leave it.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <nftables/libnftables.h>

#include "daemon.h"
#include "log.h"
#include "nft.h"
#include "nftrules.h"
#include "peercred.h"
#include "pflog.h"
#include "privdrop.h"

#define COPY_RANGE	128
#define RCVBUF_BYTES	(8 * 1024 * 1024)
#define RECV_BYTES	(160 * 1024)	/* more than LOG_BUFSIZ */
#define RECV_ROUNDS	64	/* datagrams per wake-up, so signals get in */
/*
 * The kernel gathers logged packets into one netlink message of up to
 * LOG_BUFSIZ bytes, LOG_QTHRESH packets at most, for at most LOG_TIMEOUT
 * hundredths of a second: under a flood, one message (and one wake-up of
 * the daemon) carries hundreds of packets instead of a few.
 */
#define LOG_QTHRESH	512
#define LOG_BUFSIZ	131072
#define LOG_TIMEOUT	1
#define CHANGE_BATCH	512	/* elements per transaction */

struct change {
	struct mx_addr	 key;
	int64_t		 expires;	/* 0: delete */
};

struct nftb {
	struct nft_ctx		*nft;
	struct mnl_socket	*nl;	/* the sets read back (libnftnl) */
	struct mnl_socket	*log;	/* NFLOG */
	uint32_t		 seq;
	uint16_t		 group;
	char			*table;
	struct change		*changes;
	size_t			 nchanges, capchanges;
	/* The core's changes come from the kernel: nothing to send. */
	bool			 quiet;
	bool			 batching;
	int64_t			 synced;	/* when the sets were read */
	int64_t			 sync_gap;	/* seconds to the next read */
	int64_t			 allow_fixed;	/* last allow list repair */
	/* The named counters as last read (counter_names). */
	uint64_t		 counted[5];
	char			*buf;
	struct log_ratelimit	 warn_error;
	struct log_ratelimit	 warn_overflow;
};

static struct nftb nftb_state;

static void	commit_changes(struct mxd *, struct nftb *);

/* Run nft commands; -1 with the first line of nft's complaint logged. */
static int
run(struct mxd *d, struct nftb *b, const char *text, bool quiet_fail)
{
	const char *msg;
	char line[512];
	size_t n;

	if (nft_run_cmd_from_buffer(b->nft, text) == 0) {
		(void)nft_ctx_get_error_buffer(b->nft);	/* empties it */
		return 0;
	}
	msg = nft_ctx_get_error_buffer(b->nft);
	if (quiet_fail || msg == NULL)
		return -1;
	n = strcspn(msg, "\n");
	snprintf(line, sizeof(line), "%.*s", (int)n, msg);
	d->stats.port_errors++;
	log_warn_limited(&b->warn_error, mxd_now(), "nftables: %s", line);
	return -1;
}

static struct nft_ctx *
new_ctx(void)
{
	struct nft_ctx *nft;

	if ((nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL)
		return NULL;
	if (nft_ctx_buffer_error(nft) != 0 ||
	    nft_ctx_buffer_output(nft) != 0) {
		nft_ctx_free(nft);
		return NULL;
	}
	return nft;
}

/*
 * One request to nf_tables and its answers, each handed to cb.  Returns
 * 0, or an errno value (ENOENT: no such table or set).
 */
static int
request(struct nftb *b, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	unsigned portid = mnl_socket_get_portid(b->nl);
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(b->nl, nlh, nlh->nlmsg_len) == -1)
		return errno;
	for (;;) {
		if ((n = mnl_socket_recvfrom(b->nl, b->buf, RECV_BYTES)) == -1) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		rc = mnl_cb_run(b->buf, (size_t)n, seq, portid, cb, arg);
		if (rc == -1)
			return errno;
		if (rc <= MNL_CB_STOP)
			return 0;
	}
}

static struct nftnl_set *
set_named(struct nftb *b, const char *name)
{
	struct nftnl_set *s;

	if ((s = nftnl_set_alloc()) == NULL)
		fatal("nftables: set");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, b->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	return s;
}

static int
size_cb(const struct nlmsghdr *nlh, void *arg)
{
	uint32_t *size = arg;
	struct nftnl_set *s;

	if ((s = nftnl_set_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE))
		*size = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* A set's size: 0 and ENOENT when there is no such set. */
static int
set_size(struct nftb *b, const char *name, uint32_t *size)
{
	char req[1024];
	struct nftnl_set *s = set_named(b, name);
	struct nlmsghdr *nlh;
	int err;

	*size = 0;
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETSET, NFPROTO_INET,
	    NLM_F_ACK, ++b->seq);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	err = request(b, nlh, size_cb, size);
	return err;
}

static int
counter_cb(const struct nlmsghdr *nlh, void *arg)
{
	uint64_t *pkts = arg;
	struct nftnl_obj *o;

	if ((o = nftnl_obj_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    nftnl_obj_is_set(o, NFTNL_OBJ_CTR_PKTS))
		*pkts = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

/* A named counter's packets; 0 when it cannot be read. */
static uint64_t
counter_packets(struct nftb *b, const char *name)
{
	char req[1024];
	struct nftnl_obj *o;
	struct nlmsghdr *nlh;
	uint64_t pkts = 0;

	if ((o = nftnl_obj_alloc()) == NULL)
		return 0;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, b->table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETOBJ, NFPROTO_INET,
	    NLM_F_ACK, ++b->seq);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	(void)request(b, nlh, counter_cb, &pkts);
	return pkts;
}

/* What the kernel does without a word to the daemon, counted instead. */
static const char *const counter_names[] = { NFT_COUNTER_PASSED,
    NFT_COUNTER_ALLOWED, NFT_COUNTER_FAKE_UNLOGGED,
    NFT_COUNTER_FULL_UNLOGGED, NFT_COUNTER_BLOCK_UNLOGGED };

/*
 * The counters since the last look, into the statistics: SYNs of
 * whitelisted and allowed senders to a real MX, and what went past the
 * log's rate limit.  A counter that went back (reset) starts afresh.
 */
static void
read_counters(struct mxd *d, struct nftb *b, bool count)
{
	uint64_t now[5], delta[5];
	size_t i;

	for (i = 0; i < 5; i++) {
		now[i] = counter_packets(b, counter_names[i]);
		delta[i] = now[i] >= b->counted[i] ? now[i] - b->counted[i] : 0;
		b->counted[i] = now[i];
	}
	if (!count)
		return;
	d->stats.accepted += delta[0] + delta[1];
	d->stats.allowed += delta[1];
	d->stats.fake_hits += delta[2] + delta[3];
	if (d->cfg.observe) {
		d->stats.would_block += delta[4];
		d->stats.accepted += delta[4];
	} else
		d->stats.blocked += delta[4];
}

/* What a walk over a set's elements does with each. */
typedef void	element_fn(void *, const struct mx_addr *, int64_t);

struct walk {
	bool		 v4;
	int64_t		 now;
	element_fn	*fn;
	void		*arg;
	size_t		 n;
};

/* One element: its key and its time left, to the walk's function. */
static void
element_seen(struct walk *w, const void *data, size_t len, uint64_t ms)
{
	struct mx_addr key;

	if (data == NULL || len != (w->v4 ? 4U : 16U))
		return;
	if (w->v4)
		addr_from_v4(&key, data);
	else
		addr_from_v6(&key, data);
	/* Whole seconds, rounded up: an element with time left is live. */
	w->fn(w->arg, &key, w->now + (int64_t)((ms + 999) / 1000));
	w->n++;
}

/*
 * One message of a set's dump, read attribute by attribute (libmnl keeps
 * every walk inside its attribute): libnftnl's parser, which makes an
 * object of every element, took five times as long for large sets.
 */
static int
elements_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct walk *w = arg;
	const struct nlattr *list, *elem, *f, *k;
	const void *data;
	size_t len;
	uint64_t ms;

	if (nlh->nlmsg_len < NLMSG_SPACE(sizeof(struct nfgenmsg)))
		return MNL_CB_OK;
	mnl_attr_for_each(list, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(list) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(elem, list) {
			if (mnl_attr_get_type(elem) != NFTA_LIST_ELEM)
				continue;
			data = NULL;
			len = 0;
			ms = 0;
			mnl_attr_for_each_nested(f, elem) {
				switch (mnl_attr_get_type(f)) {
				case NFTA_SET_ELEM_KEY:
					mnl_attr_for_each_nested(k, f) {
						if (mnl_attr_get_type(k) !=
						    NFTA_DATA_VALUE)
							continue;
						data = mnl_attr_get_payload(k);
						len = mnl_attr_get_payload_len(k);
					}
					break;
				case NFTA_SET_ELEM_EXPIRATION:
					if (mnl_attr_get_payload_len(f) == 8)
						ms = be64toh(mnl_attr_get_u64(f));
					break;
				}
			}
			element_seen(w, data, len, ms);
		}
	}
	return MNL_CB_OK;
}

/* Every element of a whitelist set, with its expiry on mxd_now()'s clock. */
static int
walk_set(struct nftb *b, bool v4, element_fn *fn, void *arg, size_t *n)
{
	char req[1024];
	struct nftnl_set *s = set_named(b, v4 ? NFT_SET_WL4 : NFT_SET_WL6);
	struct nlmsghdr *nlh;
	struct walk w = { v4, mxd_now(), fn, arg, 0 };
	int err;

	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, ++b->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	err = request(b, nlh, elements_cb, &w);
	if (n != NULL)
		*n = w.n;
	return err;
}

/*
 * The elements of both sets, in order of expiry.  The core's whitelist
 * keeps its entries in a list sorted by expiry, searched from the newest
 * end: entries taken in the kernel's (hash) order would make each insertion
 * a long search, sorted they go in at once.
 */
struct elements {
	struct change	*v;
	size_t		 n, cap;
	bool		 nomem;
};

static void
collect_one(void *arg, const struct mx_addr *key, int64_t expires)
{
	struct elements *l = arg;
	struct change *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 1024;
		if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL) {
			l->nomem = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].key = *key;
	l->v[l->n].expires = expires;
	l->n++;
}

static int
by_expiry(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

	return x->expires < y->expires ? -1 : x->expires > y->expires;
}

/* Both sets' elements, sorted; an errno value if a set cannot be read. */
static int
read_elements(struct nftb *b, struct elements *l, size_t *n4, size_t *n6)
{
	int e4, e6;

	memset(l, 0, sizeof(*l));
	e4 = walk_set(b, true, collect_one, l, n4);
	e6 = walk_set(b, false, collect_one, l, n6);
	if (l->nomem)
		return ENOMEM;
	if (e4 != 0 || e6 != 0)
		return e4 != 0 ? e4 : e6;
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), by_expiry);
	return 0;
}

/* The core's entries, with their time left, as element text. */
struct emit {
	FILE		*fp;
	struct mxd	*d;
	int64_t		 now;
	bool		 v4;
	size_t		 n;
	size_t		 max;
	int64_t		 until;		/* no later expiry; 0: any */
};

static void
element_text(FILE *fp, const struct mxd *d, const struct mx_addr *key,
    int64_t expires, int64_t now)
{
	char a[MX_ADDRSTRLEN];
	long long left = expires - now, timeout = d->cfg.whitelist_time;

	if (left < 1)
		left = 1;
	/* A manual entry may be longer than whitelist-time. */
	if (timeout < left)
		timeout = left;
	fprintf(fp, "%s timeout %llds expires %llds",
	    addr_format(key, a, sizeof(a)), timeout, left);
}

static void
emit_one(void *arg, const struct mx_addr *key, int64_t expires)
{
	struct emit *e = arg;

	if (addr_is_v4(key) != e->v4 || expires <= e->now || e->n >= e->max)
		return;
	/* A shorter whitelist-time applies to the entries there are. */
	if (e->until != 0 && expires > e->until)
		expires = e->until;
	fputs(e->n == 0 ? "" : ", ", e->fp);
	element_text(e->fp, e->d, key, expires, e->now);
	e->n++;
}

/* "add element ... { the core's entries }" for recreated sets. */
static void
emit_core(FILE *fp, struct mxd *d, const struct mx_config *cfg,
    int64_t until)
{
	struct emit e;
	int v;
	long pos;

	for (v = 0; v < 2; v++) {
		memset(&e, 0, sizeof(e));
		e.fp = fp;
		e.d = d;
		e.now = mxd_now();
		e.v4 = v == 0;
		e.max = (size_t)cfg->max_entries;
		e.until = until;
		pos = ftell(fp);
		fprintf(fp, "add element inet %s %s { ", cfg->nft_table,
		    e.v4 ? NFT_SET_WL4 : NFT_SET_WL6);
		wl_foreach(d->wl, emit_one, &e);
		if (e.n == 0)
			fseek(fp, pos, SEEK_SET);
		else
			fputs(" }\n", fp);
	}
}

/*
 * The ruleset for cfg in one transaction.  The sets are kept unless their
 * size is not max-entries any more, or whitelist-time became shorter (the
 * kernel cannot shorten an element's time in place): then they are made
 * anew with the core's entries (read back from the kernel first), none
 * expiring later than whitelist-time from now.
 */
static int
apply_ruleset(struct mxd *d, struct nftb *b, const struct mx_config *cfg)
{
	bool shorter = cfg->whitelist_time < d->cfg.whitelist_time;
	uint32_t size4, size6;
	bool recreate;
	char *rules, *text = NULL;
	size_t len = 0;
	FILE *fp;
	int rc, e4, e6;

	e4 = set_size(b, NFT_SET_WL4, &size4);
	e6 = set_size(b, NFT_SET_WL6, &size6);
	recreate = e4 == 0 && e6 == 0 && (size4 != (uint32_t)cfg->max_entries ||
	    size6 != (uint32_t)cfg->max_entries || shorter);
	/* One set lost: "add set" makes it; the other keeps its size. */
	if ((e4 == 0) != (e6 == 0) && (e4 == 0 ? size4 : size6) !=
	    (uint32_t)cfg->max_entries)
		log_warnx("nftables table %s lacks a set and the other is not "
		    "of max-entries %lld: remove the table to resize it "
		    "(mxallowd --backend nftables --remove-table)", b->table,
		    cfg->max_entries);
	if ((rules = nftrules_build(cfg, d->allow, recreate)) == NULL)
		fatal("nftables ruleset");
	if ((fp = open_memstream(&text, &len)) == NULL)
		fatal("nftables ruleset");
	fputs(rules, fp);
	free(rules);
	if (recreate)
		emit_core(fp, d, cfg, shorter ? mxd_now() + cfg->whitelist_time :
		    0);
	if (fclose(fp) != 0)
		fatal("nftables ruleset");
	rc = run(d, b, text, false);
	free(text);
	if (rc == 0 && recreate)
		log_info("nftables: sets %s and %s made anew with %lld "
		    "entries at most (was %u)%s", NFT_SET_WL4, NFT_SET_WL6,
		    cfg->max_entries, size4, shorter ? ", none longer than "
		    "the new whitelist-time" : "");
	return rc;
}

/* Queue a change for the next commit. */
static void
queue_change(struct mxd *d, struct nftb *b, const struct mx_addr *key,
    int64_t expires)
{
	struct change *c;
	size_t cap;

	if (b->nchanges == b->capchanges) {
		cap = b->capchanges ? b->capchanges * 2 : 64;
		if ((c = reallocarray(b->changes, cap, sizeof(*c))) == NULL) {
			d->stats.port_errors++;
			log_warn_limited(&b->warn_error, mxd_now(),
			    "nftables: out of memory for a set change");
			return;
		}
		b->changes = c;
		b->capchanges = cap;
	}
	c = &b->changes[b->nchanges++];
	c->key = *key;
	c->expires = expires;
}

/* "add element"/"delete element" for changes[from..to), one kind. */
static char *
changes_text(struct mxd *d, struct nftb *b, size_t from, size_t to, bool add)
{
	char *text = NULL, a[MX_ADDRSTRLEN];
	size_t len = 0, i;
	int64_t now = mxd_now();
	FILE *fp;
	int v;
	bool any;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	for (v = 0; v < 2; v++) {
		any = false;
		for (i = from; i < to; i++) {
			const struct change *c = &b->changes[i];

			if ((c->expires != 0) != add ||
			    addr_is_v4(&c->key) != (v == 0))
				continue;
			/*
			 * Deleted since (the deletions go first): adding it
			 * would let through what the core no longer holds.
			 */
			if (add && !wl_contains(d->wl, &c->key, now))
				continue;
			fprintf(fp, "%s", any ? ", " : "");
			if (!any)
				fprintf(fp, "%s element inet %s %s { ",
				    add ? "add" : "delete", b->table,
				    v == 0 ? NFT_SET_WL4 : NFT_SET_WL6);
			if (add)
				element_text(fp, d, &c->key, c->expires, now);
			else
				fputs(addr_format(&c->key, a, sizeof(a)), fp);
			any = true;
		}
		if (any)
			fputs(" }\n", fp);
	}
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * One kind of change in one transaction; if the kernel refuses it (an
 * element to delete is gone already, the set is full), each alone, so
 * that one cannot hold up the others.  A deletion of what is not there
 * is no error.
 */
static void
commit_kind(struct mxd *d, struct nftb *b, size_t from, size_t to, bool add)
{
	char *text;
	size_t i;

	if ((text = changes_text(d, b, from, to, add)) == NULL)
		fatal("nftables changes");
	if (*text == '\0' || run(d, b, text, true) == 0) {
		free(text);
		return;
	}
	free(text);
	for (i = from; i < to; i++) {
		if ((b->changes[i].expires != 0) != add)
			continue;
		if ((text = changes_text(d, b, i, i + 1, add)) == NULL)
			fatal("nftables changes");
		/* A set full of what we do not know of: look at it soon. */
		if (*text != '\0' && run(d, b, text, !add) == -1 && add)
			b->synced = 0;
		free(text);
	}
}

/* Deletions first: an eviction makes room for the addition after it. */
static void
commit_changes(struct mxd *d, struct nftb *b)
{
	size_t from, to;

	for (from = 0; from < b->nchanges; from = to) {
		to = b->nchanges - from > CHANGE_BATCH ? from + CHANGE_BATCH :
		    b->nchanges;
		commit_kind(d, b, from, to, false);
		commit_kind(d, b, from, to, true);
	}
	b->nchanges = 0;
}

/* --- the core's view follows the kernel's --- */

struct readback {
	struct mxd		*d;
	struct whitelist	*seen;
	struct mx_addr		*gone;
	size_t			 ngone;
	size_t			 added, renewed;
};

/* Alive for as long as a reading lasts: its entries need no order. */
#define SEEN_EXPIRY	(INT64_MAX / 2)

static void
readback_one(struct readback *s, const struct mx_addr *key, int64_t expires,
    int64_t now)
{
	int64_t cur;
	uint32_t origin;

	(void)wl_insert(s->seen, key, SEEN_EXPIRY);
	if (wl_lookup(s->d->wl, key, now, &cur, &origin)) {
		/*
		 * The kernel renewed it (a real-MX pass); not for the second
		 * the kernel's milliseconds round to.
		 */
		if (expires > cur + 1 && wl_renew(s->d->wl, key, now, expires))
			s->renewed++;
		return;
	}
	/* Added by the kernel alone: a fake-MX hit the log did not bring. */
	if (wl_insert_value(s->d->wl, key, expires, MX_ORIGIN_FAKE) ==
	    WL_ADDED)
		s->added++;
}

static void
readback_gone(void *arg, const struct mx_addr *key, int64_t expires)
{
	struct readback *s = arg;

	(void)expires;
	if (!wl_contains(s->seen, key, mxd_now()))
		s->gone[s->ngone++] = *key;
}

/*
 * Read both sets back and make the core's whitelist what the kernel
 * holds.  At most once a second (between two reads, the core's own
 * expiry is within a second of the kernel's), and for large sets less
 * often: reading takes about 3 ms per 1000 elements, and the gap is kept
 * at ten times the last reading, so that the daemon spends at most a
 * tenth of its time on it.
 */
static void
nft_readback(struct mxd *d)
{
	struct nftb *b = d->port_state;
	struct readback s;
	struct elements l;
	struct timespec t0, t1;
	size_t i, n4 = 0, n6 = 0;
	int64_t now = mxd_now(), ms;
	int err;

	if (b == NULL || b->nl == NULL || now - b->synced < b->sync_gap)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	b->synced = now;
	commit_changes(d, b);
	read_counters(d, b, true);
	memset(&s, 0, sizeof(s));
	s.d = d;
	if ((s.seen = wl_create(0, mxd_random_seed(), NULL, NULL)) == NULL)
		goto nomem;
	if ((err = read_elements(b, &l, &n4, &n6)) != 0) {
		/* Without a full view, nothing may leave the core. */
		d->stats.port_errors++;
		log_warn_limited(&b->warn_error, now, "nftables: cannot read "
		    "the sets of table %s: %s", b->table, strerror(err));
		free(l.v);
		wl_destroy(s.seen);
		return;
	}
	b->quiet = true;
	for (i = 0; i < l.n; i++)
		readback_one(&s, &l.v[i].key, l.v[i].expires, now);
	free(l.v);
	if ((s.gone = reallocarray(NULL, wl_count(d->wl) + 1,
	    sizeof(*s.gone))) == NULL) {
		b->quiet = false;
		wl_destroy(s.seen);
		goto nomem;
	}
	wl_foreach(d->wl, readback_gone, &s);
	for (i = 0; i < s.ngone; i++)
		(void)wl_remove(d->wl, &s.gone[i]);
	b->quiet = false;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	b->sync_gap = ms / 100 + 1;
	if (log_debug_enabled())
		log_debug("nftables: %zu elements read in %lld ms; %zu renewed, "
		    "%zu added, %zu gone", n4 + n6, (long long)ms, s.renewed,
		    s.added, s.ngone);
	free(s.gone);
	wl_destroy(s.seen);
	return;
nomem:
	log_warn_limited(&b->warn_error, now, "nftables: out of memory "
	    "reading the sets");
}

/* --- NFLOG --- */

static struct nlmsghdr *
log_config_header(char *buf, uint16_t group)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(group);
	return nlh;
}

/* Send a configuration message on the log socket, wait for its answer. */
static int
log_configure(struct nftb *b, struct nlmsghdr *nlh)
{
	unsigned portid = mnl_socket_get_portid(b->log);
	ssize_t n;
	int rc;

	nlh->nlmsg_seq = ++b->seq;
	if (mnl_socket_sendto(b->log, nlh, nlh->nlmsg_len) == -1)
		return -1;
	for (;;) {
		if ((n = mnl_socket_recvfrom(b->log, b->buf, RECV_BYTES)) ==
		    -1) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return -1;
		}
		/* Packets logged meanwhile are not ours to wait for. */
		rc = mnl_cb_run(b->buf, (size_t)n, nlh->nlmsg_seq, portid, NULL,
		    NULL);
		if (rc == -1 && errno == ESRCH)
			continue;
		if (rc == -1)
			return -1;
		if (rc <= MNL_CB_STOP)
			return 0;
	}
}

static void
log_bind(struct nftb *b)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nfulnl_msg_config_cmd cmd = { NFULNL_CFG_CMD_BIND };
	struct nfulnl_msg_config_mode mode;
	int size = RCVBUF_BYTES, fd;

	fd = mnl_socket_get_fd(b->log);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		log_warn("NFLOG receive buffer");
	nlh = log_config_header(buf, b->group);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	if (log_configure(b, nlh) == -1) {
		if (errno == EBUSY || errno == EPERM)
			fatalx("NFLOG group %u: bind refused: another process "
			    "reads it, or mxallowd lacks CAP_NET_ADMIN",
			    b->group);
		fatal("bind NFLOG group %u", b->group);
	}
	memset(&mode, 0, sizeof(mode));
	mode.copy_mode = NFULNL_COPY_PACKET;
	mode.copy_range = htonl(COPY_RANGE);
	nlh = log_config_header(buf, b->group);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(LOG_QTHRESH));
	mnl_attr_put_u32(nlh, NFULA_CFG_NLBUFSIZ, htonl(LOG_BUFSIZ));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(LOG_TIMEOUT));
	if (log_configure(b, nlh) == -1)
		fatal("configure NFLOG group %u", b->group);
}

static void
log_unbind(struct nftb *b)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nfulnl_msg_config_cmd cmd = { NFULNL_CFG_CMD_UNBIND };

	nlh = log_config_header(buf, b->group);
	nlh->nlmsg_flags = NLM_F_REQUEST;
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	(void)mnl_socket_sendto(b->log, nlh, nlh->nlmsg_len);
}

/* What a rule's log prefix says the kernel did. */
enum logged { LOGGED_OTHER, LOGGED_FAKE, LOGGED_FULL, LOGGED_BLOCK,
    LOGGED_OBSERVE };

static enum logged
logged_as(const struct nlattr *prefix)
{
	const char *p;
	size_t len;

	if (prefix == NULL)
		return LOGGED_OTHER;
	p = mnl_attr_get_payload(prefix);
	len = mnl_attr_get_payload_len(prefix);
	/* The kernel sends the prefix with its NUL. */
	if (len == 0 || p[len - 1] != '\0')
		return LOGGED_OTHER;
	if (strcmp(p, NFT_LOG_FAKE) == 0)
		return LOGGED_FAKE;
	if (strcmp(p, NFT_LOG_FULL) == 0)
		return LOGGED_FULL;
	if (strcmp(p, NFT_LOG_BLOCK) == 0)
		return LOGGED_BLOCK;
	if (strcmp(p, NFT_LOG_OBSERVE) == 0)
		return LOGGED_OBSERVE;
	return LOGGED_OTHER;
}

/* An allowed sender dropped: the kernel lost the allow list; load it. */
static void
allow_repair(struct mxd *d, struct nftb *b, int64_t now)
{
	if (now - b->allow_fixed < 10)
		return;
	b->allow_fixed = now;
	log_warnx("nftables: an allowed sender was dropped: loading the "
	    "ruleset of table %s again", b->table);
	(void)apply_ruleset(d, b, &d->cfg);
}

static void
handle_logged(struct mxd *d, struct nftb *b, const struct nlmsghdr *nlh,
    int64_t now)
{
	const struct nlattr *attr, *prefix = NULL, *payload = NULL, *dev = NULL;
	struct pflog_info info;
	struct pkt_info pkt;
	struct mx_addr key;
	enum pkt_result res;
	enum logged what;
	char ifname[IF_NAMESIZE];

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(attr)) {
		case NFULA_PREFIX:
			prefix = attr;
			break;
		case NFULA_PAYLOAD:
			payload = attr;
			break;
		case NFULA_IFINDEX_INDEV:
			dev = attr;
			break;
		}
	}
	if ((what = logged_as(prefix)) == LOGGED_OTHER) {
		d->stats.ignored++;
		return;
	}
	res = payload == NULL ? PKT_NOT_TCP :
	    pkt_parse_ip(mnl_attr_get_payload(payload),
	    mnl_attr_get_payload_len(payload), &pkt);
	if (!mxd_decidable(d, res))
		return;
	/* What the kernel did, in the terms the core has for pf's log. */
	memset(&info, 0, sizeof(info));
	info.dir = PFLOG_DIR_IN;
	info.action = what == LOGGED_BLOCK ? PFLOG_ACTION_DROP :
	    PFLOG_ACTION_PASS;
	if (dev == NULL || mnl_attr_get_payload_len(dev) < 4 ||
	    if_indextoname(ntohl(mnl_attr_get_u32(dev)), ifname) == NULL)
		snprintf(ifname, sizeof(ifname), "?");
	snprintf(info.ifname, sizeof(info.ifname), "%s", ifname);
	/* A sender the kernel added itself needs no addition from us. */
	b->quiet = what == LOGGED_FAKE;
	(void)mxd_decide_pf(d, &info, &pkt, now);
	b->quiet = false;
	if (what != LOGGED_BLOCK)
		return;
	/* The core holds it: the kernel lost it, or our addition lagged. */
	policy_key(&d->policy, &pkt.src, &key);
	if (wl_contains(d->wl, &key, now)) {
		int64_t expires;
		uint32_t origin;

		if (wl_lookup(d->wl, &key, now, &expires, &origin))
			queue_change(d, b, &key, expires);
	}
	if (allow_match(d->allow, &pkt.src))
		allow_repair(d, b, now);
}

static void
handle_datagram(struct mxd *d, struct nftb *b, const void *buf, size_t len,
    int64_t now)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_len < NLMSG_SPACE(sizeof(struct nfgenmsg)))
			continue;
		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_ULOG &&
		    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFULNL_MSG_PACKET)
			handle_logged(d, b, nlh, now);
	}
}

static void
nft_input(struct mxd *d)
{
	struct nftb *b = d->port_state;
	struct sockaddr_nl from;
	socklen_t fromlen;
	int64_t now = mxd_now();
	ssize_t n;
	int round;

	b->batching = true;
	for (round = 0; round < RECV_ROUNDS; round++) {
		fromlen = sizeof(from);
		n = recvfrom(mnl_socket_get_fd(b->log), b->buf, RECV_BYTES,
		    MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				/* The kernel decided; we missed the news. */
				d->stats.overflows++;
				log_warn_limited(&b->warn_overflow, now,
				    "NFLOG socket overflowed: the kernel's "
				    "decisions were made, some are not counted");
				continue;
			}
			d->stats.port_errors++;
			log_warn_limited(&b->warn_error, now, "NFLOG "
			    "receive: %s", strerror(errno));
			break;
		}
		/* Only the kernel (port id 0) may speak to us. */
		if (from.nl_pid != 0)
			continue;
		handle_datagram(d, b, b->buf, (size_t)n, now);
	}
	b->batching = false;
	commit_changes(d, b);
}

/* --- the port's hooks --- */

static void
nft_added(struct mxd *d, const struct mx_addr *key)
{
	struct nftb *b = d->port_state;
	int64_t expires;
	uint32_t origin;

	if (b == NULL || b->nft == NULL || b->quiet)
		return;
	if (wl_lookup(d->wl, key, mxd_now(), &expires, &origin))
		queue_change(d, b, key, expires);
}

static void
nft_removed(struct mxd *d, const struct mx_addr *key, int64_t expires,
    enum wl_removal why)
{
	struct nftb *b = d->port_state;

	(void)expires;
	/* Expiry is the kernel's own business: it may have renewed it. */
	if (b == NULL || b->nft == NULL || b->quiet || why == WL_EXPIRED)
		return;
	queue_change(d, b, key, 0);
}

static void
nft_flush(struct mxd *d)
{
	struct nftb *b = d->port_state;

	if (b != NULL && b->nft != NULL && !b->batching)
		commit_changes(d, b);
}

static void
nft_allow_changed(struct mxd *d)
{
	struct nftb *b = d->port_state;

	if (b != NULL && b->nft != NULL)
		(void)apply_ruleset(d, b, &d->cfg);
}

static void
nft_start(struct mxd *d)
{
	struct nftb *b = &nftb_state;
	struct elements l;
	size_t i, n4 = 0, n6 = 0;
	int err;

	memset(b, 0, sizeof(*b));
	b->group = (uint16_t)d->cfg.nflog_group;
	if ((b->table = strdup(d->cfg.nft_table)) == NULL ||
	    (b->buf = malloc(RECV_BYTES)) == NULL)
		fatal("nftables");
	if ((b->nft = new_ctx()) == NULL)
		fatalx("nftables: cannot set up libnftables");
	if ((b->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ==
	    NULL || mnl_socket_bind(b->nl, 0, MNL_SOCKET_AUTOPID) == -1)
		fatal("netlink socket");
	if ((b->log = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ==
	    NULL || mnl_socket_bind(b->log, 0, MNL_SOCKET_AUTOPID) == -1)
		fatal("netlink socket");
	/* Bound before the rules log to it: no hit is missed. */
	log_bind(b);
	d->port_state = b;
	/* What an earlier run left, before the rules change. */
	err = read_elements(b, &l, &n4, &n6);
	if (err == EPERM)
		fatalx("nftables: permission denied: mxallowd needs "
		    "CAP_NET_ADMIN");
	if (err == ENOMEM)
		fatalx("nftables: out of memory reading the sets");
	b->quiet = true;
	for (i = 0; i < l.n; i++)
		(void)wl_insert_value(d->wl, &l.v[i].key, l.v[i].expires,
		    MX_ORIGIN_RESTORED);
	b->quiet = false;
	free(l.v);
	if (l.n > 0)
		log_info("nftables table %s: %zu entries adopted (%zu IPv4, "
		    "%zu IPv6)", b->table, n4 + n6, n4, n6);
	if (apply_ruleset(d, b, &d->cfg) == -1)
		fatalx("nftables: cannot load the ruleset of table %s (see "
		    "mxallowd --backend nftables --print-ruleset)", b->table);
	b->synced = mxd_now();
	b->sync_gap = 1;
	/* Passes of an earlier run are not this one's. */
	read_counters(d, b, false);
	log_info("nftables table %s loaded; reading NFLOG group %u",
	    b->table, b->group);
}

static int
nft_fd(struct mxd *d)
{
	struct nftb *b = d->port_state;

	return mnl_socket_get_fd(b->log);
}

static bool
same_string(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/*
 * A reloaded configuration: the backend, the table and the log group
 * stay (a restart changes them); the rest goes to the kernel at once,
 * in one transaction that keeps the sets' elements.
 */
static int
nft_reconfigure(struct mxd *d, struct mx_config *next)
{
	struct nftb *b = d->port_state;

	if (!config_nftables(next)) {
		log_warnx("backend cannot change while running: restart "
		    "mxallowd");
		return -1;
	}
	if (!same_string(next->nft_table, d->cfg.nft_table) ||
	    next->nflog_group != d->cfg.nflog_group) {
		log_warnx("nft-table and nflog-group cannot change while "
		    "running (still %s and %u): restart mxallowd", b->table,
		    b->group);
		return -1;
	}
	commit_changes(d, b);
	/* Sets made anew take the core's entries: the kernel's, fresh. */
	b->synced = 0;
	nft_readback(d);
	if (apply_ruleset(d, b, next) == -1) {
		log_warnx("nftables: the new ruleset was refused; the old one "
		    "stays");
		return -1;
	}
	return 0;
}

/* The table stays: the kernel goes on deciding without us. */
static void
nft_stop(struct mxd *d)
{
	struct nftb *b = d->port_state;

	commit_changes(d, b);
	log_unbind(b);
	mnl_socket_close(b->log);
	mnl_socket_close(b->nl);
	nft_ctx_free(b->nft);
	b->nft = NULL;
	free(b->changes);
	free(b->buf);
	free(b->table);
	log_info("nftables table %s left in place: the kernel keeps the gate",
	    d->cfg.nft_table);
}

/* --remove-table: the gate and its whitelist go for good. */
int
nft_remove_table(struct mxd *d)
{
	struct nft_ctx *nft;
	const char *msg;
	char *text;
	int rc;

	if ((nft = new_ctx()) == NULL || (text = nftrules_remove(&d->cfg)) ==
	    NULL) {
		fprintf(stderr, "%s: nftables: cannot set up libnftables\n",
		    d->progname);
		return 1;
	}
	rc = nft_run_cmd_from_buffer(nft, text);
	free(text);
	if (rc != 0) {
		msg = nft_ctx_get_error_buffer(nft);
		fprintf(stderr, "%s: cannot remove nftables table inet %s: "
		    "%.*s\n", d->progname, d->cfg.nft_table,
		    msg != NULL ? (int)strcspn(msg, "\n") : 0,
		    msg != NULL ? msg : "");
	} else
		printf("nftables table inet %s removed\n", d->cfg.nft_table);
	nft_ctx_free(nft);
	config_free(&d->cfg);
	config_free(&d->cmdline);
	return rc != 0;
}

const struct mx_port nft_port = {
	.name = "linux-nftables",
	.id = MX_PORT_LINUX,
	.confine = linux_confine,
	.start = nft_start,
	.fd = nft_fd,
	.input = nft_input,
	.added = nft_added,
	.removed = nft_removed,
	.flush = nft_flush,
	.readback = nft_readback,
	.reconfigure = nft_reconfigure,
	.stop = nft_stop,
	.peer_cred = linux_peer_cred,
	.allow_changed = nft_allow_changed,
};
