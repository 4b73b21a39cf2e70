/*
 * An in-memory pf for the table tests, built against one of the
 * compatibility layouts (openbsd/ or freebsd/ net/pfvar.h).
 *
 * It answers DIOCGETLIMIT, DIOCRADDTABLES, DIOCRADDADDRS, DIOCRDELADDRS
 * and DIOCRGETASTATS as pf does (ENODEV for a wrong element size, ESRCH
 * for a missing table, the size dance of DIOCRGETASTATS, EINVAL above
 * FreeBSD's request cap, EACCES for a change through a descriptor opened
 * read-only, ENOMEM for an addition that would cross the table-entries
 * limit), and checks what pf checks and what the daemon promises on top:
 * the table name is the expected one and zero-padded, the anchor is
 * empty, no flags are set, the output fields are zero on the way in, every
 * address is zeroed but for its family, prefix and bytes, the prefix is
 * the expected one, the only limit asked for is table-entries, and, on
 * the OpenBSD layout, no addition would cross that limit (see
 * check_room()).  Errors can be injected for the next calls.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/pfvar.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_pf.h"

struct entry {
	uint8_t		af;		/* AF_INET or AF_INET6 */
	uint8_t		net;
	uint8_t		addr[16];
	int64_t		tzero;
	bool		negated;
};

struct table {
	char		 name[PF_TABLE_NAME_SIZE];
	uint32_t	 flags;
	struct entry	*e;
	size_t		 n, cap;
};

#define MAXTABLES	8
#define MAXFDS		64

/* A descriptor from fake_pf_open(), and how it was opened. */
struct opened {
	bool	known;
	int	mode;		/* O_RDONLY, O_WRONLY or O_RDWR */
};

static struct table	tables[MAXTABLES];
static struct opened	opened[MAXFDS];
static char		expect_table[PF_TABLE_NAME_SIZE];
static unsigned long	fail_cmd;
static int		fail_err, fail_times;

struct fake_pf_call	fake_pf_calls[FAKE_PF_MAXCALLS];
size_t			fake_pf_ncalls;
unsigned		fake_pf_bad;
char			fake_pf_why[256];
int64_t			fake_pf_time = 1700000000;
int			fake_pf_maxcount;
unsigned		fake_pf_table_entries = PFR_KENTRY_HIWAT;
int			fake_pf_sysctl_error;
int			fake_pf_fd = FAKE_PF_FD;
unsigned		fake_pf_net4 = 32, fake_pf_net6 = 128;
bool			fake_pf_net_any;

static int
bad(int err, const char *fmt, ...)
{
	va_list ap;

	fake_pf_bad++;
	va_start(ap, fmt);
	vsnprintf(fake_pf_why, sizeof(fake_pf_why), fmt, ap);
	va_end(ap);
	return err;
}

/* Forget every table; requests must name `table' (NULL: any). */
void
fake_pf_reset(const char *table)
{
	size_t i;

	for (i = 0; i < MAXTABLES; i++)
		free(tables[i].e);
	memset(tables, 0, sizeof(tables));
	memset(opened, 0, sizeof(opened));
	memset(expect_table, 0, sizeof(expect_table));
	if (table != NULL)
		snprintf(expect_table, sizeof(expect_table), "%s", table);
	fail_cmd = 0;
	fail_err = fail_times = 0;
	fake_pf_ncalls = 0;
	fake_pf_bad = 0;
	fake_pf_why[0] = '\0';
#ifdef PFCOMPAT_MAXCOUNT
	fake_pf_maxcount = PFCOMPAT_MAXCOUNT;
#else
	fake_pf_maxcount = 0;
#endif
	fake_pf_table_entries = PFR_KENTRY_HIWAT;
	fake_pf_sysctl_error = 0;
	fake_pf_net4 = 32;
	fake_pf_net6 = 128;
	fake_pf_net_any = false;
}

/* The next `times' calls of cmd (0: any) fail with err. */
void
fake_pf_fail(unsigned long cmd, int err, int times)
{
	fail_cmd = cmd;
	fail_err = err;
	fail_times = times;
}

void
fake_pf_clear_calls(void)
{
	fake_pf_ncalls = 0;
}

size_t
fake_pf_ncmd(unsigned long cmd)
{
	size_t i, n = 0;

	for (i = 0; i < fake_pf_ncalls && i < FAKE_PF_MAXCALLS; i++)
		if (fake_pf_calls[i].cmd == cmd)
			n++;
	return n;
}

static struct table *
find_table(const char *name)
{
	size_t i;

	for (i = 0; i < MAXTABLES; i++)
		if (tables[i].name[0] != '\0' &&
		    strncmp(tables[i].name, name, sizeof(tables[i].name)) == 0)
			return &tables[i];
	return NULL;
}

static struct table *
new_table(const char *name)
{
	size_t i;

	for (i = 0; i < MAXTABLES; i++) {
		if (tables[i].name[0] == '\0') {
			snprintf(tables[i].name, sizeof(tables[i].name), "%s",
			    name);
			return &tables[i];
		}
	}
	return NULL;
}

bool
fake_pf_destroy(const char *name)
{
	struct table *t = find_table(name);

	if (t == NULL)
		return false;
	free(t->e);
	memset(t, 0, sizeof(*t));
	return true;
}

bool
fake_pf_exists(const char *name)
{
	return find_table(name) != NULL;
}

size_t
fake_pf_count(const char *name)
{
	struct table *t = find_table(name);

	return t == NULL ? 0 : t->n;
}

/* Entries in all tables: what the table-entries limit counts. */
size_t
fake_pf_total(void)
{
	size_t i, n = 0;

	for (i = 0; i < MAXTABLES; i++)
		n += tables[i].n;
	return n;
}

static struct entry *
find_entry(struct table *t, const struct entry *e)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].af == e->af && t->e[i].net == e->net &&
		    memcmp(t->e[i].addr, e->addr, 16) == 0)
			return &t->e[i];
	return NULL;
}

static bool
insert_entry(struct table *t, const struct entry *e)
{
	struct entry *grown;

	if (find_entry(t, e) != NULL)
		return false;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		if ((grown = realloc(t->e, t->cap * sizeof(*grown))) == NULL)
			abort();
		t->e = grown;
	}
	t->e[t->n++] = *e;
	return true;
}

static bool
text_entry(struct entry *e, int af, const char *text, unsigned net)
{
	memset(e, 0, sizeof(*e));
	e->af = af == 4 ? AF_INET : AF_INET6;
	e->net = (uint8_t)net;
	return inet_pton(e->af, text, e->addr) == 1;
}

bool
fake_pf_contains(const char *table, int af, const char *text, unsigned net)
{
	struct table *t = find_table(table);
	struct entry e;

	return t != NULL && text_entry(&e, af, text, net) &&
	    find_entry(t, &e) != NULL;
}

/* An entry left by "an earlier run", created with its table if need be. */
int
fake_pf_insert(const char *table, int af, const char *text, unsigned net,
    int64_t tzero, bool negated)
{
	struct table *t = find_table(table);
	struct entry e;

	if (t == NULL && (t = new_table(table)) == NULL)
		return -1;
	t->flags = PFR_TFLAG_PERSIST | PFR_TFLAG_ACTIVE;
	if (!text_entry(&e, af, text, net))
		return -1;
	e.tzero = tzero;
	e.negated = negated;
	return insert_entry(t, &e) ? 0 : -1;
}

static bool
all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len-- > 0)
		if (*c++ != 0)
			return false;
	return true;
}

/* A table name as pf wants it, and the one the test expects. */
static int
check_table(const struct pfr_table *tbl, uint32_t flags, const char *what)
{
	size_t len = strnlen(tbl->pfrt_name, sizeof(tbl->pfrt_name));

	if (!all_zero(tbl->pfrt_anchor, sizeof(tbl->pfrt_anchor)))
		return bad(EINVAL, "%s: anchor not empty", what);
	if (len == 0 || len == sizeof(tbl->pfrt_name))
		return bad(EINVAL, "%s: bad table name", what);
	if (!all_zero(tbl->pfrt_name + len, sizeof(tbl->pfrt_name) - len))
		return bad(EINVAL, "%s: table name not zero-padded", what);
	if (expect_table[0] != '\0' &&
	    strcmp(tbl->pfrt_name, expect_table) != 0)
		return bad(EINVAL, "%s: table <%s>, expected <%s>", what,
		    tbl->pfrt_name, expect_table);
	if (tbl->pfrt_flags != flags)
		return bad(EINVAL, "%s: table flags %#x, expected %#x", what,
		    tbl->pfrt_flags, flags);
	if (tbl->pfrt_fback != 0)
		return bad(EINVAL, "%s: table feedback set", what);
	return 0;
}

static int
check_addr(const struct pfr_addr *ra, struct entry *e, const char *what)
{
	const uint8_t *b = (const uint8_t *)&ra->pfra_u;
	unsigned i, host, len, want;

	memset(e, 0, sizeof(*e));
	if (ra->pfra_af == AF_INET) {
		len = 4;
		want = fake_pf_net4;
	} else if (ra->pfra_af == AF_INET6) {
		len = 16;
		want = fake_pf_net6;
	} else
		return bad(EINVAL, "%s: address family %u", what,
		    ra->pfra_af);
	if (!fake_pf_net_any && ra->pfra_net != want)
		return bad(EINVAL, "%s: prefix /%u, expected /%u", what,
		    ra->pfra_net, want);
	/* Nothing past the prefix, nor past an IPv4 address. */
	for (i = 0; i < 16; i++) {
		host = i >= len ? 8 : i * 8 >= ra->pfra_net ? 8 :
		    i * 8 + 8 > ra->pfra_net ? i * 8 + 8 - ra->pfra_net : 0;
		if (host > 0 && (b[i] & (0xff >> (8 - host))) != 0)
			return bad(EINVAL, "%s: bits set past /%u", what,
			    ra->pfra_net);
	}
	if (ra->pfra_not != 0 || ra->pfra_fback != 0)
		return bad(EINVAL, "%s: negation or feedback set", what);
#ifdef PFCOMPAT_OPENBSD
	if (!all_zero(ra->pfra_ifname, sizeof(ra->pfra_ifname)) ||
	    ra->pfra_states != 0 || ra->pfra_weight != 0 ||
	    ra->pfra_type != 0 || !all_zero(ra->pad, sizeof(ra->pad)))
		return bad(EINVAL, "%s: address not zeroed", what);
#endif
	e->af = ra->pfra_af;
	e->net = ra->pfra_net;
	memcpy(e->addr, b, len);
	return 0;
}

static int
check_io(const struct pfioc_table *io, int esize, const char *what)
{
	if (io->pfrio_esize != esize)
		return bad(ENODEV, "%s: esize %d, expected %d", what,
		    io->pfrio_esize, esize);
	if (io->pfrio_size < 0)
		return bad(EINVAL, "%s: negative size", what);
	if (fake_pf_maxcount > 0 && io->pfrio_size > fake_pf_maxcount)
		return bad(EINVAL, "%s: %d elements, more than %d", what,
		    io->pfrio_size, fake_pf_maxcount);
	if (io->pfrio_size > 0 && io->pfrio_buffer == NULL)
		return bad(EFAULT, "%s: no buffer", what);
	if (io->pfrio_flags != 0)
		return bad(EINVAL, "%s: flags %#x", what, io->pfrio_flags);
	if (io->pfrio_size2 != 0 || io->pfrio_nadd != 0 ||
	    io->pfrio_ndel != 0 || io->pfrio_nchange != 0 ||
	    io->pfrio_ticket != 0)
		return bad(EINVAL, "%s: output fields not zero", what);
	return 0;
}

static bool
inject(unsigned long cmd)
{
	if (fail_times == 0 || (fail_cmd != 0 && fail_cmd != cmd))
		return false;
	fail_times--;
	return true;
}

/*
 * Room under the table-entries limit, which all tables share.  FreeBSD
 * takes an entry for each address new to the table and refuses the whole
 * request with ENOMEM when one is not to be had.  OpenBSD takes one for
 * every address of the request before it looks whether the address is
 * there already, with PR_WAITOK: at the limit pool_get() sleeps until
 * entries are freed, holding pf's ioctl lock, and every pf request on the
 * system waits with it.  The fake cannot hang; it calls such a request
 * bad, and refuses it as FreeBSD would.
 */
static int
check_room(struct table *t, const struct pfr_addr *ra, int size)
{
	size_t total = fake_pf_total(), need = 0;
#ifdef PFCOMPAT_OPENBSD
	(void)t;
	(void)ra;
	need = (size_t)size;
	if (total + need > fake_pf_table_entries)
		return bad(ENOMEM, "addaddrs: %d addresses with %zu of %u "
		    "entries taken: OpenBSD would wait for room, holding "
		    "pf's ioctl lock", size, total, fake_pf_table_entries);
#else
	struct entry e, prev;
	int i, j;
	bool seen;

	for (i = 0; i < size; i++) {
		check_addr(&ra[i], &e, "addaddrs");
		if (find_entry(t, &e) != NULL)
			continue;
		for (j = 0, seen = false; j < i && !seen; j++) {
			check_addr(&ra[j], &prev, "addaddrs");
			seen = prev.af == e.af && prev.net == e.net &&
			    memcmp(prev.addr, e.addr, 16) == 0;
		}
		if (!seen)
			need++;
	}
	if (total + need > fake_pf_table_entries)
		return ENOMEM;
#endif
	return 0;
}

/* The daemon asks for one limit: the table entries. */
static int
do_getlimit(unsigned long cmd, struct pfioc_limit *pl)
{
	if (pl->index < 0 || pl->index >= PF_LIMIT_MAX)
		return bad(EINVAL, "getlimit: index %d", pl->index);
	if (pl->index != PF_LIMIT_TABLE_ENTRIES)
		return bad(EINVAL, "getlimit: limit %d, not table-entries (%d)",
		    pl->index, PF_LIMIT_TABLE_ENTRIES);
	if (inject(cmd))
		return fail_err;
	pl->limit = fake_pf_table_entries;
	return 0;
}

static int
do_addtables(unsigned long cmd, struct pfioc_table *io)
{
	struct pfr_table *tbl = io->pfrio_buffer;
	struct table *t;
	int err;

	if ((err = check_io(io, sizeof(struct pfr_table), "addtables")) != 0)
		return err;
	if (!all_zero(&io->pfrio_table, sizeof(io->pfrio_table)) &&
	    (err = check_table(&io->pfrio_table, 0, "addtables")) != 0)
		return err;
	if (io->pfrio_size != 1)
		return bad(EINVAL, "addtables: %d tables", io->pfrio_size);
	if ((err = check_table(tbl, PFR_TFLAG_PERSIST, "addtables")) != 0)
		return err;
	if (inject(cmd))
		return fail_err;
	if (find_table(tbl->pfrt_name) != NULL)
		return 0;
	if ((t = new_table(tbl->pfrt_name)) == NULL)
		return ENOMEM;
	t->flags = PFR_TFLAG_PERSIST | PFR_TFLAG_ACTIVE;
	io->pfrio_nadd = 1;
	return 0;
}

static int
do_addrs(unsigned long cmd, struct pfioc_table *io, bool add)
{
	const char *what = add ? "addaddrs" : "deladdrs";
	struct pfr_addr *ra = io->pfrio_buffer;
	struct entry e, *found;
	struct table *t;
	int err, i;

	if ((err = check_io(io, sizeof(struct pfr_addr), what)) != 0)
		return err;
	if ((err = check_table(&io->pfrio_table, 0, what)) != 0)
		return err;
	if (io->pfrio_size == 0)
		return bad(EINVAL, "%s: empty request", what);
	for (i = 0; i < io->pfrio_size; i++)
		if ((err = check_addr(&ra[i], &e, what)) != 0)
			return err;
	if (inject(cmd))
		return fail_err;
	if ((t = find_table(io->pfrio_table.pfrt_name)) == NULL)
		return ESRCH;
	if (add && (err = check_room(t, ra, io->pfrio_size)) != 0)
		return err;
	for (i = 0; i < io->pfrio_size; i++) {
		check_addr(&ra[i], &e, what);
		e.tzero = fake_pf_time;
		if (add) {
			if (insert_entry(t, &e))
				io->pfrio_nadd++;
		} else if ((found = find_entry(t, &e)) != NULL) {
			*found = t->e[--t->n];
			io->pfrio_ndel++;
		}
	}
	return 0;
}

static int
do_getastats(unsigned long cmd, struct pfioc_table *io)
{
	struct pfr_astats *as = io->pfrio_buffer;
	struct table *t;
	size_t i;
	int err;

	if ((err = check_io(io, sizeof(struct pfr_astats), "getastats")) != 0)
		return err;
	if ((err = check_table(&io->pfrio_table, 0, "getastats")) != 0)
		return err;
	if (inject(cmd))
		return fail_err;
	if ((t = find_table(io->pfrio_table.pfrt_name)) == NULL)
		return ESRCH;
	if (t->n > (size_t)io->pfrio_size) {
		io->pfrio_size = (int)t->n;
		return 0;
	}
	for (i = 0; i < t->n; i++) {
		memset(&as[i], 0, sizeof(as[i]));
		as[i].pfras_a.pfra_af = t->e[i].af;
		as[i].pfras_a.pfra_net = t->e[i].net;
		as[i].pfras_a.pfra_not = t->e[i].negated;
		memcpy(&as[i].pfras_a.pfra_u, t->e[i].addr, 16);
		as[i].pfras_tzero = (time_t)t->e[i].tzero;
	}
	io->pfrio_size = (int)t->n;
	return 0;
}

/* The table requests: their argument is a struct pfioc_table. */
static bool
table_cmd(unsigned long cmd)
{
	return cmd == DIOCRADDTABLES || cmd == DIOCRADDADDRS ||
	    cmd == DIOCRDELADDRS || cmd == DIOCRSETADDRS ||
	    cmd == DIOCRGETADDRS || cmd == DIOCRGETASTATS ||
	    cmd == DIOCRTSTADDRS;
}

/* Requests that change pf: both kernels want a descriptor open for it. */
static bool
write_cmd(unsigned long cmd)
{
	return cmd == DIOCRADDTABLES || cmd == DIOCRADDADDRS ||
	    cmd == DIOCRDELADDRS || cmd == DIOCRSETADDRS;
}

int
fake_pf_ioctl(int fd, unsigned long cmd, void *arg)
{
	struct pfioc_table *io = table_cmd(cmd) ? arg : NULL;
	int err;

	if (fake_pf_fd != -1 && fd != fake_pf_fd)
		err = bad(EBADF, "descriptor %d", fd);
	else if (arg == NULL)
		err = bad(EFAULT, "no argument");
	else if (write_cmd(cmd) && fake_pf_mode(fd) == O_RDONLY)
		err = EACCES;	/* pf looks at this first */
	else if (cmd == DIOCGETLIMIT)
		err = do_getlimit(cmd, arg);
	else if (cmd == DIOCRADDTABLES)
		err = do_addtables(cmd, io);
	else if (cmd == DIOCRADDADDRS)
		err = do_addrs(cmd, io, true);
	else if (cmd == DIOCRDELADDRS)
		err = do_addrs(cmd, io, false);
	else if (cmd == DIOCRGETASTATS)
		err = do_getastats(cmd, io);
	else
		err = bad(ENOTTY, "ioctl %#lx", cmd);
	if (fake_pf_ncalls < FAKE_PF_MAXCALLS) {
		fake_pf_calls[fake_pf_ncalls].cmd = cmd;
		fake_pf_calls[fake_pf_ncalls].size = io ? io->pfrio_size : -1;
		fake_pf_calls[fake_pf_ncalls].err = err;
	}
	fake_pf_ncalls++;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/*
 * /dev/pf, as pfk_open() opens it: a descriptor of /dev/null with the
 * access mode asked for, which the fake remembers.
 */
int
fake_pf_open(const char *path, int flags)
{
	int fd;

	if (strcmp(path, "/dev/pf") != 0) {
		errno = bad(ENOENT, "open %s", path);
		return -1;
	}
	if ((flags & ~(O_ACCMODE | O_CLOEXEC)) != 0) {
		errno = bad(EINVAL, "open flags %#x", (unsigned)flags);
		return -1;
	}
	if ((fd = open("/dev/null", flags)) == -1)
		return -1;
	if (fd < MAXFDS) {
		opened[fd].known = true;
		opened[fd].mode = flags & O_ACCMODE;
	}
	return fd;
}

/* How fake_pf_open() opened fd, or -1 if it did not. */
int
fake_pf_mode(int fd)
{
	if (fd < 0 || fd >= MAXFDS || !opened[fd].known)
		return -1;
	return opened[fd].mode;
}

/*
 * sysctlbyname(3) for the one value the daemon reads, FreeBSD's
 * net.pf.request_maxcount (a u_long): fake_pf_maxcount.  OpenBSD has no
 * sysctlbyname(), and no such cap.
 */
int
fake_pf_sysctlbyname(const char *name, void *old, size_t *oldlen,
    const void *new, size_t newlen)
{
	unsigned long value = (unsigned long)fake_pf_maxcount;

#ifdef PFCOMPAT_FREEBSD
	if (fake_pf_sysctl_error != 0)
		errno = fake_pf_sysctl_error;
	else if (strcmp(name, "net.pf.request_maxcount") != 0)
		errno = bad(ENOENT, "sysctl %s", name);
	else if (new != NULL || newlen != 0)
		errno = bad(EPERM, "sysctl %s: set", name);
	else if (old != NULL && *oldlen < sizeof(value))
		errno = bad(ENOMEM, "sysctl %s: %zu bytes for a u_long",
		    name, *oldlen);
	else {
		if (old != NULL)
			memcpy(old, &value, sizeof(value));
		*oldlen = sizeof(value);
		return 0;
	}
#else
	(void)old;
	(void)oldlen;
	(void)new;
	(void)newlen;
	(void)value;
	errno = bad(ENOSYS, "sysctlbyname %s: not on OpenBSD", name);
#endif
	return -1;
}
