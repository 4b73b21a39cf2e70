/*
 * A minimal TAP-style test harness: one "ok N - what" or "not ok N - what"
 * line per check, and an exit status that says whether any failed.
 */
#ifndef MX_T_H
#define MX_T_H

#include <stdio.h>

static int t_count, t_failed;

/* cond is evaluated once: checks may have side effects. */
#define CHECK(cond, ...) do {						\
	int t_ok_ = (cond) ? 1 : 0;					\
	t_count++;							\
	if (t_ok_)							\
		printf("ok %d - ", t_count);				\
	else {								\
		t_failed++;						\
		printf("not ok %d - ", t_count);			\
	}								\
	printf(__VA_ARGS__);						\
	if (!t_ok_)							\
		printf(" (%s:%d: %s)", __FILE__, __LINE__, #cond);	\
	putchar('\n');							\
} while (0)

#define T_DONE()	(printf("1..%d\n", t_count), t_failed ? 1 : 0)

#endif
