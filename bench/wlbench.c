/*
 * wlbench: the whitelist (common/whitelist.c, as the daemon links it)
 * against a reference measured in the same run, for bench/whitelist.sh.
 *
 *   wlbench [-n entries] [-l lookups]
 *
 * Both tables get the same keys, half IPv4 (stored IPv4-mapped, as the
 * core stores them) and half IPv6, interleaved: n (default 1000000)
 * insertions into an empty table, then l (default 4000000) lookups of
 * present keys and l of absent ones, each in a scattered order, so that
 * nearly every lookup misses the processor's caches as it would with
 * senders arriving from all over.  Prints one line per table: insertions,
 * hits and misses per second, and bytes per entry.
 *
 * The reference is the least a whitelist can be and still be fast: an
 * open-addressing set of bare 16-byte keys, linear probing, a keyed hash,
 * doubled when half full (the load the whitelist's own index keeps).  No
 * expiry, no values, no deletion.  A lookup is one hash and, nearly
 * always, one cache line; nothing that keeps an entry's expiry and
 * expiry order can have fewer memory accesses.  A sorted array with
 * bsearch() would be smaller (16 bytes per entry) but each lookup takes
 * some twenty dependent cache misses at a million entries and each
 * insertion moves half the array: no table that changes on every fake-MX
 * hit can use one, so it would be a reference for memory only.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "whitelist.h"

#define EXPIRES		3600
#define NOW		1

/* The reference: an open-addressing set of 16-byte keys; :: is empty. */
struct refset {
	struct mx_addr	*slots;
	size_t		 mask;
	size_t		 count;
	uint64_t	 seed;
};

static const struct mx_addr empty_key;

static uint64_t
splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t
ref_hash(const struct refset *s, const struct mx_addr *k)
{
	uint64_t hi, lo, h;

	memcpy(&hi, k->a, 8);
	memcpy(&lo, k->a + 8, 8);
	h = (hi ^ s->seed) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ (h >> 32) ^ lo) * 0xc2b2ae3d27d4eb4fULL;
	return (size_t)(h ^ (h >> 29));
}

static void
ref_init(struct refset *s, size_t size, uint64_t seed)
{
	if ((s->slots = calloc(size, sizeof(*s->slots))) == NULL)
		err(1, NULL);
	s->mask = size - 1;
	s->count = 0;
	s->seed = seed;
}

static void ref_insert(struct refset *, const struct mx_addr *);

static void
ref_grow(struct refset *s)
{
	struct refset next;
	size_t i;

	ref_init(&next, (s->mask + 1) * 2, s->seed);
	for (i = 0; i <= s->mask; i++)
		if (memcmp(&s->slots[i], &empty_key, sizeof(empty_key)) != 0)
			ref_insert(&next, &s->slots[i]);
	free(s->slots);
	*s = next;
}

static void
ref_insert(struct refset *s, const struct mx_addr *k)
{
	size_t i;

	if ((s->count + 1) * 2 > s->mask + 1)
		ref_grow(s);
	for (i = ref_hash(s, k) & s->mask;
	    memcmp(&s->slots[i], &empty_key, sizeof(empty_key)) != 0;
	    i = (i + 1) & s->mask)
		if (memcmp(&s->slots[i], k, sizeof(*k)) == 0)
			return;
	s->slots[i] = *k;
	s->count++;
}

static int
ref_contains(const struct refset *s, const struct mx_addr *k)
{
	size_t i;

	for (i = ref_hash(s, k) & s->mask;
	    memcmp(&s->slots[i], &empty_key, sizeof(empty_key)) != 0;
	    i = (i + 1) & s->mask)
		if (memcmp(&s->slots[i], k, sizeof(*k)) == 0)
			return 1;
	return 0;
}

static size_t
ref_memory(const struct refset *s)
{
	return sizeof(*s) + (s->mask + 1) * sizeof(*s->slots);
}

/* A bijection of 32-bit values: distinct indexes give distinct keys. */
static uint32_t
scramble32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/*
 * Key i of a set: even i IPv4 (a scattered 32-bit address), odd i IPv6
 * (2001:db8::/32 with i and random bits).  Absent keys come from other
 * halves of both spaces, so they can never equal a present one.
 */
static void
make_key(struct mx_addr *k, uint32_t i, int absent, uint64_t *rng)
{
	uint8_t v4[4], v6[16];
	uint32_t x;
	uint64_t r;

	if (i % 2 == 0) {
		x = scramble32((i / 2) | (absent ? 0x80000000U : 0));
		memcpy(v4, &x, 4);
		addr_from_v4(k, v4);
		return;
	}
	r = splitmix(rng);
	v6[0] = 0x20;
	v6[1] = 0x01;
	v6[2] = 0x0d;
	v6[3] = 0xb8;
	v6[4] = absent ? 1 : 0;
	memcpy(v6 + 5, &r, 7);
	v6[12] = (uint8_t)(i >> 24);
	v6[13] = (uint8_t)(i >> 16);
	v6[14] = (uint8_t)(i >> 8);
	v6[15] = (uint8_t)i;
	addr_from_v6(k, v6);
}

/* Fisher-Yates. */
static void
shuffle(struct mx_addr *keys, size_t n, uint64_t *rng)
{
	struct mx_addr t;
	size_t i, j;

	for (i = n - 1; i > 0; i--) {
		j = (size_t)(splitmix(rng) % (i + 1));
		t = keys[i];
		keys[i] = keys[j];
		keys[j] = t;
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct result {
	double	inserts;	/* per second */
	double	hits;
	double	misses;
	double	bytes;		/* per entry */
};

/*
 * Lookups of l keys from k[0..n) as the daemon makes them: in batches of
 * a received burst's size, after wl_prefetch() on the batch.  Returns the
 * number found.
 */
static size_t
batched_lookups(const struct whitelist *wl, const struct mx_addr *k,
    size_t n, size_t l)
{
	size_t i, j, b, found = 0;

	for (i = 0; i < l; i += b) {
		j = i % n;
		b = WL_PREFETCH_BATCH;
		if (b > n - j)
			b = n - j;
		if (b > l - i)
			b = l - i;
		wl_prefetch(wl, &k[j], b);
		for (size_t x = 0; x < b; x++)
			found += wl_contains(wl, &k[j + x], NOW);
	}
	return found;
}

static void
bench_whitelist(const struct mx_addr *keys, size_t n,
    const struct mx_addr *hits, const struct mx_addr *misses, size_t l,
    struct result *res, struct result *batched)
{
	struct whitelist *wl;
	size_t i, found = 0;
	double t;

	if ((wl = wl_create(0, 0x5eed, NULL, NULL)) == NULL)
		err(1, "wl_create");
	t = now();
	for (i = 0; i < n; i++)
		if (wl_insert(wl, &keys[i], EXPIRES) != WL_ADDED)
			errx(1, "whitelist: insertion %zu failed", i);
	res->inserts = (double)n / (now() - t);
	if (wl_count(wl) != n)
		errx(1, "whitelist: %zu entries, not %zu", wl_count(wl), n);
	res->bytes = (double)wl_memory(wl) / (double)n;

	t = now();
	for (i = 0; i < l; i++)
		found += wl_contains(wl, &hits[i % n], NOW);
	res->hits = (double)l / (now() - t);
	if (found != l)
		errx(1, "whitelist: %zu of %zu present keys found", found, l);

	found = 0;
	t = now();
	for (i = 0; i < l; i++)
		found += wl_contains(wl, &misses[i % n], NOW);
	res->misses = (double)l / (now() - t);
	if (found != 0)
		errx(1, "whitelist: %zu absent keys found", found);

	*batched = *res;
	t = now();
	found = batched_lookups(wl, hits, n, l);
	batched->hits = (double)l / (now() - t);
	if (found != l)
		errx(1, "whitelist, batched: %zu of %zu present keys found",
		    found, l);
	t = now();
	found = batched_lookups(wl, misses, n, l);
	batched->misses = (double)l / (now() - t);
	if (found != 0)
		errx(1, "whitelist, batched: %zu absent keys found", found);
	wl_destroy(wl);
}

static void
bench_reference(const struct mx_addr *keys, size_t n,
    const struct mx_addr *hits, const struct mx_addr *misses, size_t l,
    struct result *res)
{
	struct refset s;
	size_t i, found = 0;
	double t;

	/* The whitelist starts with 64 entries and a 128-slot index. */
	ref_init(&s, 128, 0x5eed);
	t = now();
	for (i = 0; i < n; i++)
		ref_insert(&s, &keys[i]);
	res->inserts = (double)n / (now() - t);
	if (s.count != n)
		errx(1, "reference: %zu entries, not %zu", s.count, n);
	res->bytes = (double)ref_memory(&s) / (double)n;

	t = now();
	for (i = 0; i < l; i++)
		found += (size_t)ref_contains(&s, &hits[i % n]);
	res->hits = (double)l / (now() - t);
	if (found != l)
		errx(1, "reference: %zu of %zu present keys found", found, l);

	found = 0;
	t = now();
	for (i = 0; i < l; i++)
		found += (size_t)ref_contains(&s, &misses[i % n]);
	res->misses = (double)l / (now() - t);
	if (found != 0)
		errx(1, "reference: %zu absent keys found", found);
	free(s.slots);
}

static void
print_result(const char *name, const struct result *r)
{
	printf("%s inserts/s %.0f hits/s %.0f misses/s %.0f bytes/entry %.1f\n",
	    name, r->inserts, r->hits, r->misses, r->bytes);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: wlbench [-n entries] [-l lookups]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct mx_addr *keys, *hits, *misses;
	struct result wl, wlb, ref;
	unsigned long n = 1000000, l = 4000000, i;
	uint64_t rng = 7;
	int ch;

	while ((ch = getopt(argc, argv, "l:n:")) != -1) {
		switch (ch) {
		case 'l':
			l = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (n < 2 || n > 0x7fffffffUL || l == 0)
		usage();
	keys = calloc(n, sizeof(*keys));
	hits = calloc(n, sizeof(*hits));
	misses = calloc(n, sizeof(*misses));
	if (keys == NULL || hits == NULL || misses == NULL)
		err(1, NULL);
	for (i = 0; i < n; i++) {
		make_key(&keys[i], (uint32_t)i, 0, &rng);
		make_key(&misses[i], (uint32_t)i, 1, &rng);
	}
	memcpy(hits, keys, n * sizeof(*keys));
	shuffle(hits, n, &rng);
	shuffle(misses, n, &rng);

	/* The reference first, then the whitelist, on the same keys. */
	bench_reference(keys, n, hits, misses, l, &ref);
	bench_whitelist(keys, n, hits, misses, l, &wl, &wlb);
	printf("# %lu entries (half IPv4, half IPv6), %lu lookups each\n", n,
	    l);
	print_result("reference", &ref);
	print_result("whitelist", &wl);
	print_result("batched", &wlb);
	free(keys);
	free(hits);
	free(misses);
	return 0;
}
