/*
 * The pf table client: see table.h for the two layers.
 *
 * Batching.  A fake-MX hit must reach the table at once (the sender's SYN
 * to the real MX follows within milliseconds), but a burst of hits should
 * not cost one ioctl each.  The port therefore queues additions and
 * deletions while it works through a batch of captured packets and calls
 * pft_flush() after it: every address that arrived together leaves in one
 * DIOCRADDADDRS.  A queue also leaves when it holds PFT_BATCH addresses,
 * which keeps every request far below FreeBSD's net.pf.request_maxcount
 * (65535 by default; pft_set_request_max() lowers the batch below a
 * smaller one) and small enough for one privsep message.  An address
 * is never queued for both addition and deletion: queueing one cancels the
 * other, so the order in which the two queues leave does not matter.
 *
 * Errors.  ESRCH means the table is gone (a "pfctl -f" destroys a table
 * that no rule uses and that is not persistent): the client creates it
 * again and adds every live whitelist entry.  EINTR is retried.  ENOMEM
 * on an addition is FreeBSD's table-entries limit (all tables share it):
 * the request would cross it and none of it was added, so its halves are
 * sent again, down to single addresses, until what fits is in (see
 * add_fitting()).  Any other error is logged with the address and
 * counted; the entry stays in the whitelist, and is added again the next
 * time its sender shows up.
 *
 * Time.  pf stamps an entry with the wall-clock second it was added
 * (pfras_tzero); the daemon counts in CLOCK_MONOTONIC seconds.  An entry
 * adopted at start-up expires whitelist-time after its tzero, translated
 * to the monotonic clock, and never later than a fresh entry would.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <net/pfvar.h>
#ifdef __FreeBSD__
#include <sys/sysctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "table.h"

#define PFK_EINTR_RETRIES	100
#define PFK_ASTATS_TRIES	8

/*
 * OpenBSD's pfr_add_addrs() waits for room at the table-entries limit
 * (see struct pfk_limits).  The stand-in for OpenBSD's <net/pfvar.h> in
 * tests/pfcompat defines PFCOMPAT_OPENBSD: the tests of that layout on
 * other systems expect the same.
 */
#if defined(__OpenBSD__) || defined(PFCOMPAT_OPENBSD)
#define PFK_ADD_WAITS		true
#else
#define PFK_ADD_WAITS		false
#endif

static int	pfk_sys_ioctl(int, unsigned long, void *);
static int	pfk_sys_open(const char *, int);

pfk_ioctl_fn	*pfk_ioctl = pfk_sys_ioctl;
pfk_open_fn	*pfk_open_device = pfk_sys_open;
#ifdef __FreeBSD__
pfk_sysctl_fn	*pfk_sysctl = sysctlbyname;
#else
pfk_sysctl_fn	*pfk_sysctl = NULL;	/* no request cap to read */
#endif
const char	*pfk_device = PFT_DEVICE;

/* What an addition, perhaps in halves, achieved (add_fitting()). */
struct fit {
	size_t			 added;	/* new in the table */
	size_t			 left;	/* refused or not tried */
	const struct pft_addr	*first_left;
	bool			 full;	/* a single address was refused */
};

struct pftable {
	char			 name[PFT_NAME_SIZE];	/* zero-padded */
	struct whitelist	*wl;
	pft_exec_fn		*exec;
	void			*exec_arg;
	uint64_t		*errors;
	struct log_ratelimit	 warn;
	size_t			 nadd, ndel, nbatch;
	size_t			 batch_max;	/* addresses per request */
	struct pft_addr		 add[PFT_BATCH];	/* queued additions */
	struct pft_addr		 del[PFT_BATCH];	/* queued deletions */
	struct pft_addr		 batch[PFT_BATCH];	/* pft_restore() */
	size_t			 restored;
	int			 restore_error;
	unsigned		 bits4, bits6;	/* the whitelist's keys */
	struct pft_request	 req;
};

/* Kernel layer */

static int
pfk_sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg);
}

static int
pfk_sys_open(const char *path, int flags)
{
	return open(path, flags);
}

/* Read-write: pf answers EACCES to every change through a read-only one. */
int
pfk_open(void)
{
	return pfk_open_device(pfk_device, O_RDWR | O_CLOEXEC);
}

/*
 * One ioctl, retried while interrupted.  Returns 0 or an errno value.
 * arg is a struct pfioc_table or a struct pfioc_limit of len bytes.
 */
static int
pfk_call(int fd, unsigned long cmd, void *arg, size_t len)
{
	union {
		struct pfioc_table	table;
		struct pfioc_limit	limit;
	} saved;
	int tries;

	memcpy(&saved, arg, len);
	for (tries = 0;; tries++) {
		if (pfk_ioctl(fd, cmd, arg) == 0)
			return 0;
		if (errno != EINTR || tries == PFK_EINTR_RETRIES)
			return errno;
		memcpy(arg, &saved, len);
	}
}

/* A table name as pf wants it: 1 to 31 bytes, then zeros to the end. */
bool
pft_name_valid(const char *name)
{
	size_t len = strnlen(name, PFT_NAME_SIZE);
	size_t i;

	if (len == 0 || len == PFT_NAME_SIZE)
		return false;
	/* pf wants the rest of the field zero, too. */
	for (i = len; i < PFT_NAME_SIZE; i++)
		if (name[i] != '\0')
			return false;
	return true;
}

static void
pfk_table(struct pfr_table *tbl, const char *name)
{
	memset(tbl, 0, sizeof(*tbl));
	memcpy(tbl->pfrt_name, name, PFT_NAME_SIZE);
}

static void
pfk_addr_to(struct pfr_addr *ra, const struct pft_addr *a)
{
	memset(ra, 0, sizeof(*ra));
	if (a->af == 4) {
		ra->pfra_af = AF_INET;
		memcpy(&ra->pfra_ip4addr, a->addr, 4);
	} else {
		ra->pfra_af = AF_INET6;
		memcpy(&ra->pfra_ip6addr, a->addr, 16);
	}
	ra->pfra_net = a->net;
}

static bool
pfk_addr_from(struct pft_addr *a, const struct pfr_addr *ra)
{
	memset(a, 0, sizeof(*a));
	if (ra->pfra_af == AF_INET) {
		a->af = 4;
		memcpy(a->addr, &ra->pfra_ip4addr, 4);
	} else if (ra->pfra_af == AF_INET6) {
		a->af = 6;
		memcpy(a->addr, &ra->pfra_ip6addr, 16);
	} else
		return false;
	a->net = ra->pfra_net;
	return true;
}

/*
 * Carry out one request with one ioctl.  The request is checked again
 * here, whoever sent it: nothing malformed reaches the kernel.
 */
int
pfk_exec(int fd, const struct pft_request *req, int *changed)
{
	static struct pfr_addr addrs[PFT_BATCH];
	struct pfioc_table io;
	struct pfr_table tbl;
	unsigned long cmd;
	uint32_t i;
	int err;

	*changed = 0;
	if (!pft_name_valid(req->table))
		return EINVAL;
	memset(&io, 0, sizeof(io));
	pfk_table(&io.pfrio_table, req->table);
	switch (req->op) {
	case PFT_OP_ADDTABLE:
		if (req->count != 0)
			return EINVAL;
		pfk_table(&tbl, req->table);
		tbl.pfrt_flags = PFR_TFLAG_PERSIST;
		io.pfrio_buffer = &tbl;
		io.pfrio_esize = sizeof(tbl);
		io.pfrio_size = 1;
		cmd = DIOCRADDTABLES;
		break;
	case PFT_OP_ADD:
	case PFT_OP_DEL:
		if (req->count == 0 || req->count > PFT_BATCH)
			return EINVAL;
		for (i = 0; i < req->count; i++) {
			if (!pft_addr_valid(&req->addrs[i]))
				return EINVAL;
			pfk_addr_to(&addrs[i], &req->addrs[i]);
		}
		io.pfrio_buffer = addrs;
		io.pfrio_esize = sizeof(addrs[0]);
		io.pfrio_size = (int)req->count;
		cmd = req->op == PFT_OP_ADD ? DIOCRADDADDRS : DIOCRDELADDRS;
		break;
	default:
		return EINVAL;
	}
	if ((err = pfk_call(fd, cmd, &io, sizeof(io))) != 0)
		return err;
	*changed = req->op == PFT_OP_DEL ? io.pfrio_ndel : io.pfrio_nadd;
	return 0;
}

int
pfk_exec_fd(void *arg, const struct pft_request *req, int *changed)
{
	return pfk_exec(*(int *)arg, req, changed);
}

/*
 * Read every entry of a table with its statistics.  pf answers a request
 * for fewer entries than the table holds with the number it holds, and
 * copies nothing: ask again with room for that many, until they fit.
 * FreeBSD refuses (EINVAL) to return more than net.pf.request_maxcount
 * entries in one request: a table that holds more cannot be read.  If
 * the table holds more than max (0: no cap known), or the kernel refuses
 * the request for as many as it said it holds, the answer is E2BIG, with
 * that number in *n.
 */
int
pfk_get_astats(int fd, const char *table, uint64_t max,
    struct pft_astat **out, size_t *n)
{
	struct pfioc_table io;
	struct pfr_astats *buf = NULL, *grown;
	struct pft_astat *res;
	char name[PFT_NAME_SIZE];
	int size = 0, tries, err, i;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	memset(name, 0, sizeof(name));
	if (strlen(table) >= sizeof(name))
		return EINVAL;
	memcpy(name, table, strlen(table));
	for (tries = 0;; tries++) {
		if (tries == PFK_ASTATS_TRIES) {
			free(buf);
			return EAGAIN;
		}
		memset(&io, 0, sizeof(io));
		pfk_table(&io.pfrio_table, name);
		io.pfrio_buffer = buf;
		io.pfrio_esize = sizeof(struct pfr_astats);
		io.pfrio_size = size;
		if ((err = pfk_call(fd, DIOCRGETASTATS, &io, sizeof(io))) !=
		    0) {
			free(buf);
			/* Only the size differs from the request that told. */
			if (err == EINVAL && size > 0) {
				*n = (size_t)size;
				return E2BIG;
			}
			return err;
		}
		if (io.pfrio_size < 0) {
			free(buf);
			return EINVAL;
		}
		if (io.pfrio_size <= size)
			break;
		/* The table grew since the last look: make room. */
		size = io.pfrio_size;
		if (max != 0 && (uint64_t)size > max) {
			free(buf);
			*n = (size_t)size;
			return E2BIG;
		}
		if ((grown = reallocarray(buf, (size_t)size,
		    sizeof(*buf))) == NULL) {
			free(buf);
			return ENOMEM;
		}
		buf = grown;
	}
	if (io.pfrio_size == 0) {
		free(buf);
		return 0;
	}
	if ((res = calloc((size_t)io.pfrio_size, sizeof(*res))) == NULL) {
		free(buf);
		return ENOMEM;
	}
	for (i = 0; i < io.pfrio_size; i++) {
		if (!pfk_addr_from(&res[count].a, &buf[i].pfras_a))
			continue;
		res[count].negated = buf[i].pfras_a.pfra_not != 0;
		res[count].tzero = (int64_t)buf[i].pfras_tzero;
		count++;
	}
	free(buf);
	*out = res;
	*n = count;
	return 0;
}

/* FreeBSD's net.pf.request_maxcount, or 0: none here, or unreadable. */
static uint64_t
pfk_request_max(void)
{
	unsigned long value = 0;
	size_t len = sizeof(value);

	if (pfk_sysctl == NULL || pfk_sysctl(PFK_REQUEST_MAXCOUNT, &value,
	    &len, NULL, 0) == -1 || len != sizeof(value))
		return 0;
	return value;
}

/*
 * pf's limits that bear on the table (struct pfk_limits).  Returns 0, or
 * the error of DIOCGETLIMIT: the table-entries limit is unknown then.
 */
int
pfk_get_limits(int fd, struct pfk_limits *lim)
{
	struct pfioc_limit pl;
	int err;

	memset(lim, 0, sizeof(*lim));
	lim->add_waits = PFK_ADD_WAITS;
	lim->request_max = pfk_request_max();
	memset(&pl, 0, sizeof(pl));
	pl.index = PF_LIMIT_TABLE_ENTRIES;
	if ((err = pfk_call(fd, DIOCGETLIMIT, &pl, sizeof(pl))) != 0)
		return err;
	lim->table_entries = pl.limit;
	if (!lim->add_waits)
		lim->room = lim->table_entries;
	else if (lim->table_entries > PFT_BATCH)
		lim->room = lim->table_entries - PFT_BATCH;
	else
		lim->room = 1;
	return 0;
}

/* Addresses */

/*
 * A table entry for an address and a prefix length in the 128-bit form
 * (PFT_HOST for one address; 96 + n for an IPv4 /n).  IPv4-mapped
 * addresses become IPv4 entries.  The bits past the prefix are cleared.
 */
bool
pft_addr_make(struct pft_addr *a, const struct mx_addr *addr, unsigned prefix)
{
	struct mx_addr masked = *addr;

	memset(a, 0, sizeof(*a));
	if (prefix > 128)
		return false;
	addr_mask(&masked, prefix);
	if (addr_is_v4(addr)) {
		if (prefix <= 96)
			return false;
		a->af = 4;
		a->net = (uint8_t)(prefix - 96);
		memcpy(a->addr, masked.a + 12, 4);
	} else {
		if (prefix == 0)
			return false;
		a->af = 6;
		a->net = (uint8_t)prefix;
		memcpy(a->addr, masked.a, 16);
	}
	return true;
}

void
pft_addr_get(const struct pft_addr *a, struct mx_addr *addr, unsigned *prefix)
{
	if (a->af == 4) {
		addr_from_v4(addr, a->addr);
		*prefix = 96U + a->net;
	} else {
		addr_from_v6(addr, a->addr);
		*prefix = a->net;
	}
}

/*
 * Well-formed: a known family, a prefix of at least one bit and no longer
 * than the family's, and nothing set past the prefix or in the padding.
 */
bool
pft_addr_valid(const struct pft_addr *a)
{
	unsigned bits, i, max;

	if (a->pad[0] != 0 || a->pad[1] != 0)
		return false;
	if (a->af == 4)
		max = 32;
	else if (a->af == 6)
		max = 128;
	else
		return false;
	if (a->net == 0 || a->net > max)
		return false;
	for (i = 0; i < 16; i++) {
		bits = i * 8 >= a->net ? 8 : (i * 8 + 8 > a->net ?
		    i * 8 + 8 - a->net : 0);
		if (bits == 0)
			continue;
		if (a->addr[i] & (uint8_t)(0xff >> (8 - bits)))
			return false;
	}
	return true;
}

const char *
pft_addr_format(const struct pft_addr *a, char *buf, size_t len)
{
	struct mx_addr addr;
	char text[MX_ADDRSTRLEN];
	unsigned prefix;

	pft_addr_get(a, &addr, &prefix);
	addr_format(&addr, text, sizeof(text));
	if (prefix == PFT_HOST)
		snprintf(buf, len, "%s", text);
	else
		snprintf(buf, len, "%s/%u", text, a->net);
	return buf;
}

/* The table client */

struct pftable *
pft_create(const char *name, struct whitelist *wl, pft_exec_fn *exec,
    void *arg)
{
	struct pftable *t;
	size_t len = strlen(name);

	if (len == 0 || len >= PFT_NAME_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	memcpy(t->name, name, len);
	t->bits4 = 32;
	t->bits6 = 128;
	t->batch_max = PFT_BATCH;
	t->wl = wl;
	t->exec = exec;
	t->exec_arg = arg;
	return t;
}

/*
 * The table has a new name (a reload): what is queued, and what comes
 * after, goes there.  Returns -1 for a name pf cannot have.
 */
int
pft_rename(struct pftable *t, const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= PFT_NAME_SIZE) {
		errno = EINVAL;
		return -1;
	}
	memset(t->name, 0, sizeof(t->name));
	memcpy(t->name, name, len);
	return 0;
}

void
pft_destroy(struct pftable *t)
{
	free(t);
}

void
pft_set_exec(struct pftable *t, pft_exec_fn *exec, void *arg)
{
	t->exec = exec;
	t->exec_arg = arg;
}

/*
 * The prefix lengths of the whitelist's keys, in each family's own terms
 * (32 and 128: single addresses).  pft_restore() adds the whitelist's
 * entries with them, and pft_adopt() takes only entries that have them.
 */
void
pft_set_prefixes(struct pftable *t, unsigned bits4, unsigned bits6)
{
	t->bits4 = bits4 >= 1 && bits4 <= 32 ? bits4 : 32;
	t->bits6 = bits6 >= 1 && bits6 <= 128 ? bits6 : 128;
}

/*
 * FreeBSD's net.pf.request_maxcount (0: none): no request may carry more
 * addresses.  The default, 65535, is far above PFT_BATCH.
 */
void
pft_set_request_max(struct pftable *t, uint64_t max)
{
	t->batch_max = max > 0 && max < PFT_BATCH ? (size_t)max : PFT_BATCH;
}

static unsigned
key_prefix(const struct pftable *t, const struct mx_addr *addr)
{
	return addr_prefix_bits(addr, t->bits4, t->bits6);
}

void
pft_set_error_counter(struct pftable *t, uint64_t *counter)
{
	t->errors = counter;
}

size_t
pft_pending(const struct pftable *t)
{
	return t->nadd + t->ndel;
}

static int
send_request(struct pftable *t, enum pft_op op, const struct pft_addr *addrs,
    size_t n, int *changed)
{
	t->req.op = op;
	t->req.count = (uint32_t)n;
	memcpy(t->req.table, t->name, sizeof(t->req.table));
	if (n > 0)
		memcpy(t->req.addrs, addrs, n * sizeof(*addrs));
	return t->exec(t->exec_arg, &t->req, changed);
}

/* strerror(), and for EACCES what it means here. */
static const char *
error_text(int err)
{
	/* pf's answer to a change through a descriptor opened read-only. */
	if (err == EACCES)
		return "Permission denied (" PFT_DEVICE " is open read-only)";
	return strerror(err);
}

static void
report(struct pftable *t, const char *what, const struct pft_addr *addrs,
    size_t n, int err)
{
	char first[PFT_ADDRSTRLEN];

	if (t->errors != NULL)
		(*t->errors)++;
	if (n == 0)
		log_warn_limited(&t->warn, mxd_now(), "pf table <%s>: "
		    "cannot %s: %s", t->name, what, error_text(err));
	else if (n == 1)
		log_warn_limited(&t->warn, mxd_now(), "pf table <%s>: "
		    "cannot %s %s: %s", t->name, what,
		    pft_addr_format(&addrs[0], first, sizeof(first)),
		    error_text(err));
	else
		log_warn_limited(&t->warn, mxd_now(), "pf table <%s>: "
		    "cannot %s %s and %zu more: %s", t->name, what,
		    pft_addr_format(&addrs[0], first, sizeof(first)), n - 1,
		    error_text(err));
}

/*
 * An addition of n stopped at pf's table-entries limit: one failure, one
 * warning, whatever the halves cost.  What did not fit stays in the
 * whitelist; a sender's next packet tries again.
 */
static void
report_full(struct pftable *t, const struct fit *fit, size_t n)
{
	char first[PFT_ADDRSTRLEN];

	if (t->errors != NULL)
		(*t->errors)++;
	log_warn_limited(&t->warn, mxd_now(), "pf table <%s>: %zu of %zu "
	    "addresses not added, from %s: pf's table-entries limit is "
	    "reached; raise it with \"set limit table-entries\" in pf.conf",
	    t->name, fit->left, n,
	    pft_addr_format(fit->first_left, first, sizeof(first)));
}

/* Create the table (persistent), or find it there: 0, or -1 if neither. */
int
pft_ensure(struct pftable *t)
{
	int changed, err;

	if ((err = send_request(t, PFT_OP_ADDTABLE, NULL, 0, &changed)) != 0) {
		report(t, "create the table", NULL, 0, err);
		return -1;
	}
	if (changed > 0)
		log_info("pf table <%s> created", t->name);
	return 0;
}

static bool
take_out(struct pft_addr *list, size_t *n, const struct pft_addr *a)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (memcmp(&list[i], a, sizeof(*a)) == 0) {
			list[i] = list[--*n];
			return true;
		}
	}
	return false;
}

static bool
queued(const struct pft_addr *list, size_t n, const struct pft_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(&list[i], a, sizeof(*a)) == 0)
			return true;
	return false;
}

/*
 * Queue an address on one list and take it off the other: the two lists
 * never share an address, so the order in which they leave is free.
 */
static void
enqueue(struct pftable *t, struct pft_addr *list, size_t *n,
    struct pft_addr *other, size_t *nother, const struct mx_addr *addr,
    unsigned prefix)
{
	struct pft_addr a;

	if (!pft_addr_make(&a, addr, prefix))
		return;
	take_out(other, nother, &a);
	if (queued(list, *n, &a))
		return;
	list[(*n)++] = a;
	if (*n >= t->batch_max)
		pft_flush(t);
}

void
pft_add(struct pftable *t, const struct mx_addr *addr, unsigned prefix)
{
	enqueue(t, t->add, &t->nadd, t->del, &t->ndel, addr, prefix);
}

void
pft_del(struct pftable *t, const struct mx_addr *addr, unsigned prefix)
{
	enqueue(t, t->del, &t->ndel, t->add, &t->nadd, addr, prefix);
}

/*
 * Add n addresses with one request or, if it would cross pf's
 * table-entries limit (ENOMEM: nothing was added), with two, each split
 * again if need be, so that everything that fits gets in.  A single
 * address refused means that nothing new fits any more: the rest are
 * not tried (those already in the table need no room, but cannot be told
 * apart), which keeps a full table at a few requests per batch.  Returns
 * 0 or the first other error; fit says what got in.
 */
static int
add_fitting(struct pftable *t, const struct pft_addr *addrs, size_t n,
    struct fit *fit)
{
	size_t half;
	int changed, err;

	if (!fit->full) {
		err = send_request(t, PFT_OP_ADD, addrs, n, &changed);
		if (err == 0) {
			fit->added += (size_t)changed;
			return 0;
		}
		if (err != ENOMEM)
			return err;
		if (n > 1) {
			half = n / 2;
			if ((err = add_fitting(t, addrs, half, fit)) != 0)
				return err;
			return add_fitting(t, addrs + half, n - half, fit);
		}
		fit->full = true;
	}
	if (fit->left == 0)
		fit->first_left = addrs;
	fit->left += n;
	return 0;
}

static int
add_batch(struct pftable *t, const struct pft_addr *addrs, size_t n,
    struct fit *fit)
{
	memset(fit, 0, sizeof(*fit));
	return add_fitting(t, addrs, n, fit);
}

void
pft_flush(struct pftable *t)
{
	struct fit fit;
	size_t n;
	int changed, err;

	if (t->ndel > 0) {
		n = t->ndel;
		t->ndel = 0;
		err = send_request(t, PFT_OP_DEL, t->del, n, &changed);
		if (err == ESRCH) {
			pft_restore(t);
			return;
		}
		if (err != 0)
			report(t, "delete", t->del, n, err);
		else if (log_debug_enabled())
			log_debug("pf table <%s>: %d of %zu deleted", t->name,
			    changed, n);
	}
	if (t->nadd > 0) {
		n = t->nadd;
		t->nadd = 0;
		err = add_batch(t, t->add, n, &fit);
		if (err == ESRCH) {
			/* Still queued: pft_restore() sends them. */
			t->nadd = n;
			pft_restore(t);
			return;
		}
		if (err != 0)
			report(t, "add", t->add, n, err);
		else if (fit.full)
			report_full(t, &fit, n);
		else if (log_debug_enabled())
			log_debug("pf table <%s>: %zu of %zu added", t->name,
			    fit.added, n);
	}
}

/* One batch of a restoration; a full table ends it, as an error would. */
static void
restore_send(struct pftable *t)
{
	struct fit fit;
	int err;

	if (t->nbatch == 0)
		return;
	if ((err = add_batch(t, t->batch, t->nbatch, &fit)) != 0) {
		t->restore_error = err;
		report(t, "restore", t->batch, t->nbatch, err);
	} else {
		t->restored += t->nbatch - fit.left;
		if (fit.full) {
			t->restore_error = ENOMEM;
			report_full(t, &fit, t->nbatch);
		}
	}
	t->nbatch = 0;
}

static void
restore_visit(void *arg, const struct mx_addr *addr, int64_t expires)
{
	struct pftable *t = arg;

	(void)expires;
	if (t->restore_error != 0)
		return;
	if (!pft_addr_make(&t->batch[t->nbatch], addr, key_prefix(t, addr)))
		return;
	if (++t->nbatch >= t->batch_max)
		restore_send(t);
}

/*
 * The table is gone: create it again and put every live whitelist entry
 * back, with whatever additions were queued.  Queued deletions are moot.
 * Returns 0, or -1 if the table could not be created or filled.
 */
int
pft_restore(struct pftable *t)
{
	struct mx_addr addr;
	unsigned prefix;
	size_t i;

	t->ndel = 0;
	if (pft_ensure(t) == -1) {
		t->nadd = 0;
		return -1;
	}
	t->restored = 0;
	t->restore_error = 0;
	t->nbatch = 0;
	if (t->wl != NULL)
		wl_foreach(t->wl, restore_visit, t);
	for (i = 0; i < t->nadd && t->restore_error == 0; i++) {
		/* Those in the whitelist have just been sent. */
		pft_addr_get(&t->add[i], &addr, &prefix);
		if (t->wl != NULL && prefix == key_prefix(t, &addr) &&
		    wl_contains(t->wl, &addr, INT64_MIN))
			continue;
		t->batch[t->nbatch++] = t->add[i];
		if (t->nbatch >= t->batch_max)
			restore_send(t);
	}
	t->nadd = 0;
	if (t->restore_error == 0)
		restore_send(t);
	log_warnx("pf table <%s> was missing (pf rules reloaded?): created "
	    "it again and added %zu addresses%s", t->name, t->restored,
	    t->restore_error != 0 ? ", then failed" : "");
	return t->restore_error != 0 ? -1 : 0;
}

/*
 * Take over the entries an earlier run left in the table: each expires
 * whitelist-time (wltime) after pf added it.  Entries whose time is up
 * are queued for deletion.  Negated entries, and entries with another
 * prefix than the whitelist's keys (see pft_set_prefixes()), are not ours:
 * they are left alone.  Returns the number of entries adopted into the
 * whitelist.
 */
size_t
pft_adopt(struct pftable *t, const struct pft_astat *st, size_t n,
    int64_t wltime, int64_t mono_now, int64_t real_now)
{
	struct mx_addr addr;
	char text[PFT_ADDRSTRLEN];
	unsigned prefix;
	int64_t left;
	size_t i, adopted = 0;

	for (i = 0; i < n; i++) {
		if (st[i].negated || !pft_addr_valid(&st[i].a)) {
			log_info("pf table <%s>: leaving %s%s alone", t->name,
			    st[i].negated ? "!" : "",
			    pft_addr_format(&st[i].a, text, sizeof(text)));
			continue;
		}
		pft_addr_get(&st[i].a, &addr, &prefix);
		if (prefix != key_prefix(t, &addr)) {
			log_info("pf table <%s>: leaving %s alone (not a "
			    "whitelist entry)", t->name,
			    pft_addr_format(&st[i].a, text, sizeof(text)));
			continue;
		}
		left = st[i].tzero + wltime - real_now;
		if (left > wltime)	/* added "in the future": clock set back */
			left = wltime;
		if (left <= 0 || t->wl == NULL) {
			pft_del(t, &addr, prefix);
			continue;
		}
		if (wl_insert_value(t->wl, &addr, mono_now + left,
		    MX_ORIGIN_RESTORED) == WL_NOMEM) {
			log_warnx("pf table <%s>: no memory to adopt %s",
			    t->name, pft_addr_format(&st[i].a, text,
			    sizeof(text)));
			pft_del(t, &addr, prefix);
			continue;
		}
		adopted++;
	}
	return adopted;
}
