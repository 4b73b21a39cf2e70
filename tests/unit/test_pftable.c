/*
 * Unit tests for pf/table.c, run against tests/pfcompat/fake_pf.c.
 * Built once per pf layout (OpenBSD, FreeBSD): see mk/pf.mk.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/pfvar.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fake_pf.h"
#include "log.h"
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
	err = pfk_get_astats(pffd, TABLE, &st, &n);
	CHECK(err == ESRCH, OS ": reading a missing table gives ESRCH");
	fake_pf_insert(TABLE, 4, "192.0.2.1", 32, now - 100, false);
	fake_pf_insert(TABLE, 4, "192.0.2.2", 32, now - 4000, false);
	fake_pf_insert(TABLE, 6, "2001:db8::3", 128, now - 10, false);
	fake_pf_insert(TABLE, 4, "192.0.2.4", 32, now - 10, true);
	fake_pf_insert(TABLE, 4, "198.51.100.0", 24, now - 10, false);
	fake_pf_insert(TABLE, 4, "192.0.2.6", 32, now + 500, false);
	fake_pf_insert(TABLE, 4, "192.0.2.7", 32, now - 3600, false);
	fake_pf_clear_calls();
	err = pfk_get_astats(pffd, TABLE, &st, &n);
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
	err = pfk_get_astats(pffd, TABLE, &st, &n);
	adopted = pft_adopt(table, st, n, wltime, mono, now);
	free(st);
	pft_flush(table);
	CHECK(err == 0 && wl_count(wl) == 2 && fake_pf_count(TABLE) == 2 &&
	    !fake_pf_contains(TABLE, 4, "192.0.2.1", 32),
	    OS ": adoption beyond max-entries evicts the oldest");

	setup(0);
	pft_ensure(table);
	err = pfk_get_astats(pffd, TABLE, &st, &n);
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
	err = pfk_get_astats(pffd, TABLE, &st, &n);
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

int
main(void)
{
	log_init("test_pftable", true, LOG_LEVEL_QUIET);
	pfk_ioctl = fake_pf_ioctl;
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
	pft_destroy(table);
	wl_destroy(wl);
	fake_pf_reset(NULL);
	return T_DONE();
}
