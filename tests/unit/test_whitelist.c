/*
 * Unit tests for whitelist.c: lookups, expiry order, eviction, and the
 * open-addressing index under growth and churn, checked against a simple
 * model kept here.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whitelist.h"
#include "t.h"

#define SEED	0x0123456789abcdefULL

/* Address number n: IPv4 for even n, IPv6 for odd n; n is recoverable. */
static struct mx_addr
key(uint32_t n)
{
	struct mx_addr a;
	uint8_t b[16];

	if (n % 2 == 0) {
		b[0] = 10;
		b[1] = (uint8_t)(n >> 16);
		b[2] = (uint8_t)(n >> 8);
		b[3] = (uint8_t)n;
		addr_from_v4(&a, b);
		return a;
	}
	memset(b, 0, sizeof(b));
	b[0] = 0x20;
	b[1] = 0x01;
	b[2] = 0x0d;
	b[3] = 0xb8;
	b[12] = (uint8_t)(n >> 24);
	b[13] = (uint8_t)(n >> 16);
	b[14] = (uint8_t)(n >> 8);
	b[15] = (uint8_t)n;
	addr_from_v6(&a, b);
	return a;
}

static uint32_t
key_number(const struct mx_addr *a)
{
	if (addr_is_v4(a))
		return (uint32_t)a->a[13] << 16 | (uint32_t)a->a[14] << 8 |
		    a->a[15];
	return (uint32_t)a->a[12] << 24 | (uint32_t)a->a[13] << 16 |
	    (uint32_t)a->a[14] << 8 | a->a[15];
}

/* What the removal callback was told, in order. */
#define MAX_EVENTS	64
struct events {
	size_t		n;
	size_t		by_reason[3];
	uint32_t	key[MAX_EVENTS];
	int64_t		expires[MAX_EVENTS];
	enum wl_removal	why[MAX_EVENTS];
	bool		sorted;		/* WL_EXPIRED times never went down */
	int64_t		last;
	const struct whitelist *wl;	/* to look at the table from inside */
	bool		gone;		/* removed entry no longer found */
};

static void
record(void *arg, const struct mx_addr *addr, int64_t expires,
    enum wl_removal why)
{
	struct events *ev = arg;

	if (ev->n < MAX_EVENTS) {
		ev->key[ev->n] = key_number(addr);
		ev->expires[ev->n] = expires;
		ev->why[ev->n] = why;
	}
	if (why == WL_EXPIRED) {
		if (expires < ev->last)
			ev->sorted = false;
		ev->last = expires;
	}
	ev->n++;
	ev->by_reason[why]++;
	if (ev->wl != NULL && wl_contains(ev->wl, addr, INT64_MIN))
		ev->gone = false;
}

static void
events_reset(struct events *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->last = INT64_MIN;
	ev->sorted = true;
	ev->gone = true;
}

static struct whitelist *
create(size_t max, struct events *ev)
{
	struct whitelist *wl;

	events_reset(ev);
	if ((wl = wl_create(max, SEED, record, ev)) == NULL)
		abort();
	ev->wl = wl;
	return wl;
}

static bool
has(const struct whitelist *wl, uint32_t n, int64_t now)
{
	struct mx_addr a = key(n);

	return wl_contains(wl, &a, now);
}

static enum wl_insert_result
put(struct whitelist *wl, uint32_t n, int64_t expires)
{
	struct mx_addr a = key(n);

	return wl_insert(wl, &a, expires);
}

static bool
drop(struct whitelist *wl, uint32_t n)
{
	struct mx_addr a = key(n);

	return wl_remove(wl, &a);
}

static void
test_basic(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	enum wl_insert_result r;
	struct mx_addr mapped;
	size_t n;

	CHECK(wl_count(wl) == 0 && wl_next_expiry(wl) == WL_NEVER,
	    "a new table is empty and never expires");
	r = put(wl, 0, 100);
	CHECK(r == WL_ADDED && wl_count(wl) == 1, "insert adds an entry");
	CHECK(has(wl, 0, 50), "the inserted address is found");
	CHECK(!has(wl, 2, 50) && !has(wl, 1, 50),
	    "other addresses are not found");
	r = put(wl, 1, 200);
	CHECK(r == WL_ADDED && has(wl, 1, 50) && wl_count(wl) == 2,
	    "an IPv6 address is added beside it");
	/* key(0) is 10.0.0.0; the same address arriving mapped. */
	if (!addr_parse("::ffff:10.0.0.0", &mapped))
		abort();
	CHECK(wl_contains(wl, &mapped, 50),
	    "the IPv4-mapped IPv6 form finds the IPv4 entry");

	CHECK(has(wl, 0, 99), "an entry is found one second before expiry");
	CHECK(!has(wl, 0, 100), "an entry expiring at now is not contained");
	CHECK(wl_count(wl) == 2, "contains does not purge an expired entry");
	CHECK(wl_next_expiry(wl) == 100, "next expiry is the earliest (100)");

	n = wl_expire(wl, 99);
	CHECK(n == 0 && ev.n == 0 && wl_count(wl) == 2,
	    "wl_expire(99) removes nothing");
	n = wl_expire(wl, 100);
	CHECK(n == 1 && ev.n == 1 && ev.key[0] == 0 && ev.expires[0] == 100 &&
	    ev.why[0] == WL_EXPIRED, "wl_expire(100) removes the entry "
	    "expiring at 100 and reports it as WL_EXPIRED");
	CHECK(ev.gone, "the entry is already gone when the callback runs");
	CHECK(wl_count(wl) == 1 && wl_next_expiry(wl) == 200 &&
	    has(wl, 1, 100), "the later entry stays");
	n = wl_expire(wl, 1000);
	CHECK(n == 1 && wl_count(wl) == 0 && wl_next_expiry(wl) == WL_NEVER,
	    "expiring the rest empties the table");
	r = put(wl, 0, 300);
	CHECK(r == WL_ADDED && has(wl, 0, 200),
	    "an expired address can be added again");
	wl_destroy(wl);
}

static void
visit(void *arg, const struct mx_addr *addr, int64_t expires)
{
	struct events *ev = arg;

	record(ev, addr, expires, WL_DROPPED);
}

static bool
order_is(struct whitelist *wl, const uint32_t *keys, size_t n)
{
	struct events ev;
	size_t i;

	events_reset(&ev);
	wl_foreach(wl, visit, &ev);
	if (ev.n != n)
		return false;
	for (i = 0; i < n; i++)
		if (ev.key[i] != keys[i])
			return false;
	return true;
}

static void
test_refresh(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	enum wl_insert_result r;
	static const uint32_t before[] = { 0, 1, 2 }, after[] = { 1, 2, 0 };

	put(wl, 0, 100);
	put(wl, 1, 150);
	put(wl, 2, 180);
	CHECK(order_is(wl, before, 3), "foreach visits in insertion order "
	    "when expiries rise");
	r = put(wl, 0, 200);
	CHECK(r == WL_REFRESHED && wl_count(wl) == 3,
	    "inserting a present address refreshes it");
	CHECK(has(wl, 0, 199) && !has(wl, 0, 200),
	    "a refresh moves the expiry to the new time");
	CHECK(wl_next_expiry(wl) == 150 && order_is(wl, after, 3),
	    "a refreshed entry moves to the end of the expiry order");
	r = put(wl, 0, 120);
	CHECK(r == WL_REFRESHED && has(wl, 0, 199),
	    "a refresh with an earlier time never shortens the entry");
	CHECK(order_is(wl, after, 3), "a shortening refresh keeps the order");
	wl_expire(wl, 150);
	CHECK(ev.n == 1 && ev.key[0] == 1 && wl_count(wl) == 2,
	    "after the refresh the other entry expires first");
	wl_destroy(wl);
}

static void
test_eviction(void)
{
	struct events ev;
	struct whitelist *wl = create(3, &ev);
	enum wl_insert_result r;
	uint32_t i;

	put(wl, 0, 10);
	put(wl, 1, 30);
	put(wl, 2, 20);
	CHECK(ev.n == 0 && wl_count(wl) == 3, "filling to max evicts nothing");
	r = put(wl, 3, 40);
	CHECK(r == WL_ADDED && wl_count(wl) == 3 && ev.n == 1 &&
	    ev.key[0] == 0 && ev.why[0] == WL_EVICTED && ev.expires[0] == 10,
	    "a new entry when full evicts the one closest to expiry");
	CHECK(!has(wl, 0, 0) && has(wl, 3, 0), "the evicted entry is gone, "
	    "the new one is there");
	r = put(wl, 1, 50);
	CHECK(r == WL_REFRESHED && ev.n == 1 && wl_count(wl) == 3,
	    "refreshing when full evicts nothing");
	r = put(wl, 4, 5);
	CHECK(r == WL_ADDED && ev.n == 2 && ev.key[1] == 2 &&
	    ev.why[1] == WL_EVICTED && has(wl, 4, 0),
	    "the next eviction takes the next closest to expiry (20)");
	CHECK(ev.by_reason[WL_EVICTED] == 2 && ev.by_reason[WL_EXPIRED] == 0,
	    "evictions are reported as WL_EVICTED only");
	CHECK(ev.gone, "an evicted entry is gone when the callback runs");

	/* Lowering the limit evicts at once, closest to expiry first. */
	events_reset(&ev);
	ev.wl = wl;
	wl_set_max(wl, 1);
	CHECK(wl_count(wl) == 1 && ev.n == 2 && ev.key[0] == 4 &&
	    ev.key[1] == 3 && ev.why[0] == WL_EVICTED &&
	    ev.why[1] == WL_EVICTED, "wl_set_max(1) evicts the two entries "
	    "closest to expiry, in order");
	CHECK(has(wl, 1, 0), "the entry furthest from expiry stays");
	wl_set_max(wl, 0);
	for (i = 10; i < 210; i++)
		put(wl, i, 1000 + i);
	CHECK(wl_count(wl) == 201 && ev.n == 2,
	    "wl_set_max(0) lifts the limit");
	wl_set_max(wl, 300);
	CHECK(wl_count(wl) == 201 && ev.n == 2,
	    "raising the limit evicts nothing");
	wl_destroy(wl);
}

static void
test_clamp_remove(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	static const uint32_t left[] = { 0, 2, 3 };
	bool ok;

	put(wl, 0, 10);
	put(wl, 1, 20);
	put(wl, 2, 30);
	put(wl, 3, 40);
	wl_clamp_expiry(wl, 25);
	CHECK(has(wl, 3, 24) && !has(wl, 3, 25) && has(wl, 2, 24) &&
	    !has(wl, 2, 25), "clamp cuts later expiries down to the limit");
	CHECK(has(wl, 1, 19) && !has(wl, 1, 20) && wl_next_expiry(wl) == 10,
	    "clamp leaves earlier expiries alone");

	ok = drop(wl, 1);
	CHECK(ok && ev.n == 1 && ev.key[0] == 1 && ev.why[0] == WL_DROPPED,
	    "wl_remove removes a present entry and reports WL_DROPPED");
	CHECK(!has(wl, 1, 0) && wl_count(wl) == 3 && order_is(wl, left, 3),
	    "removal from the middle keeps the others in order");
	ok = drop(wl, 1);
	CHECK(!ok && ev.n == 1, "removing an absent entry returns false "
	    "and reports nothing");
	ok = drop(wl, 0);
	CHECK(ok && wl_next_expiry(wl) == 25, "removing the oldest moves the "
	    "next expiry on");

	events_reset(&ev);
	wl_expire(wl, 25);
	CHECK(ev.n == 2 && ev.expires[0] == 25 && ev.expires[1] == 25 &&
	    wl_count(wl) == 0, "clamped entries expire at the limit");
	wl_destroy(wl);
}

static void
test_foreach_order(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	static const uint32_t want[] = { 4, 1, 2, 0, 3 };

	put(wl, 0, 30);
	put(wl, 1, 10);
	put(wl, 2, 20);
	put(wl, 3, 40);
	put(wl, 4, 5);
	CHECK(order_is(wl, want, 5), "foreach visits oldest first whatever "
	    "the insertion order");
	CHECK(wl_next_expiry(wl) == 5, "next expiry is the earliest inserted "
	    "out of order");
	wl_destroy(wl);
}

/* A callback that puts a removed address back in: the table is ready. */
static void
reinsert(void *arg, const struct mx_addr *addr, int64_t expires,
    enum wl_removal why)
{
	struct whitelist **wlp = arg;

	(void)expires;
	if (why == WL_DROPPED)
		wl_insert(*wlp, addr, 500);
}

static void
test_callback_changes_table(void)
{
	struct whitelist *wl;
	struct mx_addr a = key(7);

	if ((wl = wl_create(0, SEED, reinsert, &wl)) == NULL)
		abort();
	put(wl, 7, 100);
	put(wl, 9, 200);
	wl_remove(wl, &a);
	CHECK(wl_count(wl) == 2 && has(wl, 7, 499) && !has(wl, 7, 500) &&
	    wl_next_expiry(wl) == 200, "the removal callback may insert "
	    "into the table");
	wl_destroy(wl);
}

static void
test_many(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	uint32_t i, n = 300000, missing = 0, present = 0;
	size_t removed;
	enum wl_insert_result r;
	bool added = true;

	for (i = 0; i < n; i++) {
		r = put(wl, i, 1000 + i / 311);
		if (r != WL_ADDED)
			added = false;
	}
	CHECK(added && wl_count(wl) == n, "300000 mixed IPv4/IPv6 entries "
	    "added through growth");
	for (i = 0; i < n; i++)
		if (!has(wl, i, 999))
			missing++;
	for (i = n; i < n + 10000; i++)
		if (has(wl, i, 999))
			present++;
	CHECK(missing == 0, "every entry is found after growth (%u missing)",
	    missing);
	CHECK(present == 0, "10000 addresses never inserted are not found "
	    "(%u found)", present);
	CHECK(wl_next_expiry(wl) == 1000, "next expiry is the earliest");
	/* Expiry 1000 + i / 311: up to 1499 means i < 500 * 311. */
	removed = wl_expire(wl, 1499);
	for (i = 0, missing = 0; i < n; i++)
		if (has(wl, i, 0) != (i >= 500 * 311))
			missing++;
	CHECK(removed == 500 * 311 && wl_count(wl) == n - removed &&
	    missing == 0 && wl_next_expiry(wl) == 1500, "a partial expiry "
	    "removes exactly the %zu entries due", removed);
	removed += wl_expire(wl, 1000 + (n - 1) / 311);
	CHECK(removed == n && wl_count(wl) == 0 && ev.n == n &&
	    ev.by_reason[WL_EXPIRED] == n && ev.sorted,
	    "all expire, reported in expiry order, and wl_count is 0");
	for (i = 0, present = 0; i < n; i++)
		if (has(wl, i, 0))
			present++;
	CHECK(present == 0 && wl_next_expiry(wl) == WL_NEVER,
	    "no entry is found after expiry");
	wl_destroy(wl);
}

/* Deterministic, so a failure can be replayed. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The model: expiry per key, 0 when absent.  Times start at 1. */
#define KEYS	2000
struct model {
	int64_t		expires[KEYS];
	size_t		count;
};

static int64_t
model_next(const struct model *m)
{
	int64_t next = WL_NEVER;
	size_t i;

	for (i = 0; i < KEYS; i++)
		if (m->expires[i] != 0 && m->expires[i] < next)
			next = m->expires[i];
	return next;
}

static size_t
model_expire(struct model *m, int64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < KEYS; i++)
		if (m->expires[i] != 0 && m->expires[i] <= now) {
			m->expires[i] = 0;
			n++;
		}
	m->count -= n;
	return n;
}

/* Every key against the model; returns the number of disagreements. */
static size_t
model_compare(struct whitelist *wl, const struct model *m,
    int64_t now)
{
	size_t i, wrong = 0;
	bool want;

	for (i = 0; i < KEYS; i++) {
		want = m->expires[i] > now;
		if (has(wl, (uint32_t)i, now) != want)
			wrong++;
	}
	if (wl_count(wl) != m->count || wl_next_expiry(wl) != model_next(m))
		wrong++;
	return wrong;
}

/*
 * A million interleaved inserts, refreshes, removals and expiries over a
 * small key space, so clusters in the index form and break up again and
 * backward-shift deletion runs constantly.
 */
static void
test_churn(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	static struct model m;
	size_t op, k, wrong = 0, compares = 0, n, evictions = 0;
	int64_t now = 1, e;
	uint64_t dice;
	bool removed;

	for (op = 0; op < 1000000; op++) {
		k = rng() % KEYS;
		dice = rng() % 100;
		if (dice < 50) {
			/* Arbitrary expiries, not only now + constant. */
			e = now + 1 + (int64_t)(rng() % 1000);
			if (put(wl, (uint32_t)k, e) !=
			    (m.expires[k] ? WL_REFRESHED : WL_ADDED))
				wrong++;
			if (m.expires[k] == 0)
				m.count++;
			if (e > m.expires[k])
				m.expires[k] = e;
		} else if (dice < 90) {
			removed = drop(wl, (uint32_t)k);
			if (removed != (m.expires[k] != 0))
				wrong++;
			if (m.expires[k] != 0)
				m.count--;
			m.expires[k] = 0;
		} else if (dice < 98) {
			if (has(wl, (uint32_t)k, now) != (m.expires[k] > now))
				wrong++;
		} else if (dice == 98 && rng() % 8 == 0) {
			/* whitelist-time lowered: cut every expiry. */
			e = now + 1 + (int64_t)(rng() % 500);
			wl_clamp_expiry(wl, e);
			for (k = 0; k < KEYS; k++)
				if (m.expires[k] > e)
					m.expires[k] = e;
		} else if (dice == 98 && m.count > 0) {
			/* max-entries lowered by one: the first to expire. */
			ev.n = 0;
			wl_set_max(wl, m.count - 1);
			wl_set_max(wl, 0);
			if (ev.n != 1 || ev.why[0] != WL_EVICTED ||
			    ev.expires[0] != model_next(&m) ||
			    m.expires[ev.key[0]] != ev.expires[0])
				wrong++;
			else {
				m.expires[ev.key[0]] = 0;
				m.count--;
			}
			evictions++;
		} else if (dice == 99) {
			now += (int64_t)(rng() % 50);
			ev.n = 0;
			ev.by_reason[WL_EXPIRED] = 0;
			n = wl_expire(wl, now);
			if (n != model_expire(&m, now) || ev.n != n ||
			    ev.by_reason[WL_EXPIRED] != n)
				wrong++;
		}
		if (wl_count(wl) != m.count)
			wrong++;
		if (op % 20000 == 0) {
			wrong += model_compare(wl, &m, now);
			compares++;
		}
	}
	wrong += model_compare(wl, &m, now);
	CHECK(wrong == 0 && evictions > 1000, "1000000 churn operations over "
	    "%d keys, with renewals, clamps and %zu evictions, agree with the "
	    "model (%zu full comparisons, %zu disagreements)", KEYS,
	    evictions, compares + 1, wrong);
	CHECK(ev.sorted && ev.gone, "churn: expiries reported in order, "
	    "entries gone when reported");
	wl_destroy(wl);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Random expiries: the sorted insert keeps wl_expire exact. */
static void
test_out_of_order(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	static int64_t sorted[5000];
	size_t i, n = 5000, done = 0, wrong = 0, got;
	int64_t t;

	for (i = 0; i < n; i++) {
		sorted[i] = 1 + (int64_t)(rng() % 100000);
		put(wl, (uint32_t)i, sorted[i]);
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp64);
	for (t = 0; t <= 100000; t += 997) {
		got = wl_expire(wl, t);
		i = done;
		while (i < n && sorted[i] <= t)
			i++;
		if (got != i - done ||
		    wl_next_expiry(wl) != (i < n ? sorted[i] : WL_NEVER))
			wrong++;
		done = i;
	}
	got = wl_expire(wl, 100000);
	done += got;
	CHECK(wrong == 0 && done == n && wl_count(wl) == 0,
	    "5000 random expiries: each wl_expire removes exactly those due");
	CHECK(ev.sorted && ev.n == n, "random expiries are reported in "
	    "expiry order");
	wl_destroy(wl);
}

static void
test_memory(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	uint32_t i, n = 1000000;
	double per;

	for (i = 0; i < n; i++)
		put(wl, i, 1000 + i);
	per = (double)wl_memory(wl) / n;
	CHECK(wl_count(wl) == n && per <= 64.0, "wl_memory at %u entries: "
	    "%.1f bytes per entry (<= 64)", n, per);
	CHECK(wl_memory(wl) >= (size_t)n * (sizeof(struct mx_addr) + 8),
	    "wl_memory accounts for at least address and expiry per entry");
	wl_destroy(wl);
}

#ifdef __linux__
/* Bytes of this process's mappings that are marked for huge pages. */
static long long
huge_advised_bytes(void)
{
	char line[512];
	long long total = 0, size = 0;
	FILE *fp;

	if ((fp = fopen("/proc/self/smaps", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "Size: %lld kB", &size) == 1)
			continue;
		if (strncmp(line, "VmFlags:", 8) == 0 &&
		    strstr(line, " hg") != NULL)
			total += size * 1024;
	}
	fclose(fp);
	return total;
}

/*
 * A large table asks for huge pages for its pool and index (they are read
 * at random); a small one does not.
 */
static void
test_huge_pages(void)
{
	struct events ev;
	struct whitelist *small, *large;
	long long before, after_small, after_large;

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) != 0) {
		printf("ok %d # SKIP no transparent huge pages here\n",
		    ++t_count);
		return;
	}
	before = huge_advised_bytes();
	small = create(0, &ev);
	after_small = huge_advised_bytes();
	large = create(1U << 20, &ev);
	after_large = huge_advised_bytes();
	CHECK(before >= 0 && after_small == before, "a small table asks for "
	    "no huge pages (%lld bytes marked before, %lld after)", before,
	    after_small);
	/*
	 * Pool 40 MiB, index 8 MiB, each less up to 4 MiB of unaligned
	 * edges (or merged with heap already marked).
	 */
	CHECK(after_large - after_small >= 36LL << 20, "a table of 2^20 "
	    "entries marks its pool and index for huge pages (%lld bytes)",
	    after_large - after_small);
	wl_destroy(large);
	wl_destroy(small);
}
#endif

/* wl_renew: lookup and renewal in one probe, for a real-MX pass. */
static void
test_renew(void)
{
	struct events ev;
	struct whitelist *wl = create(0, &ev);
	struct mx_addr a = key(1), b = key(2);

	wl_insert(wl, &a, 100);
	CHECK(!wl_renew(wl, &b, 50, 200), "renew: a missing key is not renewed");
	CHECK(wl_count(wl) == 1, "renew: and not added either");
	CHECK(wl_renew(wl, &a, 50, 200) && wl_next_expiry(wl) == 200,
	    "renew: a live entry is extended");
	CHECK(wl_renew(wl, &a, 60, 150) && wl_next_expiry(wl) == 200,
	    "renew: never shortens an entry");
	CHECK(!wl_renew(wl, &a, 200, 300) && wl_next_expiry(wl) == 200,
	    "renew: an expired entry, not yet purged, is not revived");
	wl_destroy(wl);
}

int
main(void)
{
#ifdef __linux__
	test_huge_pages();	/* first: nothing marked by earlier tests */
#endif
	test_renew();
	test_basic();
	test_refresh();
	test_eviction();
	test_clamp_remove();
	test_foreach_order();
	test_callback_changes_table();
	test_many();
	test_churn();
	test_out_of_order();
	test_memory();
	return T_DONE();
}
