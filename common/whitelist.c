/*
 * Whitelist: an entry pool, an open-addressing index with linear probing
 * and backward-shift deletion (no tombstones, so lookups never slow down
 * after churn), and an expiry-ordered list threaded through the pool.
 *
 * Entries are referred to by 32-bit pool index, not by pointer, so the pool
 * can grow with realloc.  The hash is keyed with a random seed: the keys
 * are source addresses that anyone can forge, and a fixed hash would let
 * them aim a flood at one probe chain.
 */
#include <sys/types.h>
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whitelist.h"

#define NIL		UINT32_MAX
#define MIN_POOL	64
/*
 * A table with a max-entries reserves room for that many entries at once,
 * up to this many: no rehashing while it fills, and no allocation that
 * could fail under a flood.  Pages that no entry uses yet are only
 * address space (malloc and calloc of this size map fresh zero pages).
 */
#define RESERVE_MAX	(1U << 20)
/* Huge pages are asked for in aligned spans of this size (x86's 2 MiB). */
#define HUGE_SPAN	((uintptr_t)2 << 20)

struct wl_entry {
	struct mx_addr	addr;
	int64_t		expires;
	uint32_t	prev;		/* expiry order; free list uses next */
	uint32_t	next;
	uint32_t	hash;
	uint32_t	value;		/* the caller's; fills the padding */
};

/*
 * 40 bytes, no padding left: bench/ and the README count on it.  A new
 * field costs every entry; show whitelist's "last use" is derived from
 * the expiry instead (control_exec.c).
 */
_Static_assert(sizeof(struct wl_entry) == 40 &&
    offsetof(struct wl_entry, value) + sizeof(uint32_t) == 40,
    "a whitelist entry is 40 bytes, its value in the last of them");

struct whitelist {
	struct wl_entry	*pool;
	uint32_t	*index;		/* pool position + 1; 0 is empty */
	size_t		 pool_size;
	size_t		 index_mask;
	size_t		 count;
	size_t		 max_entries;
	uint32_t	 free_head;	/* entries given back */
	uint32_t	 used;		/* pool[used..] never handed out */
	uint32_t	 oldest;	/* next to expire */
	uint32_t	 newest;
	uint64_t	 seed;
	wl_removed_cb	*removed;
	void		*removed_arg;
	wl_added_cb	*added;
	void		*added_arg;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	return x;
}

static uint32_t
hash_addr(const struct whitelist *wl, const struct mx_addr *addr)
{
	uint64_t hi, lo;

	memcpy(&hi, addr->a, 8);
	memcpy(&lo, addr->a + 8, 8);
	return (uint32_t)mix64(mix64(hi ^ wl->seed) ^ lo);
}

/* Index position holding the entry for addr, or the empty slot to use. */
static size_t
find_slot(const struct whitelist *wl, const struct mx_addr *addr,
    uint32_t hash)
{
	size_t slot = hash & wl->index_mask;
	uint32_t ref;

	while ((ref = wl->index[slot]) != 0) {
		const struct wl_entry *e = &wl->pool[ref - 1];

		if (e->hash == hash && addr_equal(&e->addr, addr))
			break;
		slot = (slot + 1) & wl->index_mask;
	}
	return slot;
}

static void
index_put(struct whitelist *wl, uint32_t pos)
{
	size_t slot = wl->pool[pos].hash & wl->index_mask;

	while (wl->index[slot] != 0)
		slot = (slot + 1) & wl->index_mask;
	wl->index[slot] = pos + 1;
}

/* Backward-shift deletion: pull later members of the cluster forward. */
static void
index_delete(struct whitelist *wl, size_t hole)
{
	size_t slot = hole, home;
	uint32_t ref;

	wl->index[hole] = 0;
	for (;;) {
		slot = (slot + 1) & wl->index_mask;
		if ((ref = wl->index[slot]) == 0)
			return;
		home = wl->pool[ref - 1].hash & wl->index_mask;
		/* Leave it if its home lies cyclically in (hole, slot]. */
		if (((slot - home) & wl->index_mask) <
		    ((slot - hole) & wl->index_mask))
			continue;
		wl->index[hole] = ref;
		wl->index[slot] = 0;
		hole = slot;
	}
}

static void
list_unlink(struct whitelist *wl, uint32_t pos)
{
	struct wl_entry *e = &wl->pool[pos];

	if (e->prev != NIL)
		wl->pool[e->prev].next = e->next;
	else
		wl->oldest = e->next;
	if (e->next != NIL)
		wl->pool[e->next].prev = e->prev;
	else
		wl->newest = e->prev;
}

/*
 * Link an entry in expiry order, searching from the newest end: with one
 * whitelist-time for all entries, the search stops at once.
 */
static void
list_link_sorted(struct whitelist *wl, uint32_t pos)
{
	struct wl_entry *e = &wl->pool[pos];
	uint32_t after = wl->newest;

	while (after != NIL && wl->pool[after].expires > e->expires)
		after = wl->pool[after].prev;
	e->prev = after;
	if (after == NIL) {
		e->next = wl->oldest;
		wl->oldest = pos;
	} else {
		e->next = wl->pool[after].next;
		wl->pool[after].next = pos;
	}
	if (e->next != NIL)
		wl->pool[e->next].prev = pos;
	else
		wl->newest = pos;
}

/*
 * The index and the pool of a large table are read at random, and with
 * small pages nearly every lookup in them also misses the TLB: replaying
 * a million packets from 100,000 senders went 15% faster with huge pages.
 * Where the system wants to be asked (Linux's transparent huge pages in
 * "madvise" mode), ask for the whole aligned spans inside the block.  Only
 * a hint: untouched spans stay unbacked, and a refusal changes nothing.
 */
static void
advise_huge(void *block, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = ((uintptr_t)block + HUGE_SPAN - 1) & ~(HUGE_SPAN - 1);
	uintptr_t end = ((uintptr_t)block + len) & ~(HUGE_SPAN - 1);

	if (start < end)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)block;
	(void)len;
#endif
}

static int
rebuild_index(struct whitelist *wl, size_t index_size)
{
	uint32_t *index, pos;

	index = calloc(index_size, sizeof(*index));
	if (index == NULL)
		return -1;
	advise_huge(index, index_size * sizeof(*index));
	free(wl->index);
	wl->index = index;
	wl->index_mask = index_size - 1;
	for (pos = wl->oldest; pos != NIL; pos = wl->pool[pos].next)
		index_put(wl, pos);
	return 0;
}

/*
 * Make the pool hold size entries (at least double); keep the index at
 * most half full.  New entries are not touched here: they are handed out
 * in order from `used'.
 */
static int
grow(struct whitelist *wl, size_t size)
{
	struct wl_entry *pool;
	size_t slots;

	if (size < wl->pool_size * 2)
		size = wl->pool_size * 2;
	if (size > NIL - 1)
		return -1;
	pool = reallocarray(wl->pool, size, sizeof(*pool));
	if (pool == NULL)
		return -1;
	advise_huge(pool, size * sizeof(*pool));
	wl->pool = pool;
	wl->pool_size = size;
	for (slots = wl->index_mask + 1; slots < size * 2; slots *= 2)
		;
	if (slots > wl->index_mask + 1)
		return rebuild_index(wl, slots);
	return 0;
}

struct whitelist *
wl_create(size_t max_entries, uint64_t seed, wl_removed_cb *removed,
    void *arg)
{
	struct whitelist *wl;

	if ((wl = calloc(1, sizeof(*wl))) == NULL)
		return NULL;
	wl->max_entries = max_entries;
	wl->seed = seed;
	wl->removed = removed;
	wl->removed_arg = arg;
	wl->free_head = wl->oldest = wl->newest = NIL;
	if (grow(wl, max_entries == 0 ? MIN_POOL :
	    max_entries < RESERVE_MAX ? max_entries : RESERVE_MAX) == -1) {
		wl_destroy(wl);
		return NULL;
	}
	return wl;
}

/* Told of every entry that enters the table (not of renewals). */
void
wl_set_added_cb(struct whitelist *wl, wl_added_cb *added, void *arg)
{
	wl->added = added;
	wl->added_arg = arg;
}

void
wl_destroy(struct whitelist *wl)
{
	if (wl == NULL)
		return;
	free(wl->pool);
	free(wl->index);
	free(wl);
}

static void
remove_at(struct whitelist *wl, size_t slot, enum wl_removal why)
{
	uint32_t pos = wl->index[slot] - 1;
	struct wl_entry *e = &wl->pool[pos];
	struct mx_addr addr = e->addr;
	int64_t expires = e->expires;

	index_delete(wl, slot);
	list_unlink(wl, pos);
	e->next = wl->free_head;
	wl->free_head = pos;
	wl->count--;
	/* Called last: the callback may look at or change the table. */
	if (wl->removed != NULL)
		wl->removed(wl->removed_arg, &addr, expires, why);
}

static void
remove_entry(struct whitelist *wl, uint32_t pos, enum wl_removal why)
{
	struct wl_entry *e = &wl->pool[pos];

	remove_at(wl, find_slot(wl, &e->addr, e->hash), why);
}

/* Renew an entry: a new expiry never shortens its life. */
static void
extend(struct whitelist *wl, uint32_t pos, int64_t expires)
{
	struct wl_entry *e = &wl->pool[pos];

	if (expires > e->expires) {
		list_unlink(wl, pos);
		e->expires = expires;
		list_link_sorted(wl, pos);
	}
}

/* The pool position of addr's entry if it is live at now, else NIL. */
static uint32_t
live_entry(const struct whitelist *wl, const struct mx_addr *addr,
    int64_t now)
{
	size_t slot = find_slot(wl, addr, hash_addr(wl, addr));
	uint32_t ref = wl->index[slot];

	return ref != 0 && wl->pool[ref - 1].expires > now ? ref - 1 : NIL;
}

enum wl_insert_result
wl_insert(struct whitelist *wl, const struct mx_addr *addr, int64_t expires)
{
	return wl_insert_value(wl, addr, expires, 0);
}

/* Insert, or renew and set the value of an existing entry. */
enum wl_insert_result
wl_insert_value(struct whitelist *wl, const struct mx_addr *addr,
    int64_t expires, uint32_t value)
{
	uint32_t hash = hash_addr(wl, addr), pos;
	size_t slot = find_slot(wl, addr, hash);
	struct wl_entry *e;

	if (wl->index[slot] != 0) {
		pos = wl->index[slot] - 1;
		wl->pool[pos].value = value;
		extend(wl, pos, expires);
		return WL_REFRESHED;
	}
	if (wl->max_entries > 0 && wl->count >= wl->max_entries) {
		remove_entry(wl, wl->oldest, WL_EVICTED);
		slot = find_slot(wl, addr, hash);
	}
	if (wl->free_head == NIL && wl->used == wl->pool_size) {
		if (grow(wl, 0) == -1)
			return WL_NOMEM;
		slot = find_slot(wl, addr, hash);
	}
	if (wl->free_head != NIL) {
		pos = wl->free_head;
		wl->free_head = wl->pool[pos].next;
	} else
		pos = wl->used++;
	e = &wl->pool[pos];
	e->addr = *addr;
	e->expires = expires;
	e->hash = hash;
	e->value = value;
	wl->index[slot] = pos + 1;
	list_link_sorted(wl, pos);
	wl->count++;
	if (wl->added != NULL)
		wl->added(wl->added_arg, addr, expires);
	return WL_ADDED;
}

/*
 * Warm the cache for the lookups of keys[0..n) that are about to follow:
 * first every key's index slot, then the entries those slots name.  A
 * lookup in a large table is two dependent cache misses (slot, entry);
 * issued for a whole batch at once, the misses overlap instead of coming
 * one after another.  (Prefetching a renewal's list neighbours as well
 * was measured: no gain, the entries have not arrived by then.)  Changes
 * nothing; a wrong guess costs only time.
 */
void
wl_prefetch(const struct whitelist *wl, const struct mx_addr *keys, size_t n)
{
	uint32_t slot[WL_PREFETCH_BATCH], ref;
	size_t i, done, chunk;

	for (done = 0; done < n; done += chunk) {
		chunk = n - done < WL_PREFETCH_BATCH ? n - done :
		    WL_PREFETCH_BATCH;
		for (i = 0; i < chunk; i++) {
			slot[i] = (uint32_t)(hash_addr(wl, &keys[done + i]) &
			    wl->index_mask);
			__builtin_prefetch(&wl->index[slot[i]]);
		}
		for (i = 0; i < chunk; i++) {
			if ((ref = wl->index[slot[i]]) == 0)
				continue;
			/* An entry may straddle two cache lines. */
			__builtin_prefetch(&wl->pool[ref - 1]);
			__builtin_prefetch(&wl->pool[ref - 1].value);
		}
	}
}
/* Like wl_contains(), and hands out the entry's value. */
bool
wl_get(const struct whitelist *wl, const struct mx_addr *addr, int64_t now,
    uint32_t *value)
{
	uint32_t pos = live_entry(wl, addr, now);

	if (pos == NIL)
		return false;
	*value = wl->pool[pos].value;
	return true;
}

/* Like wl_get(), and hands out the entry's expiry too. */
bool
wl_lookup(const struct whitelist *wl, const struct mx_addr *addr,
    int64_t now, int64_t *expires, uint32_t *value)
{
	uint32_t pos = live_entry(wl, addr, now);

	if (pos == NIL)
		return false;
	*expires = wl->pool[pos].expires;
	*value = wl->pool[pos].value;
	return true;
}

/* True while the entry exists and has not expired, even if not yet purged. */
bool
wl_contains(const struct whitelist *wl, const struct mx_addr *addr,
    int64_t now)
{
	return live_entry(wl, addr, now) != NIL;
}

/*
 * If addr holds a live entry at now, extend it to expires (never shorten
 * it) and say so: lookup and renewal in one probe, for a real-MX pass.
 */
bool
wl_renew(struct whitelist *wl, const struct mx_addr *addr, int64_t now,
    int64_t expires)
{
	uint32_t pos = live_entry(wl, addr, now);

	if (pos == NIL)
		return false;
	extend(wl, pos, expires);
	return true;
}

bool
wl_remove(struct whitelist *wl, const struct mx_addr *addr)
{
	size_t slot = find_slot(wl, addr, hash_addr(wl, addr));

	if (wl->index[slot] == 0)
		return false;
	remove_at(wl, slot, WL_DROPPED);
	return true;
}

/* Remove every entry whose expiry is at or before now. */
size_t
wl_expire(struct whitelist *wl, int64_t now)
{
	size_t n = 0;

	while (wl->oldest != NIL && wl->pool[wl->oldest].expires <= now) {
		remove_entry(wl, wl->oldest, WL_EXPIRED);
		n++;
	}
	return n;
}

int64_t
wl_next_expiry(const struct whitelist *wl)
{
	return wl->oldest == NIL ? WL_NEVER : wl->pool[wl->oldest].expires;
}

/*
 * Cut every expiry beyond limit down to it (whitelist-time was lowered).
 * The order of the list is kept, so this needs no re-sorting.
 */
void
wl_clamp_expiry(struct whitelist *wl, int64_t limit)
{
	uint32_t pos;

	for (pos = wl->newest; pos != NIL && wl->pool[pos].expires > limit;
	    pos = wl->pool[pos].prev)
		wl->pool[pos].expires = limit;
}

/* Change the size limit; a lower one evicts at once. */
void
wl_set_max(struct whitelist *wl, size_t max_entries)
{
	wl->max_entries = max_entries;
	while (max_entries > 0 && wl->count > max_entries)
		remove_entry(wl, wl->oldest, WL_EVICTED);
}

size_t
wl_count(const struct whitelist *wl)
{
	return wl->count;
}

/* Bytes held by the table, for the statistics and the benchmarks. */
size_t
wl_memory(const struct whitelist *wl)
{
	return sizeof(*wl) + wl->pool_size * sizeof(*wl->pool) +
	    (wl->index_mask + 1) * sizeof(*wl->index);
}

/* Visit every entry, oldest first. */
void
wl_foreach(const struct whitelist *wl, wl_visit_cb *visit, void *arg)
{
	uint32_t pos;

	for (pos = wl->oldest; pos != NIL; pos = wl->pool[pos].next)
		visit(arg, &wl->pool[pos].addr, wl->pool[pos].expires);
}

/* Visit every entry, oldest first, with its value. */
void
wl_foreach_value(const struct whitelist *wl, wl_visit_value_cb *visit,
    void *arg)
{
	uint32_t pos;

	for (pos = wl->oldest; pos != NIL; pos = wl->pool[pos].next)
		visit(arg, &wl->pool[pos].addr, wl->pool[pos].expires,
		    wl->pool[pos].value);
}
