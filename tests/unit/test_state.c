/*
 * The state file: format, atomic save, load on another clock, and every
 * way a damaged file is reported without losing what is readable.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "t.h"

#define REAL	1700000000LL	/* wall clock "now" */
#define MONO	5000LL		/* the daemon's clock "now" */

static struct whitelist *
fresh(void)
{
	return wl_create(0, 7, NULL, NULL);
}

static bool
has(struct whitelist *wl, const char *text, int64_t at)
{
	struct mx_addr a;

	addr_parse(text, &a);
	return wl_contains(wl, &a, at);
}

static int
parse(struct whitelist *wl, const char *text, size_t *n, char *err)
{
	return state_parse(text, strlen(text), wl, REAL, MONO, n, err, 256);
}

static void
test_parse(void)
{
	struct whitelist *wl = fresh();
	char err[256] = "";
	size_t n;
	int rc;

	rc = parse(wl, STATE_MAGIC "\n198.51.100.10 1700000100\n"
	    "2001:db8:1:: 1700003600\n192.0.2.1 1699999999\n", &n, err);
	CHECK(rc == 0 && n == 2, "a good file loads its live entries (%zu, %s)",
	    n, err);
	CHECK(has(wl, "198.51.100.10", MONO + 99) &&
	    !has(wl, "198.51.100.10", MONO + 100),
	    "expiry moves to the daemon's clock: 100 s left stay 100 s");
	CHECK(has(wl, "2001:db8:1::", MONO + 3599), "IPv6 keys load");
	CHECK(!has(wl, "192.0.2.1", MONO), "expired entries are skipped");
	wl_destroy(wl);

	wl = fresh();
	rc = parse(wl, STATE_MAGIC "\n198.51.100.1 1700000100\ngarbage\n"
	    "198.51.100.2 1700000100\n", &n, err);
	CHECK(rc == -1 && strcmp(err, "line 3: malformed entry") == 0,
	    "a malformed line is reported with its number (%s)", err);
	CHECK(n == 1 && has(wl, "198.51.100.1", MONO),
	    "entries before the damage are kept");
	wl_destroy(wl);

	wl = fresh();
	rc = parse(wl, STATE_MAGIC "\n198.51.100.1 1700000100\n198.51.100.2 17",
	    &n, err);
	CHECK(rc == -1 && strstr(err, "truncated") != NULL && n == 1,
	    "a truncated file is reported, its whole lines kept (%s)", err);
	wl_destroy(wl);

	wl = fresh();
	CHECK(parse(wl, "some other file\n", &n, err) == -1 &&
	    strcmp(err, "line 1: not an mxallowd state file") == 0,
	    "a file without the header is refused");
	CHECK(parse(wl, "", &n, err) == -1 && strcmp(err, "empty") == 0,
	    "an empty file is reported");
	{
		static const char nul[] = STATE_MAGIC "\n1.2.3.4\0 5\n";

		CHECK(state_parse(nul, sizeof(nul) - 1, wl, REAL, MONO, &n,
		    err, sizeof(err)) == -1 && strstr(err, "NUL") != NULL,
		    "a NUL byte is reported (%s)", err);
	}
	CHECK(parse(wl, STATE_MAGIC "\n198.51.100.1 -5\n", &n, err) == -1 &&
	    parse(wl, STATE_MAGIC "\n198.51.100.1 99999999999999999999\n", &n,
	    err) == -1 && parse(wl, STATE_MAGIC "\n999.1.1.1 1700000100\n",
	    &n, err) == -1, "bad numbers and addresses are refused");
	CHECK(parse(wl, STATE_MAGIC "\n198.51.100.9 9000000000\n", &n, err) ==
	    0 && !has(wl, "198.51.100.9", MONO + 367LL * 86400),
	    "an expiry beyond a year is cut to a year");
	wl_destroy(wl);
}

struct order {
	int64_t	last;
	bool	sorted;
};

static void
check_order(void *arg, const struct mx_addr *a, int64_t expires)
{
	struct order *o = arg;

	(void)a;
	if (expires < o->last)
		o->sorted = false;
	o->last = expires;
}

static void
test_roundtrip(void)
{
	struct whitelist *wl = fresh(), *back = fresh();
	char dir[] = "/tmp/test_state.XXXXXX", path[256], err[256] = "";
	struct order o = { 0, true };
	struct mx_addr a;
	size_t n = 0;
	int i;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/state", dir);
	CHECK(state_load(path, back, REAL, MONO, &n, err, sizeof(err)) == 1,
	    "a missing file is no error");
	/* 20000 entries inserted in shuffled expiry order. */
	for (i = 0; i < 20000; i++) {
		a.a[0] = 0x20;
		a.a[1] = 0x01;
		memset(a.a + 2, 0, 14);
		a.a[14] = (uint8_t)(i >> 8);
		a.a[15] = (uint8_t)i;
		wl_insert(wl, &a, MONO + 10 + (i * 7919) % 20000);
	}
	CHECK(state_save(path, wl, REAL, MONO, err, sizeof(err)) == 0,
	    "20000 entries saved (%s)", err);
	CHECK(access(path, F_OK) == 0, "the file is in place");
	CHECK(state_load(path, back, REAL + 5, MONO + 1000, &n, err,
	    sizeof(err)) == 0 && n == 20000, "and loads back on another "
	    "clock (%zu)", n);
	wl_foreach(back, check_order, &o);
	CHECK(o.sorted, "loaded entries are in expiry order");
	a.a[14] = 0;
	a.a[15] = 5;
	/* Saved with 10 + (5 * 7919) % 20000 = 19605 s left, 5 s later. */
	CHECK(wl_contains(back, &a, MONO + 1000 + 19599) &&
	    !wl_contains(back, &a, MONO + 1000 + 19600),
	    "each entry keeps its remaining time");
	CHECK(state_save("/nonexistent-dir/state", wl, REAL, MONO, err,
	    sizeof(err)) == -1 && strstr(err, "nonexistent") != NULL,
	    "a save that cannot be made says where (%s)", err);
	unlink(path);
	rmdir(dir);
	wl_destroy(wl);
	wl_destroy(back);
}

int
main(void)
{
	test_parse();
	test_roundtrip();
	return T_DONE();
}
