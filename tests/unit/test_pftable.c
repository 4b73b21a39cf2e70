/*
 * Unit tests for pf/table.c, run against tests/pfcompat/fake_pf.c.
 * Built once per pf layout (OpenBSD, FreeBSD): see mk/pf.mk.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/pfvar.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "fake_pf.h"
#include "log.h"
#include "logcap.h"
#include "table.h"
#include "whitelist.h"
#include "t.h"

#define TABLE	"mx-white"
#define OS	PFCOMPAT_OS

static int		 pffd = FAKE_PF_FD;
static struct pftable	*table;
static struct whitelist	*wl;
static uint64_t		 errors;

static struct mx_addr
A(const char *text)
{
	struct mx_addr a;

	if (!addr_parse(text, &a)) {
		fprintf(stderr, "bad address %s\n", text);
		exit(2);
	}
	return a;
}

/* An address for a call: a few may be live at once. */
static struct mx_addr *
P(const char *text)
{
	static struct mx_addr ring[8];
	static unsigned next;
	struct mx_addr *p = &ring[next++ % 8];

	*p = A(text);
	return p;
}

/* As the port does: whatever leaves the whitelist leaves the table. */
static void
on_removed(void *arg, const struct mx_addr *addr, int64_t expires,
    enum wl_removal why)
{
	(void)arg;
	(void)expires;
	(void)why;
	if (table != NULL)
		pft_del(table, addr, PFT_HOST);
}

static void
setup(size_t max_entries)
{
	if (table != NULL)
		pft_destroy(table);
	if (wl != NULL)
		wl_destroy(wl);
	fake_pf_reset(TABLE);
	wl = wl_create(max_entries, 1, on_removed, NULL);
	table = pft_create(TABLE, wl, pfk_exec_fd, &pffd);
	errors = 0;
	pft_set_error_counter(table, &errors);
	if (wl == NULL || table == NULL) {
		fprintf(stderr, "setup failed\n");
		exit(2);
	}
}

/* Whitelist a sender and queue it, as the port does on a fake-MX hit. */
static void
hit(const char *text, int64_t expires)
{
	struct mx_addr a = A(text);

	wl_insert(wl, &a, expires);
	pft_add(table, &a, PFT_HOST);
}

static bool
all_sizes_at_most(int max)
{
	size_t i;

	for (i = 0; i < fake_pf_ncalls && i < FAKE_PF_MAXCALLS; i++)
		if (fake_pf_calls[i].size > max)
			return false;
	return true;
}

static void
test_names(void)
{
	char longname[64];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	table = pft_create("", NULL, pfk_exec_fd, &pffd);
	CHECK(table == NULL, OS ": empty table name refused");
	longname[PFT_NAME_SIZE] = '\0';
	table = pft_create(longname, NULL, pfk_exec_fd, &pffd);
	CHECK(table == NULL, OS ": 32-character table name refused");
	longname[PFT_NAME_SIZE - 1] = '\0';
	table = pft_create(longname, NULL, pfk_exec_fd, &pffd);
	CHECK(table != NULL, OS ": 31-character table name taken");
	pft_destroy(table);
	table = NULL;
}

static void
test_ensure(void)
{
	int rc1, rc2;

	setup(0);
	rc1 = pft_ensure(table);
	CHECK(rc1 == 0 && fake_pf_exists(TABLE), OS ": table created");
	CHECK(fake_pf_ncmd(DIOCRADDTABLES) == 1 && fake_pf_bad == 0,
	    OS ": one well-formed DIOCRADDTABLES (%s)", fake_pf_why);
	rc1 = pft_ensure(table);
	rc2 = pft_ensure(table);
	CHECK(rc1 == 0 && rc2 == 0 && fake_pf_exists(TABLE) &&
	    fake_pf_bad == 0 && errors == 0,
	    OS ": creating an existing table is no error");
	fake_pf_fail(0, EPERM, 1);
	rc1 = pft_ensure(table);
	CHECK(rc1 == -1 && errors == 1,
	    OS ": a refused creation is reported and counted");
}

struct seen {
	struct mx_addr	addr;
	int64_t		expires;
	bool		found;
};

static void
find_expiry(void *arg, const struct mx_addr *addr, int64_t expires)
{
	struct seen *s = arg;

	if (addr_equal(&s->addr, addr)) {
		s->expires = expires;
		s->found = true;
	}
}

static int64_t
expiry_of(const char *text)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	s.addr = A(text);
	wl_foreach(wl, find_expiry, &s);
	return s.found ? s.expires : -1;
}

static void
test_adopt(void)
{
	const int64_t now = fake_pf_time, mono = 5000, wltime = 3600;
	struct pft_astat *st;
	size_t n, adopted;
	int err;

	setup(0);
	err = pfk_get_astats(pffd, TABLE, 0, &st, &n);
	CHECK(err == ESRCH, OS ": reading a missing table gives ESRCH");
	fake_pf_insert(TABLE, 4, "192.0.2.1", 32, now - 100, false);
	fake_pf_insert(TABLE, 4, "192.0.2.2", 32, now - 4000, false);
	fake_pf_insert(TABLE, 6, "2001:db8::3", 128, now - 10, false);
	fake_pf_insert(TABLE, 4, "192.0.2.4", 32, now - 10, true);
	fake_pf_insert(TABLE, 4, "198.51.100.0", 24, now - 10, false);
	fake_pf_insert(TABLE, 4, "192.0.2.6", 32, now + 500, false);
	fake_pf_insert(TABLE, 4, "192.0.2.7", 32, now - 3600, false);
	fake_pf_clear_calls();
	err = pfk_get_astats(pffd, TABLE, 0, &st, &n);
	CHECK(err == 0 && n == 7, OS ": all 7 entries read");
	CHECK(fake_pf_ncmd(DIOCRGETASTATS) == 2 && fake_pf_bad == 0,
	    OS ": asked for the count, then for the entries (%s)",
	    fake_pf_why);
	adopted = pft_adopt(table, st, n, wltime, mono, now);
	free(st);
	CHECK(adopted == 3 && wl_count(wl) == 3,
	    OS ": live single addresses adopted (%zu)", adopted);
	CHECK(expiry_of("192.0.2.1") == mono + wltime - 100,
	    OS ": an entry keeps its age");
	CHECK(expiry_of("2001:db8::3") == mono + wltime - 10,
	    OS ": IPv6 entry adopted with its age");
	CHECK(expiry_of("192.0.2.6") == mono + wltime,
	    OS ": an entry from the future lives no longer than a new one");
	CHECK(expiry_of("192.0.2.2") == -1 && expiry_of("192.0.2.7") == -1,
	    OS ": expired entries not adopted");
	CHECK(pft_pending(table) == 2 && fake_pf_ncmd(DIOCRDELADDRS) == 0,
	    OS ": expired entries queued for deletion");
	pft_flush(table);
	CHECK(fake_pf_ncmd(DIOCRDELADDRS) == 1 &&
	    !fake_pf_contains(TABLE, 4, "192.0.2.2", 32) &&
	    !fake_pf_contains(TABLE, 4, "192.0.2.7", 32) &&
	    fake_pf_count(TABLE) == 5 && fake_pf_bad == 0,
	    OS ": expired entries deleted in one request");
	CHECK(fake_pf_contains(TABLE, 4, "192.0.2.4", 32) &&
	    fake_pf_contains(TABLE, 4, "198.51.100.0", 24) &&
	    expiry_of("192.0.2.4") == -1,
	    OS ": negated entries and networks left alone");

	/* More entries than the whitelist takes: the oldest go. */
	setup(2);
	fake_pf_insert(TABLE, 4, "192.0.2.1", 32, now - 300, false);
	fake_pf_insert(TABLE, 4, "192.0.2.2", 32, now - 200, false);
	fake_pf_insert(TABLE, 4, "192.0.2.3", 32, now - 100, false);
	err = pfk_get_astats(pffd, TABLE, 0, &st, &n);
	adopted = pft_adopt(table, st, n, wltime, mono, now);
	free(st);
	pft_flush(table);
	CHECK(err == 0 && wl_count(wl) == 2 && fake_pf_count(TABLE) == 2 &&
	    !fake_pf_contains(TABLE, 4, "192.0.2.1", 32),
	    OS ": adoption beyond max-entries evicts the oldest");

	setup(0);
	pft_ensure(table);
	err = pfk_get_astats(pffd, TABLE, 0, &st, &n);
	CHECK(err == 0 && n == 0 && st == NULL, OS ": empty table read");
}

static void
test_coalesce(void)
{
	const char *v4[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3",
	    "198.51.100.7", "203.0.113.9" };
	size_t i;

	setup(0);
	pft_ensure(table);
	fake_pf_clear_calls();
	for (i = 0; i < 5; i++)
		hit(v4[i], 100);
	hit("2001:db8::1", 100);
	hit("2001:db8::2", 100);
	hit("192.0.2.1", 100);		/* again, in the same batch */
	hit("::ffff:192.0.2.2", 100);	/* the same sender, mapped */
	CHECK(fake_pf_ncalls == 0 && pft_pending(table) == 7,
	    OS ": additions queued, not sent (%zu)", pft_pending(table));
	pft_flush(table);
	CHECK(fake_pf_ncalls == 1 && fake_pf_ncmd(DIOCRADDADDRS) == 1 &&
	    fake_pf_calls[0].size == 7,
	    OS ": 9 additions, 7 addresses, one DIOCRADDADDRS");
	CHECK(fake_pf_bad == 0 && fake_pf_count(TABLE) == 7,
	    OS ": every address well-formed (%s)", fake_pf_why);
	for (i = 0; i < 5; i++)
		CHECK(fake_pf_contains(TABLE, 4, v4[i], 32),
		    OS ": %s is an AF_INET /32 entry", v4[i]);
	CHECK(fake_pf_contains(TABLE, 6, "2001:db8::1", 128) &&
	    fake_pf_contains(TABLE, 6, "2001:db8::2", 128),
	    OS ": IPv6 senders are AF_INET6 /128 entries");
	CHECK(!fake_pf_contains(TABLE, 6, "::ffff:192.0.2.2", 128),
	    OS ": no IPv4-mapped IPv6 entry");
	pft_flush(table);
	CHECK(fake_pf_ncalls == 1, OS ": nothing queued, nothing sent");

	/* Queueing one way cancels the other. */
	fake_pf_clear_calls();
	pft_add(table, P("192.0.2.50"), PFT_HOST);
	pft_del(table, P("192.0.2.50"), PFT_HOST);
	pft_flush(table);
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 0 &&
	    fake_pf_ncmd(DIOCRDELADDRS) == 1 &&
	    !fake_pf_contains(TABLE, 4, "192.0.2.50", 32),
	    OS ": add then delete in one batch: only the deletion leaves");
	fake_pf_clear_calls();
	pft_del(table, P("192.0.2.1"), PFT_HOST);
	pft_add(table, P("192.0.2.1"), PFT_HOST);
	pft_flush(table);
	CHECK(fake_pf_ncmd(DIOCRDELADDRS) == 0 &&
	    fake_pf_ncmd(DIOCRADDADDRS) == 1 &&
	    fake_pf_contains(TABLE, 4, "192.0.2.1", 32),
	    OS ": delete then add in one batch: the entry stays");
}

static void
text_v4(char *buf, size_t len, unsigned i)
{
	snprintf(buf, len, "10.%u.%u.%u", (i >> 16) & 0xff, (i >> 8) & 0xff,
	    i & 0xff);
}

static void
test_batches(void)
{
	char text[32];
	unsigned i;

	setup(0);
	pft_ensure(table);
	fake_pf_maxcount = PFT_BATCH;
	fake_pf_clear_calls();
	for (i = 0; i < 1000; i++) {
		text_v4(text, sizeof(text), i);
		hit(text, 100);
	}
	pft_flush(table);
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 4 && all_sizes_at_most(PFT_BATCH),
	    OS ": 1000 additions in 4 requests of at most %d", PFT_BATCH);
	CHECK(fake_pf_count(TABLE) == 1000 && fake_pf_bad == 0 && errors == 0,
	    OS ": all 1000 in the table (%s)", fake_pf_why);
	fake_pf_clear_calls();
	wl_expire(wl, 100);
	CHECK(wl_count(wl) == 0 && fake_pf_ncmd(DIOCRDELADDRS) == 3,
	    OS ": expiring 1000 sends full batches as they fill (%zu)",
	    fake_pf_ncmd(DIOCRDELADDRS));
	pft_flush(table);
	CHECK(fake_pf_ncmd(DIOCRDELADDRS) == 4 &&
	    all_sizes_at_most(PFT_BATCH) && fake_pf_count(TABLE) == 0,
	    OS ": 1000 deletions in 4 requests, table empty");
	CHECK(fake_pf_bad == 0 && errors == 0, OS ": all well-formed (%s)",
	    fake_pf_why);
}

static void
test_lost_table(void)
{
	char text[32];
	unsigned i;

	setup(0);
	pft_ensure(table);
	hit("192.0.2.1", 100);
	hit("192.0.2.2", 100);
	hit("2001:db8::1", 100);
	pft_flush(table);
	pft_del(table, P("192.0.2.99"), PFT_HOST);
	fake_pf_destroy(TABLE);
	fake_pf_clear_calls();
	hit("192.0.2.3", 100);
	pft_flush(table);
	CHECK(fake_pf_exists(TABLE) && fake_pf_ncmd(DIOCRADDTABLES) == 1,
	    OS ": ESRCH: table created again");
	CHECK(fake_pf_count(TABLE) == 4 &&
	    fake_pf_contains(TABLE, 4, "192.0.2.1", 32) &&
	    fake_pf_contains(TABLE, 4, "192.0.2.3", 32) &&
	    fake_pf_contains(TABLE, 6, "2001:db8::1", 128),
	    OS ": every live entry added again, and the new one");
	CHECK(fake_pf_bad == 0 && errors == 0,
	    OS ": recovery well-formed and not an error (%s)", fake_pf_why);

	/* An ESRCH on a deletion, with a big whitelist. */
	setup(0);
	pft_ensure(table);
	fake_pf_maxcount = PFT_BATCH;
	for (i = 0; i < 600; i++) {
		text_v4(text, sizeof(text), i);
		hit(text, 200);
	}
	hit("192.0.2.1", 50);
	pft_flush(table);
	fake_pf_destroy(TABLE);
	fake_pf_clear_calls();
	wl_expire(wl, 60);
	pft_flush(table);
	CHECK(fake_pf_ncmd(DIOCRDELADDRS) == 1 &&
	    fake_pf_ncmd(DIOCRADDTABLES) == 1 &&
	    fake_pf_ncmd(DIOCRADDADDRS) == 3 && all_sizes_at_most(PFT_BATCH),
	    OS ": 600 live entries restored in 3 requests");
	CHECK(fake_pf_count(TABLE) == 600 &&
	    !fake_pf_contains(TABLE, 4, "192.0.2.1", 32) && fake_pf_bad == 0,
	    OS ": the expired entry is not restored");

	/* ESRCH injected while the table exists: no harm done. */
	fake_pf_clear_calls();
	fake_pf_fail(DIOCRADDADDRS, ESRCH, 1);
	hit("192.0.2.77", 300);
	pft_flush(table);
	CHECK(fake_pf_count(TABLE) == 601 && errors == 0 && fake_pf_bad == 0,
	    OS ": a spurious ESRCH re-adds what is there");

	/* The table cannot be created again: logged, survived. */
	fake_pf_destroy(TABLE);
	fake_pf_fail(DIOCRADDTABLES, EPERM, 1);
	hit("192.0.2.78", 300);
	pft_flush(table);
	CHECK(errors == 1 && pft_pending(table) == 0,
	    OS ": failed re-creation counted, queue dropped");
	hit("192.0.2.79", 300);
	pft_flush(table);
	CHECK(fake_pf_count(TABLE) == 603 && errors == 1,
	    OS ": the next addition restores the table");
}

static void
test_errors(void)
{
	size_t i;

	setup(0);
	pft_ensure(table);
	fake_pf_clear_calls();
	fake_pf_fail(0, EINTR, 3);
	hit("192.0.2.1", 100);
	pft_flush(table);
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 4 &&
	    fake_pf_contains(TABLE, 4, "192.0.2.1", 32) && errors == 0,
	    OS ": EINTR retried until the request went through");
	for (i = 0; i < 3; i++)
		CHECK(fake_pf_calls[i].err == EINTR &&
		    fake_pf_calls[i].size == 1,
		    OS ": interrupted call %zu repeated as it was", i + 1);

	fake_pf_fail(0, EINTR, 100000);
	hit("192.0.2.2", 100);
	pft_flush(table);
	CHECK(errors == 1 && !fake_pf_contains(TABLE, 4, "192.0.2.2", 32),
	    OS ": endless EINTR gives up, logged");
	fake_pf_fail(0, 0, 0);

	fake_pf_fail(0, ENODEV, 1);
	hit("192.0.2.3", 100);
	hit("2001:db8::3", 100);
	pft_flush(table);
	CHECK(errors == 2 && pft_pending(table) == 0,
	    OS ": ENODEV logged and counted, not fatal");
	fake_pf_fail(0, ENOMEM, 1);
	pft_del(table, P("192.0.2.1"), PFT_HOST);
	pft_flush(table);
	CHECK(errors == 3 && fake_pf_contains(TABLE, 4, "192.0.2.1", 32),
	    OS ": a failed deletion logged and counted");
	hit("192.0.2.4", 100);
	pft_flush(table);
	CHECK(fake_pf_contains(TABLE, 4, "192.0.2.4", 32) && errors == 3,
	    OS ": the table works on after errors");
	CHECK(fake_pf_bad == 0, OS ": all well-formed (%s)", fake_pf_why);
}

static void
test_exec_checks(void)
{
	struct pft_request req;
	int changed, before, err;

	setup(0);
	pft_ensure(table);
	before = (int)fake_pf_ncalls;
	memset(&req, 0, sizeof(req));
	strcpy(req.table, TABLE);
	req.op = PFT_OP_ADD;
	req.count = 0;
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": request with no address refused");
	req.count = PFT_BATCH + 1;
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": request beyond PFT_BATCH refused");
	req.count = 1;
	req.addrs[0].af = 5;
	req.addrs[0].net = 32;
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": unknown family refused");
	req.addrs[0].af = 4;
	req.addrs[0].addr[0] = 192;
	req.addrs[0].addr[2] = 2;
	req.addrs[0].addr[3] = 1;
	req.addrs[0].net = 24;
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": host bits past the prefix refused");
	req.addrs[0].net = 33;
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": IPv4 prefix over 32 refused");
	req.addrs[0].net = 32;
	req.addrs[0].addr[8] = 1;
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": bytes past an IPv4 address refused");
	req.addrs[0].addr[8] = 0;
	memset(req.table, 'x', sizeof(req.table));
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": unterminated table name refused");
	memset(req.table, 0, sizeof(req.table));
	strcpy(req.table, TABLE);
	req.table[sizeof(req.table) - 1] = 'x';
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": table name not zero-padded refused");
	memset(req.table, 0, sizeof(req.table));
	strcpy(req.table, TABLE);
	req.op = 9;
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == EINVAL,
	    OS ": unknown operation refused");
	CHECK((int)fake_pf_ncalls == before,
	    OS ": nothing malformed reached the kernel");
	req.op = PFT_OP_ADD;
	err = pfk_exec(pffd, &req, &changed);
	CHECK(err == 0 && changed == 1 &&
	    fake_pf_contains(TABLE, 4, "192.0.2.1", 32),
	    OS ": the well-formed request goes through");
}

static void
test_addrs(void)
{
	struct pft_addr a;
	struct mx_addr back;
	char text[PFT_ADDRSTRLEN];
	unsigned prefix;

	CHECK(pft_addr_make(&a, P("192.0.2.77"), 120) &&
	    a.af == 4 && a.net == 24 && a.addr[3] == 0 && a.addr[0] == 192,
	    OS ": IPv4 /24 from prefix 120, host bits cleared");
	CHECK(strcmp(pft_addr_format(&a, text, sizeof(text)),
	    "192.0.2.0/24") == 0, OS ": formatted %s", text);
	pft_addr_get(&a, &back, &prefix);
	CHECK(prefix == 120 && addr_equal(&back, P("192.0.2.0")), OS ": and back");
	CHECK(!pft_addr_make(&a, P("192.0.2.77"), 96) &&
	    !pft_addr_make(&a, P("192.0.2.77"), 129) &&
	    !pft_addr_make(&a, P("2001:db8::1"), 0),
	    OS ": empty or overlong prefixes refused");
	CHECK(pft_addr_make(&a, P("2001:db8:1:2:3::1"),
	    64) && a.af == 6 && a.net == 64 && a.addr[7] == 2 &&
	    a.addr[8] == 0 && a.addr[15] == 0 && pft_addr_valid(&a),
	    OS ": IPv6 /64");

	/* A shorter prefix reaches pf as such. */
	setup(0);
	pft_ensure(table);
	fake_pf_net4 = 24;
	fake_pf_net6 = 64;
	pft_add(table, P("198.51.100.200"), 96 + 24);
	pft_add(table, P("2001:db8:5:6::9"), 64);
	pft_flush(table);
	CHECK(fake_pf_contains(TABLE, 4, "198.51.100.0", 24) &&
	    fake_pf_contains(TABLE, 6, "2001:db8:5:6::", 64) &&
	    fake_pf_bad == 0, OS ": networks added with their prefix (%s)",
	    fake_pf_why);
}

/* A whitelist keyed by networks (whitelist-prefix4/6). */
static void
test_network_keys(void)
{
	const int64_t now = fake_pf_time;
	struct mx_addr a;
	struct pft_astat *st;
	size_t n, adopted;
	int err;

	setup(0);
	pft_set_prefixes(table, 24, 48);
	fake_pf_net4 = 24;
	fake_pf_net6 = 48;
	fake_pf_insert(TABLE, 4, "198.51.100.0", 24, now - 10, false);
	fake_pf_insert(TABLE, 4, "198.51.100.7", 32, now - 10, false);
	fake_pf_insert(TABLE, 6, "2001:db8:7::", 48, now - 10, false);
	err = pfk_get_astats(pffd, TABLE, 0, &st, &n);
	adopted = pft_adopt(table, st, n, 3600, 100, now);
	free(st);
	CHECK(err == 0 && adopted == 2 && wl_count(wl) == 2,
	    OS ": networks of the keys' prefixes adopted, the host left");
	addr_parse("203.0.113.0", &a);
	wl_insert(wl, &a, 200);
	fake_pf_destroy(TABLE);
	pft_add(table, &a, 96 + 24);
	pft_flush(table);
	CHECK(fake_pf_count(TABLE) == 3 &&
	    fake_pf_contains(TABLE, 4, "198.51.100.0", 24) &&
	    fake_pf_contains(TABLE, 4, "203.0.113.0", 24) &&
	    fake_pf_contains(TABLE, 6, "2001:db8:7::", 48) &&
	    fake_pf_bad == 0 && errors == 0,
	    OS ": a lost table is restored with the keys' prefixes (%s)",
	    fake_pf_why);
}

/* pf's limits, as pfk_get_limits() reads them on either system. */
static void
test_limits(void)
{
	struct pfk_limits lim;
	int err, ro;

	setup(0);
	fake_pf_table_entries = 5000;
	fake_pf_clear_calls();
	err = pfk_get_limits(pffd, &lim);
	CHECK(err == 0 && lim.table_entries == 5000 &&
	    fake_pf_ncmd(DIOCGETLIMIT) == 1 && fake_pf_bad == 0,
	    OS ": DIOCGETLIMIT reads the table-entries limit (%s)",
	    fake_pf_why);
#ifdef PFCOMPAT_OPENBSD
	CHECK(lim.add_waits && lim.room == 5000 - PFT_BATCH &&
	    lim.request_max == 0,
	    OS ": additions wait at the limit: a batch's worth is kept "
	    "free; no request cap");
#else
	CHECK(!lim.add_waits && lim.room == 5000 &&
	    lim.request_max == 65535,
	    OS ": additions fail at the limit: all of it is room; "
	    "net.pf.request_maxcount read (%llu)",
	    (unsigned long long)lim.request_max);
	fake_pf_maxcount = 300;
	err = pfk_get_limits(pffd, &lim);
	CHECK(err == 0 && lim.request_max == 300,
	    OS ": a lowered net.pf.request_maxcount is read");
	fake_pf_sysctl_error = ENOENT;
	err = pfk_get_limits(pffd, &lim);
	CHECK(err == 0 && lim.request_max == 0 && lim.table_entries == 5000,
	    OS ": an unreadable sysctl means no known cap, and no error");
	fake_pf_sysctl_error = 0;
#endif
	fake_pf_fd = -1;
	ro = fake_pf_open(PFT_DEVICE, O_RDONLY);
	err = pfk_get_limits(ro, &lim);
	CHECK(err == 0 && lim.table_entries == 5000 && fake_pf_bad == 0,
	    OS ": the limit reads through a read-only descriptor too");
	close(ro);
	fake_pf_fd = FAKE_PF_FD;
	fake_pf_fail(DIOCGETLIMIT, EPERM, 1);
	err = pfk_get_limits(pffd, &lim);
	CHECK(err == EPERM && lim.table_entries == 0 && lim.room == 0,
	    OS ": a refused DIOCGETLIMIT leaves the limit unknown");
}

#ifdef PFCOMPAT_FREEBSD
static bool
has_v4_range(unsigned from, unsigned to)
{
	char text[32];
	unsigned i;

	for (i = from; i < to; i++) {
		text_v4(text, sizeof(text), i);
		if (!fake_pf_contains(TABLE, 4, text, 32))
			return false;
	}
	return true;
}

static bool
lacks_v4_range(unsigned from, unsigned to)
{
	char text[32];
	unsigned i;

	for (i = from; i < to; i++) {
		text_v4(text, sizeof(text), i);
		if (fake_pf_contains(TABLE, 4, text, 32))
			return false;
	}
	return true;
}

/*
 * FreeBSD's table-entries limit: an addition that would cross it fails
 * whole with ENOMEM; the client sends halves until what fits is in.
 */
static void
test_table_full(void)
{
	struct logcap cap;
	const char *log;
	char text[32];
	unsigned i;

	setup(0);
	pft_ensure(table);
	fake_pf_table_entries = 10;
	fake_pf_insert("other", 4, "203.0.113.1", 32, 0, false);
	fake_pf_insert("other", 4, "203.0.113.2", 32, 0, false);
	fake_pf_insert("other", 4, "203.0.113.3", 32, 0, false);
	hit("192.0.2.1", 100);
	hit("192.0.2.2", 100);
	pft_flush(table);
	fake_pf_clear_calls();
	for (i = 0; i < 8; i++) {
		text_v4(text, sizeof(text), i);
		hit(text, 100);
	}
	logcap_start(&cap);
	pft_flush(table);
	log = logcap_stop(&cap);
	CHECK(has_v4_range(0, 5) && lacks_v4_range(5, 8) &&
	    fake_pf_count(TABLE) == 7 && fake_pf_total() == 10,
	    OS ": 8 additions with room for 5: exactly the first 5 got in "
	    "(%zu)", fake_pf_count(TABLE));
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 6 && fake_pf_bad == 0,
	    OS ": in halves: 8, 4, 4, 2, 1, then 1 refused, and no more "
	    "(%zu requests)", fake_pf_ncmd(DIOCRADDADDRS));
	CHECK(errors == 1, OS ": counted as one failure (%llu)",
	    (unsigned long long)errors);
	CHECK(logcap_count(log, "pf table <") == 1 &&
	    strstr(log, "3 of 8 addresses not added, from 10.0.0.5") !=
	    NULL && strstr(log, "\"set limit table-entries\" in pf.conf") !=
	    NULL, OS ": one warning, with what did not fit and what raises "
	    "the limit");
	CHECK(wl_count(wl) == 10, OS ": the whitelist keeps all of them");

	fake_pf_clear_calls();
	hit("10.0.0.0", 100);
	hit("10.0.0.6", 100);
	pft_flush(table);
	CHECK(errors == 2 && fake_pf_count(TABLE) == 7 &&
	    fake_pf_ncmd(DIOCRADDADDRS) == 3 && fake_pf_bad == 0,
	    OS ": full: one present and one new address, the new one "
	    "refused in 3 requests");
	fake_pf_clear_calls();
	hit("10.0.0.1", 100);
	hit("192.0.2.1", 100);
	pft_flush(table);
	CHECK(errors == 2 && fake_pf_ncmd(DIOCRADDADDRS) == 1,
	    OS ": full: renewing entries that are there costs nothing more");

	wl_remove(wl, P("192.0.2.1"));
	pft_flush(table);
	hit("10.0.0.5", 100);
	pft_flush(table);
	CHECK(fake_pf_contains(TABLE, 4, "10.0.0.5", 32) && errors == 2 &&
	    fake_pf_total() == 10,
	    OS ": a freed entry makes room for the next hit");

	/* A lost table comes back with what fits, and one warning. */
	fake_pf_destroy(TABLE);
	fake_pf_clear_calls();
	logcap_start(&cap);
	hit("10.0.0.6", 100);
	pft_flush(table);
	log = logcap_stop(&cap);
	CHECK(fake_pf_count(TABLE) == 7 && fake_pf_total() == 10 &&
	    errors == 3 && fake_pf_bad == 0,
	    OS ": restored up to the limit, counted once (%zu, %llu)",
	    fake_pf_count(TABLE), (unsigned long long)errors);
	CHECK(logcap_count(log, "not added") == 1 &&
	    strstr(log, "added 7 addresses, then failed") != NULL,
	    OS ": and said so");
}
#else
/*
 * OpenBSD takes an entry for every address of an addition and waits at
 * the limit: the fake calls an addition that would cross it bad.
 */
static void
test_table_full(void)
{
	unsigned before;

	setup(0);
	pft_ensure(table);
	fake_pf_table_entries = 10;
	fake_pf_insert("other", 4, "203.0.113.1", 32, 0, false);
	fake_pf_insert("other", 4, "203.0.113.2", 32, 0, false);
	hit("192.0.2.1", 100);
	hit("192.0.2.2", 100);
	hit("192.0.2.3", 100);
	hit("192.0.2.4", 100);
	hit("192.0.2.5", 100);
	hit("192.0.2.6", 100);
	pft_flush(table);
	CHECK(fake_pf_total() == 8 && fake_pf_bad == 0,
	    OS ": 8 of 10 entries taken");
	before = fake_pf_bad;
	fake_pf_clear_calls();
	hit("192.0.2.1", 100);
	hit("192.0.2.2", 100);
	hit("192.0.2.7", 100);
	pft_flush(table);
	CHECK(fake_pf_bad > before && fake_pf_calls[0].size == 3 &&
	    fake_pf_calls[0].err == ENOMEM &&
	    strstr(fake_pf_why, "OpenBSD would wait") != NULL,
	    OS ": an addition of 3 (2 of them there) with room for 2 is "
	    "flagged: the kernel would wait (%s)", fake_pf_why);
}
#endif

/* pf refuses changes through a descriptor opened read-only. */
static void
test_read_only(void)
{
	struct pft_astat *st;
	struct logcap cap;
	const char *log;
	size_t n;
	int ro, rw, err;

	setup(0);
	fake_pf_fd = -1;
	pft_ensure(table);
	fake_pf_insert(TABLE, 4, "192.0.2.9", 32, fake_pf_time, false);
	ro = fake_pf_open(PFT_DEVICE, O_RDONLY);
	err = pfk_get_astats(ro, TABLE, 0, &st, &n);
	CHECK(err == 0 && n == 1, OS ": a read-only descriptor reads");
	free(st);
	pft_set_exec(table, pfk_exec_fd, &ro);
	hit("192.0.2.10", 100);
	logcap_start(&cap);
	pft_flush(table);
	log = logcap_stop(&cap);
	CHECK(errors == 1 && !fake_pf_contains(TABLE, 4, "192.0.2.10", 32) &&
	    fake_pf_calls[fake_pf_ncalls - 1].err == EACCES,
	    OS ": DIOCRADDADDRS through it fails with EACCES");
	CHECK(strstr(log, "cannot add 192.0.2.10: Permission denied "
	    "(/dev/pf is open read-only)") != NULL,
	    OS ": the warning says what is wrong");
	rw = pfk_open();
	CHECK(rw != -1 && fake_pf_mode(rw) == O_RDWR,
	    OS ": pfk_open() opens %s read-write", PFT_DEVICE);
	pft_set_exec(table, pfk_exec_fd, &rw);
	hit("192.0.2.10", 100);
	pft_flush(table);
	CHECK(fake_pf_contains(TABLE, 4, "192.0.2.10", 32) && errors == 1 &&
	    fake_pf_bad == 0, OS ": and the addition goes through it");
	close(ro);
	close(rw);
	pft_set_exec(table, pfk_exec_fd, &pffd);
	fake_pf_fd = FAKE_PF_FD;
}

#ifdef PFCOMPAT_FREEBSD
/* FreeBSD returns no more than net.pf.request_maxcount entries at once. */
static void
test_astats_cap(void)
{
	struct pft_astat *st;
	char text[32];
	size_t n;
	unsigned i;
	int err;

	setup(0);
	fake_pf_maxcount = 5;
	for (i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), "192.0.2.%u", i + 1);
		fake_pf_insert(TABLE, 4, text, 32, fake_pf_time, false);
	}
	fake_pf_clear_calls();
	err = pfk_get_astats(pffd, TABLE, 5, &st, &n);
	CHECK(err == E2BIG && n == 6 && st == NULL &&
	    fake_pf_ncmd(DIOCRGETASTATS) == 1 && fake_pf_bad == 0,
	    OS ": 6 entries, cap 5: E2BIG with the count, after asking for "
	    "the count only");
	fake_pf_clear_calls();
	err = pfk_get_astats(pffd, TABLE, 0, &st, &n);
	CHECK(err == E2BIG && n == 6 && st == NULL &&
	    fake_pf_ncmd(DIOCRGETASTATS) == 2 &&
	    fake_pf_calls[1].err == EINVAL && fake_pf_bad == 1,
	    OS ": cap unknown: the kernel's EINVAL for all 6 is E2BIG too");
	fake_pf_maxcount = 6;
	err = pfk_get_astats(pffd, TABLE, 6, &st, &n);
	CHECK(err == 0 && n == 6, OS ": 6 entries, cap 6: all read");
	free(st);
}
#else
static void
test_astats_cap(void)
{
}
#endif

/* No request carries more addresses than pft_set_request_max() allows. */
static void
test_batch_cap(void)
{
	char text[32];
	unsigned i;

	setup(0);
	pft_ensure(table);
	fake_pf_maxcount = 100;
	pft_set_request_max(table, 100);
	fake_pf_clear_calls();
	for (i = 0; i < 250; i++) {
		text_v4(text, sizeof(text), i);
		hit(text, 100);
	}
	pft_flush(table);
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 3 && all_sizes_at_most(100) &&
	    fake_pf_count(TABLE) == 250 && fake_pf_bad == 0,
	    OS ": request cap 100: 250 additions in 3 requests (%s)",
	    fake_pf_why);
	fake_pf_destroy(TABLE);
	fake_pf_clear_calls();
	hit("192.0.2.1", 100);
	pft_flush(table);
	CHECK(fake_pf_count(TABLE) == 251 && all_sizes_at_most(100) &&
	    fake_pf_bad == 0, OS ": and a restoration keeps to it (%s)",
	    fake_pf_why);
	pft_set_request_max(table, 0);
	fake_pf_maxcount = PFT_BATCH;
	fake_pf_clear_calls();
	for (i = 250; i < 250 + PFT_BATCH; i++) {
		text_v4(text, sizeof(text), i);
		hit(text, 100);
	}
	CHECK(fake_pf_ncmd(DIOCRADDADDRS) == 1 && fake_pf_calls[0].size ==
	    PFT_BATCH, OS ": no cap: batches of %d again", PFT_BATCH);
}

int
main(void)
{
	log_init("test_pftable", true, LOG_LEVEL_QUIET);
	pfk_ioctl = fake_pf_ioctl;
	pfk_open_device = fake_pf_open;
#ifdef PFCOMPAT_FREEBSD
	pfk_sysctl = fake_pf_sysctlbyname;
#endif
	test_names();
	test_ensure();
	test_adopt();
	test_coalesce();
	test_batches();
	test_lost_table();
	test_errors();
	test_exec_checks();
	test_addrs();
	test_network_keys();
	test_limits();
	test_table_full();
	test_read_only();
	test_astats_cap();
	test_batch_cap();
	pft_destroy(table);
	wl_destroy(wl);
	fake_pf_reset(NULL);
	return T_DONE();
}
