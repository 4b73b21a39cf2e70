/*
 * The blocked and suspect senders (report.h).
 *
 * Each table is an array of entries, a hash index of chains through them
 * and a list from the most to the least recently seen; entries are
 * reused, never freed, so a table never allocates after it is made.  The
 * hash is keyed with a random seed: the addresses are anyone's to forge,
 * and a known hash would let them all fall into one chain.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define NIL	UINT32_MAX

struct slot {
	struct report_entry	e;
	uint32_t		hnext;		/* the chain of its bucket */
	uint32_t		prev, next;	/* by recency; prev is newer */
};

struct table {
	struct slot	*slots;
	uint32_t	*buckets;
	uint32_t	 mask;		/* buckets - 1 */
	uint32_t	 cap;
	uint32_t	 used;		/* slots 0..used-1 hold entries */
	uint32_t	 newest, oldest;
	uint32_t	 free;		/* removed slots, through hnext */
};

struct report {
	struct table	blocked;
	struct table	suspects;
	uint64_t	seed;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint32_t
bucket_of(const struct report *r, const struct table *t,
    const struct mx_addr *addr)
{
	uint64_t hi, lo;

	memcpy(&hi, addr->a, sizeof(hi));
	memcpy(&lo, addr->a + 8, sizeof(lo));
	return (uint32_t)mix64(mix64(hi ^ r->seed) ^ lo) & t->mask;
}

static int
table_init(struct table *t, size_t cap)
{
	size_t n = 2, i;

	while (n < cap * 2)
		n *= 2;
	memset(t, 0, sizeof(*t));
	t->slots = calloc(cap, sizeof(*t->slots));
	t->buckets = malloc(n * sizeof(*t->buckets));
	if (t->slots == NULL || t->buckets == NULL)
		return -1;
	for (i = 0; i < n; i++)
		t->buckets[i] = NIL;
	t->mask = (uint32_t)(n - 1);
	t->cap = (uint32_t)cap;
	t->newest = t->oldest = t->free = NIL;
	return 0;
}

static void
table_free(struct table *t)
{
	free(t->slots);
	free(t->buckets);
}

static uint32_t
find(const struct report *r, const struct table *t, const struct mx_addr *a)
{
	uint32_t i;

	for (i = t->buckets[bucket_of(r, t, a)]; i != NIL;
	    i = t->slots[i].hnext)
		if (addr_equal(&t->slots[i].e.addr, a))
			return i;
	return NIL;
}

static void
list_unlink(struct table *t, uint32_t i)
{
	struct slot *s = &t->slots[i];

	if (s->prev != NIL)
		t->slots[s->prev].next = s->next;
	else
		t->newest = s->next;
	if (s->next != NIL)
		t->slots[s->next].prev = s->prev;
	else
		t->oldest = s->prev;
}

static void
list_push(struct table *t, uint32_t i)
{
	struct slot *s = &t->slots[i];

	s->prev = NIL;
	s->next = t->newest;
	if (t->newest != NIL)
		t->slots[t->newest].prev = i;
	else
		t->oldest = i;
	t->newest = i;
}

/* Out of its chain; the chains are short (a keyed hash, half full). */
static void
hash_unlink(const struct report *r, struct table *t, uint32_t i)
{
	uint32_t *p = &t->buckets[bucket_of(r, t, &t->slots[i].e.addr)];

	while (*p != NIL && *p != i)
		p = &t->slots[*p].hnext;
	if (*p == i)
		*p = t->slots[i].hnext;
}

static void
table_remove(const struct report *r, struct table *t, uint32_t i)
{
	hash_unlink(r, t, i);
	list_unlink(t, i);
	t->slots[i].hnext = t->free;
	t->free = i;
}

/* The sender's entry, seen now: found, or new in place of the oldest. */
static struct report_entry *
table_see(const struct report *r, struct table *t, const struct mx_addr *a,
    int64_t now)
{
	uint32_t i = find(r, t, a), b;

	if (i != NIL) {
		list_unlink(t, i);
		list_push(t, i);
		t->slots[i].e.last = now;
		return &t->slots[i].e;
	}
	if (t->free != NIL) {
		i = t->free;
		t->free = t->slots[i].hnext;
	} else if (t->used < t->cap)
		i = t->used++;
	else {
		i = t->oldest;
		hash_unlink(r, t, i);
		list_unlink(t, i);
	}
	b = bucket_of(r, t, a);
	t->slots[i].e.addr = *a;
	t->slots[i].e.count = 0;
	t->slots[i].e.first = t->slots[i].e.last = now;
	t->slots[i].e.observed = false;
	t->slots[i].hnext = t->buckets[b];
	t->buckets[b] = i;
	list_push(t, i);
	return &t->slots[i].e;
}

/* max: each table's size (0: REPORT_MAX). */
struct report *
report_create(size_t max, uint64_t seed)
{
	struct report *r;

	if (max == 0 || max > REPORT_MAX)
		max = REPORT_MAX;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->seed = seed;
	if (table_init(&r->blocked, max) == -1 ||
	    table_init(&r->suspects, max) == -1) {
		report_destroy(r);
		return NULL;
	}
	return r;
}

void
report_destroy(struct report *r)
{
	if (r == NULL)
		return;
	table_free(&r->blocked);
	table_free(&r->suspects);
	free(r);
}

/*
 * One decision about a connection attempt from src: a block is counted
 * in the blocked table; a fake-MX hit in the suspects'; a pass at the
 * real MX takes the sender out of the suspects, which a real MTA is not.
 */
void
report_note(struct report *r, enum mx_action action,
    const struct mx_addr *src, int64_t now)
{
	struct report_entry *e;
	uint32_t i;

	if (r == NULL)
		return;
	switch (action) {
	case MX_BLOCK:
		e = table_see(r, &r->blocked, src, now);
		e->count++;
		e->observed = false;
		break;
	case MX_WHITELIST:
	case MX_REFRESH:
		table_see(r, &r->suspects, src, now)->count++;
		break;
	case MX_PASS:
		if ((i = find(r, &r->suspects, src)) != NIL)
			table_remove(r, &r->suspects, i);
		break;
	case MX_IGNORE:
		break;
	}
}

/*
 * A real-MX attempt that observe mode let through and would have blocked:
 * counted among the blocked senders, marked as observed; it passed, so
 * the sender is no suspect (as for MX_PASS).
 */
void
report_note_observed(struct report *r, const struct mx_addr *src,
    int64_t now)
{
	struct report_entry *e;

	if (r == NULL)
		return;
	e = table_see(r, &r->blocked, src, now);
	e->count++;
	e->observed = true;
	report_note(r, MX_PASS, src, now);
}

/* The entries with at least min in count, newest first; how many. */
static size_t
table_walk(const struct table *t, uint64_t min, report_visit_cb *cb,
    void *arg)
{
	uint32_t i, steps;
	size_t n = 0;

	for (i = t->newest, steps = 0; i != NIL && steps < t->cap;
	    i = t->slots[i].next, steps++) {
		if (t->slots[i].e.count < min)
			continue;
		if (cb != NULL)
			cb(arg, &t->slots[i].e);
		n++;
	}
	return n;
}

size_t
report_blocked(const struct report *r, report_visit_cb *cb, void *arg)
{
	return r == NULL ? 0 : table_walk(&r->blocked, 0, cb, arg);
}

/* The senders with at least hits fake-MX hits and no pass since. */
size_t
report_suspects(const struct report *r, uint64_t hits, report_visit_cb *cb,
    void *arg)
{
	return r == NULL ? 0 : table_walk(&r->suspects, hits, cb, arg);
}

size_t
report_memory(const struct report *r)
{
	if (r == NULL)
		return 0;
	return sizeof(*r) + (size_t)(r->blocked.cap + r->suspects.cap) *
	    sizeof(struct slot) + ((size_t)r->blocked.mask +
	    r->suspects.mask + 2) * sizeof(uint32_t);
}
