/*
 * What every fuzz target shares.  A target is one LLVMFuzzerTestOneInput()
 * linked either with libFuzzer (make fuzz: build/fuzz/NAME) or with
 * replay_main.c (make tests: build/tests/NAME, which replays the committed
 * corpus).  Besides memory errors, which the sanitizers catch, a target
 * checks what must hold whatever the input, and abort()s if it does not;
 * it frees everything it allocates, since LeakSanitizer and valgrind look.
 */
#ifndef MX_FUZZ_H
#define MX_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define REQUIRE(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* True if every byte of buf is zero: what a parser leaves untouched. */
static inline bool
zeroed(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len-- > 0)
		if (*p++ != 0)
			return false;
	return true;
}

#endif
