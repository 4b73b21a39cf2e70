/*
 * Fuzz target: state_parse(), the state-file reader.
 *
 * The input is a state file's contents, read twice: into an unbounded
 * whitelist, and into one of four entries.  Whatever it holds: the result
 * is 0 or -1, an error comes with a message, a file that loads starts with
 * the magic line; the whitelist holds exactly the *loaded entries it was
 * told of, every one unexpired and at most a year away; the small one
 * holds at most four and made room for the rest by eviction.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "state.h"
#include "whitelist.h"
#include "fuzz.h"

#define REAL_NOW	1700000000LL
#define MONO_NOW	5000LL
#define YEAR		(366LL * 24 * 3600)
#define SMALL		4

struct removals {
	size_t	evicted;
	size_t	other;
};

static void
removed(void *arg, const struct mx_addr *addr, int64_t expires,
    enum wl_removal why)
{
	struct removals *r = arg;

	(void)addr;
	(void)expires;
	if (why == WL_EVICTED)
		r->evicted++;
	else
		r->other++;
}

static void
check_entry(void *arg, const struct mx_addr *addr, int64_t expires)
{
	size_t *seen = arg;

	(void)addr;
	REQUIRE(expires > MONO_NOW && expires <= MONO_NOW + YEAR);
	(*seen)++;
}

static int
load(const char *buf, size_t len, size_t max, size_t *loaded,
    struct removals *r)
{
	struct whitelist *wl;
	char err[256];
	size_t seen = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((wl = wl_create(max, 1, removed, r)) == NULL)
		abort();
	err[0] = '\0';
	*loaded = (size_t)-1;
	rc = state_parse(buf, len, wl, REAL_NOW, MONO_NOW, loaded, err,
	    sizeof(err));
	REQUIRE(rc == 0 || rc == -1);
	REQUIRE((rc == -1) == (err[0] != '\0'));
	REQUIRE(*loaded != (size_t)-1);
	REQUIRE(rc == -1 || (len > strlen(STATE_MAGIC) &&
	    memcmp(buf, STATE_MAGIC "\n", strlen(STATE_MAGIC) + 1) == 0));
	wl_foreach(wl, check_entry, &seen);
	REQUIRE(seen == wl_count(wl));
	REQUIRE(r->other == 0);
	if (max == 0)
		REQUIRE(wl_count(wl) == *loaded);
	else
		REQUIRE(wl_count(wl) <= max &&
		    wl_count(wl) + r->evicted == *loaded);
	wl_destroy(wl);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct removals r;
	char *buf;
	size_t loaded, loaded_small;
	int rc, rc_small;

	/* A heap copy of exactly the input, so that over-reads show. */
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	rc = load(buf, size, 0, &loaded, &r);
	rc_small = load(buf, size, SMALL, &loaded_small, &r);
	/* A key seen again after its eviction is loaded again. */
	REQUIRE(rc == rc_small && loaded_small >= loaded);
	free(buf);
	return 0;
}
