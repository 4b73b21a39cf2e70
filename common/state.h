/*
 * The whitelist on disk, so that a restart loses nobody.
 *
 * One text file: a header line, then one line per entry with the
 * whitelist key (an address, or a network's first address when
 * whitelist-prefix4/6 are set) and its expiry in wall-clock seconds:
 *
 *	mxallowd-state 1
 *	198.51.100.10 1764000000
 *	2001:db8:1:: 1764000123
 *
 * Written to a temporary file in the same directory, fsync(2)ed and
 * renamed over the old one, so a crash leaves either the old file or the
 * new one, never half of one.
 */
#ifndef MX_STATE_H
#define MX_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "whitelist.h"

#define STATE_MAGIC	"mxallowd-state 1"
/* The longest line written: 39-character IPv6 address, time, newline. */
#define STATE_LINE_MAX	64
/* The largest file n entries make. */
#define STATE_SIZE_MAX(n)	(((uint64_t)(n) + 1) * STATE_LINE_MAX)

/*
 * Parse a state file's contents into wl.  Times in the file are wall-clock
 * seconds; entries are inserted with expiries on the caller's clock
 * (mono_now + (expiry - real_now)); those already expired are skipped.
 * Returns 0, or -1 with err set at the first malformed line (entries
 * before it are kept).  *loaded counts the entries inserted.
 */
int	state_parse(const char *, size_t, struct whitelist *, int64_t, int64_t,
	    size_t *, char *, size_t);
/* state_load(): 0 read, 1 no file, and two kinds of failure. */
#define STATE_DAMAGED		(-1)	/* read, but not a good state file */
#define STATE_UNREADABLE	(-2)	/* could not be read at all */
int	state_load(const char *, struct whitelist *, int64_t, int64_t,
	    size_t *, char *, size_t);
int	state_save(const char *, const struct whitelist *, int64_t, int64_t,
	    char *, size_t);
int	state_save_at(int, const char *, const struct whitelist *, int64_t,
	    int64_t, char *, size_t);
int	state_dir_open(const char *, const char **, bool *);
/* The steps of state_save_at(), for a writer in another process. */
int	state_tmp_open(int, const char *, char *, size_t, char *, size_t);
int	state_write(int, const struct whitelist *, int64_t, int64_t, char *,
	    size_t);
int	state_tmp_close(int, const char *, const char *, bool, char *,
	    size_t);

#endif
