/*
 * Unit tests for report.c: the blocked and suspect senders' tables, with
 * the clock injected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "t.h"

static struct mx_addr
A(const char *text)
{
	struct mx_addr a;

	if (!addr_parse(text, &a))
		abort();
	return a;
}

static struct mx_addr
V4(unsigned n)
{
	char text[32];

	snprintf(text, sizeof(text), "10.%u.%u.%u", (n >> 16) & 255,
	    (n >> 8) & 255, n & 255);
	return A(text);
}

#define SEEN_MAX	(REPORT_MAX + 8)

struct seen {
	struct report_entry	e[SEEN_MAX];
	size_t			n;
};

static void
collect(void *arg, const struct report_entry *e)
{
	struct seen *s = arg;

	if (s->n < SEEN_MAX)
		s->e[s->n++] = *e;
}

static const struct report_entry *
entry_of(const struct seen *s, const char *text)
{
	struct mx_addr a = A(text);
	size_t i;

	for (i = 0; i < s->n; i++)
		if (addr_equal(&s->e[i].addr, &a))
			return &s->e[i];
	return NULL;
}

static void
test_blocked(void)
{
	struct report *r = report_create(0, 7);
	struct mx_addr a = A("192.0.2.1"), b = A("2001:db8::1");
	struct seen s;
	const struct report_entry *e;

	CHECK(r != NULL, "report_create");
	CHECK(report_blocked(r, NULL, NULL) == 0, "empty at first");
	report_note(r, MX_BLOCK, &a, 100);
	report_note(r, MX_BLOCK, &b, 110);
	report_note(r, MX_BLOCK, &a, 120);
	report_note(r, MX_BLOCK, &a, 130);
	report_note(r, MX_PASS, &a, 140);	/* not the blocked table's */
	report_note(r, MX_IGNORE, &b, 140);
	memset(&s, 0, sizeof(s));
	CHECK(report_blocked(r, collect, &s) == 2 && s.n == 2,
	    "two distinct senders");
	CHECK(addr_equal(&s.e[0].addr, &a) && addr_equal(&s.e[1].addr, &b),
	    "most recently blocked first");
	e = entry_of(&s, "192.0.2.1");
	CHECK(e != NULL && e->count == 3 && e->first == 100 && e->last == 130,
	    "count 3, first 100, last 130");
	e = entry_of(&s, "2001:db8::1");
	CHECK(e != NULL && e->count == 1 && e->first == 110 && e->last == 110,
	    "IPv6: count 1, first = last = 110");
	CHECK(report_suspects(r, 1, NULL, NULL) == 0,
	    "blocks make no suspects");
	report_destroy(r);
	report_destroy(NULL);
	report_note(NULL, MX_BLOCK, &a, 1);
	CHECK(report_blocked(NULL, NULL, NULL) == 0, "NULL report: nothing");
}

/* Observe mode's would-blocks: blocked senders, marked as observed. */
static void
test_observed(void)
{
	struct report *r = report_create(0, 11);
	struct mx_addr a = A("192.0.2.5"), b = A("192.0.2.6");
	struct mx_addr bot = A("203.0.113.9");
	struct seen s;
	const struct report_entry *e;

	report_note(r, MX_BLOCK, &b, 5);
	report_note_observed(r, &a, 10);
	report_note_observed(r, &a, 20);
	memset(&s, 0, sizeof(s));
	CHECK(report_blocked(r, collect, &s) == 2, "observed: in the blocked "
	    "list, beside a real block");
	e = entry_of(&s, "192.0.2.5");
	CHECK(e != NULL && e->observed && e->count == 2 && e->first == 10 &&
	    e->last == 20, "observed: marked, count 2, first 10, last 20");
	e = entry_of(&s, "192.0.2.6");
	CHECK(e != NULL && !e->observed, "a real block is not marked");
	/* Enforced after a reload: the mark goes with the next real block. */
	report_note(r, MX_BLOCK, &a, 30);
	memset(&s, 0, sizeof(s));
	(void)report_blocked(r, collect, &s);
	e = entry_of(&s, "192.0.2.5");
	CHECK(e != NULL && !e->observed && e->count == 3,
	    "blocked for real later: no longer marked, count 3");
	/* It passed the real MX: no suspect. */
	report_note(r, MX_WHITELIST, &bot, 40);
	report_note_observed(r, &bot, 41);
	CHECK(report_suspects(r, 1, NULL, NULL) == 0,
	    "an observed pass takes the sender out of the suspects");
	report_destroy(r);
	report_note_observed(NULL, &a, 1);
}

/* A flood of forged senders: bounded, the oldest go, the rest stay right. */
static void
test_bounds(void)
{
	struct report *r = report_create(0, 99);
	struct mx_addr a;
	struct seen *s = calloc(1, sizeof(*s));
	size_t mem;
	unsigned i;
	int ok;

	if (r == NULL || s == NULL)
		abort();
	mem = report_memory(r);
	for (i = 0; i < 100000; i++) {
		a = V4(i);
		report_note(r, MX_BLOCK, &a, (int64_t)i);
		report_note(r, MX_WHITELIST, &a, (int64_t)i);
	}
	CHECK(report_memory(r) == mem, "memory unchanged by 100000 senders "
	    "(%zu bytes)", mem);
	CHECK(report_blocked(r, collect, s) == REPORT_MAX,
	    "blocked: %d entries, no more", REPORT_MAX);
	ok = 1;
	for (i = 0; i < REPORT_MAX && ok; i++) {
		a = V4(100000 - 1 - i);
		ok = addr_equal(&s->e[i].addr, &a) && s->e[i].count == 1 &&
		    s->e[i].last == (int64_t)(100000 - 1 - i);
	}
	CHECK(ok, "the last %d senders, newest first", REPORT_MAX);
	CHECK(report_suspects(r, 1, NULL, NULL) == REPORT_MAX,
	    "suspects: %d entries, no more", REPORT_MAX);
	/* A sender seen again is kept over the others. */
	a = V4(100000 - REPORT_MAX);
	report_note(r, MX_BLOCK, &a, 200000);
	a = V4(200001);
	report_note(r, MX_BLOCK, &a, 200001);
	s->n = 0;
	report_blocked(r, collect, s);
	CHECK(s->n == REPORT_MAX && s->e[1].count == 2 &&
	    s->e[1].first == 100000 - REPORT_MAX && s->e[1].last == 200000,
	    "the oldest, seen again, moves up with count 2");
	a = V4(100000 - REPORT_MAX + 2);
	CHECK(addr_equal(&s->e[REPORT_MAX - 1].addr, &a),
	    "the next oldest went instead");
	report_destroy(r);
	free(s);
}

/* A table of 3: replacement order by hand. */
static void
test_replacement(void)
{
	struct report *r = report_create(3, 1);
	struct mx_addr a = A("192.0.2.1"), b = A("192.0.2.2"),
	    c = A("192.0.2.3"), d = A("192.0.2.4");
	struct seen s;

	if (r == NULL)
		abort();
	report_note(r, MX_BLOCK, &a, 1);
	report_note(r, MX_BLOCK, &b, 2);
	report_note(r, MX_BLOCK, &c, 3);
	report_note(r, MX_BLOCK, &a, 4);	/* b is now the oldest */
	report_note(r, MX_BLOCK, &d, 5);
	memset(&s, 0, sizeof(s));
	report_blocked(r, collect, &s);
	CHECK(s.n == 3 && entry_of(&s, "192.0.2.2") == NULL,
	    "the least recently seen is replaced");
	CHECK(s.n == 3 && addr_equal(&s.e[0].addr, &d) &&
	    addr_equal(&s.e[1].addr, &a) && addr_equal(&s.e[2].addr, &c),
	    "order: d, a, c");
	report_note(r, MX_BLOCK, &b, 6);	/* c goes; b comes back new */
	memset(&s, 0, sizeof(s));
	report_blocked(r, collect, &s);
	CHECK(entry_of(&s, "192.0.2.3") == NULL && entry_of(&s, "192.0.2.2")
	    != NULL && entry_of(&s, "192.0.2.2")->count == 1 &&
	    entry_of(&s, "192.0.2.2")->first == 6, "a replaced sender starts "
	    "again from 1");
	report_destroy(r);
}

static void
test_suspects(void)
{
	struct report *r = report_create(0, 3);
	struct mx_addr bot = A("198.51.100.7"), mta = A("198.51.100.8"),
	    late = A("2001:db8::25");
	struct seen s;
	const struct report_entry *e;

	if (r == NULL)
		abort();
	report_note(r, MX_WHITELIST, &bot, 10);
	report_note(r, MX_REFRESH, &bot, 20);
	CHECK(report_suspects(r, 3, NULL, NULL) == 0, "two hits: not yet");
	report_note(r, MX_REFRESH, &bot, 30);
	/* A real MTA: fake MX, then the real one. */
	report_note(r, MX_WHITELIST, &mta, 11);
	report_note(r, MX_PASS, &mta, 12);
	report_note(r, MX_WHITELIST, &late, 13);
	report_note(r, MX_REFRESH, &late, 14);
	report_note(r, MX_REFRESH, &late, 15);
	memset(&s, 0, sizeof(s));
	CHECK(report_suspects(r, 3, collect, &s) == 2, "two suspects");
	e = entry_of(&s, "198.51.100.7");
	CHECK(e != NULL && e->count == 3 && e->first == 10 && e->last == 30,
	    "bot: 3 hits, first 10, last 30");
	CHECK(entry_of(&s, "198.51.100.8") == NULL, "the MTA is no suspect");
	CHECK(report_suspects(r, 1, NULL, NULL) == 2,
	    "the MTA is not even tracked after its pass");
	/* The late one passes the real MX after all: it drops out. */
	report_note(r, MX_PASS, &late, 16);
	memset(&s, 0, sizeof(s));
	CHECK(report_suspects(r, 3, collect, &s) == 1 &&
	    entry_of(&s, "2001:db8::25") == NULL,
	    "a suspect that passes the real MX drops out");
	/* And its next fake-MX hits count from its first hit again. */
	report_note(r, MX_REFRESH, &late, 17);
	memset(&s, 0, sizeof(s));
	report_suspects(r, 1, collect, &s);
	e = entry_of(&s, "2001:db8::25");
	CHECK(e != NULL && e->count == 1 && e->first == 17,
	    "after the pass, counted anew from 1");
	/* A blocked attempt is no pass. */
	report_note(r, MX_BLOCK, &bot, 40);
	CHECK(report_suspects(r, 3, NULL, NULL) == 1, "a block keeps a suspect");
	/* Removed slots are reused. */
	report_note(r, MX_PASS, &bot, 41);
	report_note(r, MX_PASS, &late, 42);
	CHECK(report_suspects(r, 0, NULL, NULL) == 0, "all passed: none left");
	report_note(r, MX_WHITELIST, &mta, 50);
	CHECK(report_suspects(r, 1, NULL, NULL) == 1, "a freed slot reused");
	report_destroy(r);
}

int
main(void)
{
	test_blocked();
	test_observed();
	test_bounds();
	test_replacement();
	test_suspects();
	return T_DONE();
}
