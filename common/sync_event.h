/*
 * What gates sharing a whitelist tell each other through Redis (or
 * Valkey): one event per whitelisting or deletion, published on the
 * channel and stored, with the same text, as the value of the entry's key.
 * One line of printable ASCII, fields separated by one space:
 *
 *	mxallowd/1 GATE add ADDRESS/PREFIX EXPIRY
 *	mxallowd/1 GATE del ADDRESS/PREFIX WHEN
 *
 * GATE is the sending gate's sync-name, ADDRESS/PREFIX the whitelist key
 * (its host bits zero), EXPIRY the wall-clock time the entry expires and
 * WHEN the time it was deleted, both in milliseconds since the epoch.
 * Everything read back is parsed strictly: the network is hostile.  The
 * URL of the server is parsed here too.
 */
#ifndef MX_SYNC_EVENT_H
#define MX_SYNC_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define SYNC_MAGIC		"mxallowd/1"
/* Longest gate and channel name. */
#define SYNC_NAME_MAX		64
/* Longest event line: the longest of each field, and four blanks. */
#define SYNC_EVENT_MAX		(sizeof(SYNC_MAGIC) - 1 + SYNC_NAME_MAX + 3 + \
				 MX_ADDRSTRLEN + 4 + 15 + 4)
/* The difference between two gates' clocks tolerated, in milliseconds. */
#define SYNC_SKEW_MS		30000
/* Longest key: channel, ':', ADDRESS/PREFIX. */
#define SYNC_KEY_MAX		(SYNC_NAME_MAX + 1 + MX_ADDRSTRLEN + 4)

enum sync_op {
	SYNC_ADD = 1,
	SYNC_DELETE
};

struct sync_event {
	enum sync_op	 op;
	struct mx_addr	 addr;		/* the key, host bits zero */
	unsigned	 prefix;	/* in the address's family: 0-32, 0-128 */
	int64_t		 ms;		/* add: expiry; del: when */
	char		 gate[SYNC_NAME_MAX + 1];
};

enum sync_parse {
	SYNC_PARSE_OK,
	SYNC_PARSE_STALE,	/* well formed, but expired or old: ignore */
	SYNC_PARSE_BAD		/* malformed, or from the future: count */
};

int	sync_event_format(const struct sync_event *, char *, size_t);
enum sync_parse sync_event_parse(const char *, size_t, int64_t, int64_t,
	    struct sync_event *, char *, size_t);
int	sync_event_key(const char *, const struct mx_addr *, unsigned, char *,
	    size_t);
bool	sync_name_valid(const char *);

struct sync_url {
	bool		 is_unix;	/* unix:///PATH */
	char		 host[256];	/* no brackets around an IPv6 literal */
	int		 port;
	char		 path[104];	/* the smallest sun_path of the systems */
	char		 user[128];	/* "": none (the default user) */
	char		 password[256];	/* "": none */
	int		 db;
};

int	sync_url_parse(const char *, struct sync_url *, char *, size_t);

#endif
